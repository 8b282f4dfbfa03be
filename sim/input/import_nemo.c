/* import_nemo: NeMo training YAMLs (see import_nemo.h). */
#include "input/import_nemo.h"

#include <stdio.h>

#include "input/yaml_tree.h"

static void read_map(const yt_node* map, const char* prefix, import_input* in)
{
    for (size_t i = 0; i < map->count; i++) {
        const yt_node* k = map->keys[i];
        const yt_node* v = map->values[i];
        char path[512];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", k->text);
        const foreign_name* row = foreign_nemo(path);
        if (v->kind == YT_MAP && !foreign_covers_section(row)) {
            read_map(v, path, in);
            continue;
        }
        if (v->kind == YT_MAP || (v->kind == YT_SEQ && foreign_covers_section(row))) {
            import_add(in, path, NULL, k->line, k->col, v->line, v->col, row);
            continue;
        }
        if (row && yt_is_null(v))
            continue;   /* a known key left unset: NeMo's default */
        strbuf value = {0};
        yt_flow_text(v, &value);
        import_add(in, path, strbuf_text(&value), k->line, k->col, v->line, v->col, row);
        strbuf_free(&value);
    }
}

int import_nemo_read(const char* path, import_input* in, diag* d)
{
    yt_node* root = yt_load_file(path, d);
    if (!root) {
        if (!d->failed)
            diag_file_problem(d, "empty: expected a NeMo training YAML (trainer:, model:)");
        return -1;
    }
    if (root->kind != YT_MAP) {
        diag_problem(d, root->line, root->col, "expected a NeMo training YAML (a mapping with trainer:, model:)");
        yt_free(root);
        return -1;
    }
    read_map(root, "", in);
    yt_free(root);
    return 0;
}
