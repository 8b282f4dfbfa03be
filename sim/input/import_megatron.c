/* import_megatron: Megatron-LM's argument lists (see import_megatron.h). */
#include "input/import_megatron.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BYTES (4u << 20)

typedef struct {
    char* text;
    int   line, col;
} word;

typedef struct {
    const char* s;
    int         line, col;
    word*       words;
    size_t      count, cap;
} splitter;

static void step(splitter* sp)
{
    if (*sp->s == '\n') {
        sp->line++;
        sp->col = 1;
    } else {
        sp->col++;
    }
    sp->s++;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Spaces, continued lines and comments before the next word. */
static void skip_space(splitter* sp)
{
    for (;;) {
        if (is_blank(*sp->s))
            step(sp);
        else if (sp->s[0] == '\\' && (sp->s[1] == '\n' || (sp->s[1] == '\r' && sp->s[2] == '\n'))) {
            step(sp);
            while (*sp->s != '\n')
                step(sp);
            step(sp);
        } else if (*sp->s == '#') {
            while (*sp->s && *sp->s != '\n')
                step(sp);
        } else {
            return;
        }
    }
}

/* One word, its quotes removed. Returns 0, or -1 for a quote left open. */
static int read_word(splitter* sp, strbuf* w, diag* d)
{
    while (*sp->s && !is_blank(*sp->s)) {
        char quote = *sp->s;
        if (quote == '\\' && sp->s[1] && sp->s[1] != '\n' && sp->s[1] != '\r') {
            step(sp);
            strbuf_append_n(w, sp->s, 1);
            step(sp);
        } else if (quote == '\\') {
            return 0;   /* a continued line ends the word */
        } else if (quote == '\'' || quote == '"') {
            int line = sp->line, col = sp->col;
            step(sp);
            while (*sp->s && *sp->s != quote) {
                if (quote == '"' && sp->s[0] == '\\' && strchr("\"\\$`", sp->s[1]))
                    step(sp);
                strbuf_append_n(w, sp->s, 1);
                step(sp);
            }
            if (!*sp->s) {
                diag_problem(d, line, col, "a %c quote that is not closed", quote);
                return -1;
            }
            step(sp);
        } else {
            strbuf_append_n(w, sp->s, 1);
            step(sp);
        }
    }
    return 0;
}

static int split_words(splitter* sp, diag* d)
{
    for (skip_space(sp); *sp->s; skip_space(sp)) {
        strbuf w = {0};
        int line = sp->line, col = sp->col;
        if (read_word(sp, &w, d)) {
            strbuf_free(&w);
            return -1;
        }
        if (sp->count == sp->cap) {
            sp->cap = sp->cap ? 2 * sp->cap : 64;
            sp->words = xrealloc(sp->words, sp->cap * sizeof *sp->words);
        }
        sp->words[sp->count++] = (word){xstrdup(strbuf_text(&w)), line, col};
        strbuf_free(&w);
    }
    return 0;
}

static int is_flag(const char* w)
{
    return w[0] == '-' && ((w[1] == '-' && w[2] && w[2] != '-') || (w[1] >= 'a' && w[1] <= 'z'));
}

/* torchrun, python3, /usr/bin/python, deepspeed, srun: a launcher whose
 * options come before the script. */
static int is_launcher(const char* w)
{
    const char* base = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
    return !strcmp(base, "torchrun") || !strncmp(base, "python", 6) || !strcmp(base, "deepspeed") ||
           !strcmp(base, "srun") || !strcmp(base, "mpirun");
}

static int ends_with(const char* s, const char* tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && !strcmp(s + n - m, tail);
}

/* The flag at WORDS[*I] with its values, as a setting. */
static int read_flag(const word* words, size_t count, size_t* i, import_input* in, diag* d)
{
    const word* w = &words[*i];
    const char* eq = strchr(w->text, '=');
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(eq ? (size_t)(eq - w->text) : strlen(w->text)), w->text);
    const foreign_name* row = name[1] == '-' ? foreign_megatron(name + 2) : NULL;
    int wanted = row ? row->values : -1;
    if (eq) {
        import_add(in, name, eq + 1, w->line, w->col, w->line, w->col + (int)(eq + 1 - w->text), row);
        return 0;
    }
    size_t first = *i + 1, end = first;
    while (end < count && !is_flag(words[end].text) && (wanted < 0 || (int)(end - first) < wanted))
        end++;
    if (wanted > 0 && (int)(end - first) < wanted) {
        char found[160];
        if (end < count)
            snprintf(found, sizeof found, "the next flag %.120s", words[end].text);
        else
            snprintf(found, sizeof found, "the end of the arguments");
        diag_expected(d, w->line, w->col, name, wanted > 1 ? "its values" : "a value", found);
        return -1;
    }
    strbuf value = {0};
    for (size_t k = first; k < end; k++)
        strbuf_printf(&value, "%s%s", k > first ? " " : "", words[k].text);
    import_add(in, name, end > first ? strbuf_text(&value) : NULL, w->line, w->col,
               end > first ? words[first].line : w->line, end > first ? words[first].col : w->col, row);
    strbuf_free(&value);
    *i = end - 1;
    return 0;
}

/* A launcher from WORDS[*I] to its script: skipped, but for the cluster
 * keys torchrun's --nnodes and --nproc-per-node give. */
static int skip_launcher(const word* words, size_t count, size_t* i, import_input* in, diag* d)
{
    for (; *i < count; (*i)++) {
        const word* w = &words[*i];
        const foreign_name* row = is_flag(w->text) && w->text[1] == '-' ? foreign_megatron(w->text + 2) : NULL;
        if (!row && is_flag(w->text) && strchr(w->text, '=')) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(strchr(w->text, '=') - w->text - 2), w->text + 2);
            row = foreign_megatron(name);
        }
        if (row && row->key && !strncmp(row->key, "cluster.", 8)) {
            if (read_flag(words, count, i, in, d))
                return -1;
            continue;
        }
        strbuf_printf(&in->skipped, " %s", w->text);
        if (ends_with(w->text, ".py"))
            return 0;
    }
    return 0;
}

int import_megatron_text(const char* text, import_input* in, diag* d)
{
    splitter sp = {.s = text, .line = 1, .col = 1};
    int bad = split_words(&sp, d);
    for (size_t i = 0; !bad && i < sp.count; i++) {
        const word* w = &sp.words[i];
        if (is_launcher(w->text))
            bad = skip_launcher(sp.words, sp.count, &i, in, d);
        else if (is_flag(w->text))
            bad = read_flag(sp.words, sp.count, &i, in, d);
        else
            import_add(in, w->text, NULL, w->line, w->col, w->line, w->col, NULL);
    }
    for (size_t i = 0; i < sp.count; i++)
        free(sp.words[i].text);
    free(sp.words);
    return bad ? -1 : 0;
}

int import_megatron_read(const char* path, import_input* in, diag* d)
{
    int from_stdin = !strcmp(path, "-");
    FILE* f = from_stdin ? stdin : fopen(path, "r");
    if (!f) {
        diag_file_problem(d, "cannot open: %s", strerror(errno));
        return -1;
    }
    strbuf text = {0};
    int bad = strbuf_read_stream(&text, f, MAX_BYTES);
    if (!from_stdin)
        fclose(f);
    if (bad)
        diag_file_problem(d, "cannot read: %s", strerror(errno));
    else if (text.len > MAX_BYTES)
        diag_file_problem(d, "larger than 4 MiB: not an argument list");
    else if (memchr(strbuf_text(&text), 0, text.len))
        diag_file_problem(d, "holds a NUL byte: not an argument list");
    bad = d->failed || import_megatron_text(strbuf_text(&text), in, d);
    strbuf_free(&text);
    return bad ? -1 : 0;
}
