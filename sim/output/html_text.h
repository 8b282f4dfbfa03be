/* html_text: text made safe for an HTML page: the characters that HTML
 * reads as markup (< > & ") written as entities, for the page's parts
 * (html.h, html_study.h) that print names and reasons from the scenario. */
#ifndef TRAINSIM_HTML_TEXT_H
#define TRAINSIM_HTML_TEXT_H

#include "core/strbuf.h"

/* TEXT (NULL: nothing) into OUT, escaped. */
void html_escaped(strbuf* out, const char* text);

#endif
