/* html_text: escaping for the HTML page (see html_text.h). */
#include "output/html_text.h"

void html_escaped(strbuf* out, const char* text)
{
    for (const char* p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '<': strbuf_append(out, "&lt;"); break;
        case '>': strbuf_append(out, "&gt;"); break;
        case '&': strbuf_append(out, "&amp;"); break;
        case '"': strbuf_append(out, "&quot;"); break;
        default:  strbuf_append_n(out, p, 1);
        }
    }
}
