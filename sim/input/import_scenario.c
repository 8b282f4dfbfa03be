/* import_scenario: settings to a commented scenario (see import_scenario.h).
 * This file reads the settings row by row and writes the YAML; the rules
 * that need more than one value live in import_rules.c, Megatron-Core's
 * defaults and the placeholders in import_defaults.c. */
#include "input/import_scenario.h"

#include <stdlib.h>
#include <string.h>

#include "input/import_doc.h"
#include "input/import_defaults.h"
#include "input/import_rules.h"

/* ---- one setting at a time ---------------------------------------------- */

static int read_switch(importer* imp, const import_setting* s, int* on)
{
    *on = 1;
    if (!s->value)
        return 0;
    if (!strcmp(s->value, "true") || !strcmp(s->value, "True"))
        return 0;
    *on = 0;
    if (!strcmp(s->value, "false") || !strcmp(s->value, "False"))
        return 0;
    return import_fail(imp, s, "true or false");
}

static int read_name(importer* imp, const import_setting* s)
{
    const foreign_name* f = s->row;
    for (int i = 0; i < f->name_count; i++)
        if (!strcmp(s->value, f->names[i])) {
            import_set_from(imp, f->key, s->value, s);
            return 0;
        }
    strbuf expected = {0};
    strbuf_append(&expected, "one of ");
    for (int i = 0; i < f->name_count; i++)
        strbuf_printf(&expected, "%s%s", i ? ", " : "", f->names[i]);
    int bad = import_fail(imp, s, strbuf_text(&expected));
    strbuf_free(&expected);
    return bad;
}

static int read_setting(importer* imp, const import_setting* s)
{
    const foreign_name* f = s->row;
    int on;
    if (!f) {
        import_not_understood(imp, s, NULL);
        return 0;
    }
    if (f->key && s->value && strchr(s->value, '$')) {   /* a shell variable or an OmegaConf interpolation */
        strbuf why = {0};
        import_describe(s, &why);
        strbuf_append(&why, ": left as written, set it");
        import_set(imp, f->key, s->value, strbuf_text(&why));
        strbuf_printf(imp->notes, "trainsim import: left as written: ");
        import_describe(s, imp->notes);
        strbuf_printf(imp->notes, " (%s:%d:%d): set %s\n", imp->in->file, s->line, s->col, f->key);
        strbuf_free(&why);
        return 0;
    }
    switch (f->how) {
    case FOREIGN_INT:
        if (import_whole(s->value, NULL))
            return import_fail(imp, s, "a whole number");
        import_set_from(imp, f->key, s->value, s);
        return 0;
    case FOREIGN_NUMBER:
        if (import_number(s->value, NULL))
            return import_fail(imp, s, "a number");
        import_set_from(imp, f->key, s->value, s);
        return 0;
    case FOREIGN_SWITCH:
        if (read_switch(imp, s, &on))
            return -1;
        if (on || f->off)
            import_set_from(imp, f->key, on ? f->on : f->off, s);
        return 0;
    case FOREIGN_NAME:
        return read_name(imp, s);
    case FOREIGN_RULE:
        imp->by_rule[f->rule] = s;
        if (f->rule == RULE_TOKENIZER)
            import_list(&imp->ignored, s, "the tokenizer: model.vocab is its vocabulary");
        if (f->rule == RULE_RECOMPUTE_METHOD)
            import_list(&imp->no_effect, s, "not simulated: trainsim's full recompute recomputes every layer");
        return 0;
    case FOREIGN_NO_EFFECT:
        import_list(&imp->no_effect, s, f->note);
        return 0;
    case FOREIGN_IGNORED:
        import_list(&imp->ignored, s, NULL);
        return 0;
    case FOREIGN_HOW_COUNT:
        break;
    }
    return 0;
}

/* ---- the YAML ---------------------------------------------------------- */

/* A value YAML reads as the text itself, or the text quoted. */
static void put_value(strbuf* out, const char* v)
{
    int plain = v[0] != 0 && v[0] != '-';
    for (const char* c = v; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+$", *c))
            plain = 0;
    if (plain || !strcmp(v, "-1")) {
        strbuf_append(out, v);
        return;
    }
    strbuf_append(out, "\"");
    for (const char* c = v; *c; c++)
        strbuf_printf(out, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
    strbuf_append(out, "\"");
}

/* The number of names KEY shares with the path PREVIOUS (both dotted). */
static int shared_names(const char* key, const char* previous)
{
    int n = 0;
    size_t i = 0;
    while (previous && key[i] && key[i] == previous[i]) {
        i++;
        if (key[i] == '.' && previous[i] == '.')
            n++;
    }
    return n;
}

static void put_key(strbuf* out, const char* key, const char* value, const char* why, const char* previous)
{
    int depth = 0, shared = shared_names(key, previous);
    const char* name = key;
    for (const char* dot; (dot = strchr(name, '.')); name = dot + 1, depth++)
        if (depth >= shared)
            strbuf_printf(out, "%*s%.*s:\n", 2 * depth, "", (int)(dot - name), name);
    size_t start = out->len;
    strbuf_printf(out, "%*s%s: ", 2 * depth, "", name);
    put_value(out, value);
    if (why) {
        size_t width = out->len - start;
        strbuf_printf(out, "%*s# %s", width < 34 ? (int)(34 - width) : 1, "", why);
    }
    strbuf_append(out, "\n");
}

static void put_list(strbuf* out, const char* title, const strbuf* list)
{
    if (list->len)
        strbuf_printf(out, "#\n# %s\n%s", title, strbuf_text(list));
}

static void write_yaml(const importer* imp, const char* name, strbuf* out)
{
    strbuf_printf(out, "# Imported by `trainsim import %s %s`.\n"
                       "# Each value's comment says where it came from (docs/import.md); set the values\n"
                       "# marked " IMPORT_PLACEHOLDER " before running it.\n",
                  import_source_names[imp->in->source], imp->in->file);
    put_list(out, "not understood (not in the scenario: check them yourself):", &imp->not_understood);
    put_list(out, "understood, with no effect on the simulation:", &imp->no_effect);
    put_list(out, "ignored: no effect on the simulation (paths, logging, seeds, learning rates):", &imp->ignored);
    if (imp->in->skipped.len)
        strbuf_printf(out, "#\n# launcher, skipped:%s\n", strbuf_text(&imp->in->skipped));
    strbuf_append(out, "\nformat: 1\nname: ");
    put_value(out, name);
    strbuf_append(out, "\n");
    const char* previous = NULL;
    for (size_t i = 0; i < import_key_count; i++) {
        if (!imp->value[i])
            continue;
        if (!previous || strncmp(previous, import_keys[i], strcspn(previous, ".")))
            strbuf_append(out, "\n");
        put_key(out, import_keys[i], imp->value[i], imp->why[i], previous);
        previous = import_keys[i];
    }
}

int import_scenario(const import_input* in, const char* name, strbuf* out, strbuf* notes, diag* d)
{
    importer imp;
    importer_init(&imp, in, notes, d);
    int bad = 0;
    for (size_t i = 0; i < in->count && !bad; i++)
        bad = read_setting(&imp, &in->settings[i]);
    if (!bad)
        bad = import_apply_rules(&imp);
    if (!bad) {
        import_fill_defaults(&imp);
        write_yaml(&imp, name, out);
        if (imp.placeholders.len)
            strbuf_printf(notes, "trainsim import: set%s (marked " IMPORT_PLACEHOLDER ") before running it\n",
                          strbuf_text(&imp.placeholders));
    }
    importer_free(&imp);
    return bad ? -1 : 0;
}
