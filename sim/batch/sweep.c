/* sweep: reading a sweep file and making its points (see sweep.h). */
#include "batch/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"
#include "run/step_cache.h"

/* FNV-1a 64 (Fowler, Noll, Vo) of N bytes at P, continuing from H. */
#define FNV1A_START 14695981039346656037ULL

static uint64_t fnv1a(uint64_t h, const char* p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

/* ---- reading the sweep file -------------------------------------------- */

static const char* const sweep_keys[] = {"format", "name", "description", "base", "grid", "zip", NULL};

static int is_sweep_key(const char* key)
{
    for (int i = 0; sweep_keys[i]; i++)
        if (!strcmp(key, sweep_keys[i]))
            return 1;
    return 0;
}

static int reject_node(diag* d, const yt_node* at, const char* key, const char* expected)
{
    char found[160];
    diag_expected(d, at ? at->line : 1, at ? at->col : 1, key, expected, yt_describe(at, found, sizeof found));
    return -1;
}

/* A required key absent: "KEY: expected a value (the key is required),
 * found nothing", at the top of the file. */
static int reject_missing(diag* d, const char* key, const char* what)
{
    char expected[160];
    snprintf(expected, sizeof expected, "%s (the key is required)", what);
    diag_expected(d, 1, 1, key, expected, "nothing");
    return -1;
}

static int read_base(sweep* sw, const yt_node* base, diag* d)
{
    sw->base = path_beside(sw->file, base->text);
    output_file_note_input(sw->base, "base scenario");
    FILE* f = fopen(sw->base, "rb");
    strbuf text = {0};
    int bad = !f || strbuf_read_stream(&text, f, YT_MAX_BYTES);
    if (f)
        fclose(f);
    if (bad || text.len > YT_MAX_BYTES) {
        diag_problem(d, base->line, base->col, "base: cannot read the base scenario %s: %s", sw->base,
                     bad ? strerror(errno) : "larger than the limit for scenarios");
        strbuf_free(&text);
        return -1;
    }
    sw->base_len = text.len;   /* every byte, NULs included: yt_load_text reports those */
    sw->base_text = text.data ? text.data : xstrdup("");
    sw->base_hash = fnv1a(FNV1A_START, sw->base_text, sw->base_len);
    return 0;
}

/* Adds the axes of SECTION ("grid" or "zip"), each a non-empty list. */
static int read_axes(sweep* sw, const yt_node* map, const char* section, diag* d)
{
    if (map->kind != YT_MAP)
        return reject_node(d, map, section, "a mapping of dotted keys to lists of values");
    for (size_t i = 0; i < map->count; i++) {
        const yt_node* values = map->values[i];
        char path[256];
        snprintf(path, sizeof path, "%s.%s", section, map->keys[i]->text);
        if (values->kind == YT_SEQ && values->count == 0) {
            diag_expected(d, values->line, values->col, path, "a non-empty list of values", "an empty list");
            return -1;
        }
        if (values->kind != YT_SEQ)
            return reject_node(d, values, path, "a non-empty list of values");
        for (size_t a = 0; a < sw->axis_count; a++)
            if (!strcmp(sw->axes[a].key, map->keys[i]->text)) {
                char found[320];
                snprintf(found, sizeof found, "%s again (already given at line %d)", map->keys[i]->text,
                         sw->axes[a].key_node->line);
                diag_expected(d, map->keys[i]->line, map->keys[i]->col, path, "each key varied once, in grid or zip",
                              found);
                return -1;
            }
        sw->axes = xrealloc(sw->axes, (sw->axis_count + 1) * sizeof *sw->axes);
        sw->axes[sw->axis_count++] = (sweep_axis){map->keys[i]->text, map->keys[i], values};
    }
    return 0;
}

/* The zip's lists must have one length; the product of the axes a limit. */
static int count_points(sweep* sw, const yt_node* zip, diag* d)
{
    sw->points = 1;
    for (size_t a = 0; a < sw->grid_count; a++) {
        sw->points *= (long long)sw->axes[a].values->count;
        if (sw->points > SWEEP_MAX_POINTS) {
            char found[96];
            snprintf(found, sizeof found, "%lld with the first %zu keys", sw->points, a + 1);
            diag_expected(d, sw->axes[a].values->line, sw->axes[a].values->col, "grid", "at most 1,000,000 points",
                          found);
            return -1;
        }
    }
    for (size_t a = sw->grid_count; a < sw->axis_count; a++) {
        size_t n = sw->axes[a].values->count;
        if (a == sw->grid_count)
            sw->zip_length = n;
        else if (n != sw->zip_length) {
            char expected[96], found[64], path[256];
            snprintf(expected, sizeof expected, "a list of %zu values, as long as the zip's first", sw->zip_length);
            snprintf(found, sizeof found, "a list of %zu", n);
            snprintf(path, sizeof path, "zip.%s", sw->axes[a].key);
            diag_expected(d, sw->axes[a].values->line, sw->axes[a].values->col, path, expected, found);
            return -1;
        }
    }
    if (sw->zip_length)
        sw->points *= (long long)sw->zip_length;
    if (sw->points > SWEEP_MAX_POINTS) {
        char found[64];
        snprintf(found, sizeof found, "%lld", sw->points);
        diag_expected(d, zip->line, zip->col, "zip", "at most 1,000,000 points with the grid", found);
        return -1;
    }
    return 0;
}

static int read_sweep(sweep* sw, diag* d)
{
    const yt_node* root = sw->root;
    if (!root || root->kind != YT_MAP)
        return reject_node(d, root, "(document)", "a mapping with the sweep's keys");
    for (size_t i = 0; i < root->count; i++)
        if (!is_sweep_key(root->keys[i]->text)) {
            char found[160];
            const char* expected = "a key of a sweep (format, name, description, base, grid, zip)";
            snprintf(found, sizeof found, "the unknown key \"%s\"", root->keys[i]->text);
            diag_expected(d, root->keys[i]->line, root->keys[i]->col, "(document)", expected, found);
            return -1;
        }
    const yt_node* format = yt_map_get(root, "format");
    if (!format)
        return reject_missing(d, "format", "the sweep format version, 1");
    if (format->kind != YT_SCALAR || strcmp(format->text, "1"))
        return reject_node(d, format, "format", "1 (the sweep format version)");
    const yt_node* base = yt_map_get(root, "base");
    if (!base)
        return reject_missing(d, "base", "the path of the base scenario");
    if (base->kind != YT_SCALAR || !base->text[0])
        return reject_node(d, base, "base", "the path of the base scenario");
    const yt_node* grid = yt_map_get(root, "grid");
    const yt_node* zip = yt_map_get(root, "zip");
    if (grid && read_axes(sw, grid, "grid", d))
        return -1;
    sw->grid_count = sw->axis_count;
    if (zip && read_axes(sw, zip, "zip", d))
        return -1;
    if (sw->axis_count == 0 && !grid && !zip)
        return reject_missing(d, "grid", "at least one key to vary, in grid or zip");
    if (sw->axis_count == 0)
        return reject_node(d, grid ? grid : zip, grid ? "grid" : "zip", "at least one key to vary");
    if (count_points(sw, zip, d))
        return -1;
    return read_base(sw, base, d);
}

int sweep_load(const char* path, sweep* sw, diag* d)
{
    memset(sw, 0, sizeof *sw);
    sw->file = xstrdup(path);
    output_file_note_input(path, "sweep");   /* no output of this run may be it, nor its base */
    sw->root = yt_load_file(path, d);
    if (d->failed)
        return -1;
    return read_sweep(sw, d);
}

int sweep_load_text(const char* name, const char* text, sweep* sw, diag* d)
{
    memset(sw, 0, sizeof *sw);
    sw->file = xstrdup(name);
    sw->root = yt_load_text(text, strlen(text), d);
    if (d->failed)
        return -1;
    return read_sweep(sw, d);
}

int sweep_load_tree(const char* name, yt_node* root, sweep* sw, diag* d)
{
    memset(sw, 0, sizeof *sw);
    sw->file = xstrdup(name);
    sw->root = root;
    return read_sweep(sw, d);
}

void sweep_free(sweep* sw)
{
    free(sw->file);
    free(sw->base);
    free(sw->base_text);
    free(sw->axes);
    yt_free(sw->root);
    memset(sw, 0, sizeof *sw);
}

/* ---- points ------------------------------------------------------------- */

const yt_node* sweep_value(const sweep* sw, size_t axis, long long p)
{
    if (axis >= sw->grid_count)   /* the zip: the fastest digit */
        return sw->axes[axis].values->values[p % (long long)sw->zip_length];
    if (sw->zip_length)
        p /= (long long)sw->zip_length;
    for (size_t a = sw->grid_count; a-- > axis + 1;)
        p /= (long long)sw->axes[a].values->count;
    return sw->axes[axis].values->values[p % (long long)sw->axes[axis].values->count];
}

void sweep_value_text(const yt_node* v, strbuf* out)
{
    yt_flow_text(v, out);
}

/* FNV-1a of the base and point P's "key=value" lines, of every key or only
 * of those that shape the step. */
static uint64_t point_hash(const sweep* sw, long long p, int step_only)
{
    strbuf text = {0};
    for (size_t a = 0; a < sw->axis_count; a++) {
        if (step_only && !step_cache_shapes_step(sw->axes[a].key))
            continue;
        strbuf_printf(&text, "%s=", sw->axes[a].key);
        sweep_value_text(sweep_value(sw, a, p), &text);
        strbuf_append(&text, "\n");
    }
    uint64_t h = fnv1a(sw->base_hash, strbuf_text(&text), text.len);
    strbuf_free(&text);
    return h;
}

void sweep_point_hash(const sweep* sw, long long p, char hex[17])
{
    snprintf(hex, 17, "%016llx", (unsigned long long)point_hash(sw, p, 0));
}

uint64_t sweep_point_step_key(const sweep* sw, long long p)
{
    return point_hash(sw, p, 1);
}

/* Puts VALUE (taken) at AXIS's dotted key under ROOT (yt_put_path). */
static int put_value(yt_node* root, const sweep_axis* axis, yt_node* value, const char* sweep_file, diag* d)
{
    if (!yt_put_path(root, axis->key, value))
        return 0;
    diag_problem_in(d, sweep_file, axis->key_node->line, axis->key_node->col,
                    "%s: expected a path through the base scenario's mappings (and lists, as name[i], "
                    "within their length), found one that does not lead to a value there",
                    axis->key);
    return -1;
}

yt_node* sweep_point_tree(const sweep* sw, long long p, diag* d)
{
    yt_node* root = yt_load_text(sw->base_text, sw->base_len, d);
    if (!root) {
        if (!d->failed)
            diag_problem(d, 1, 1, "(document): expected a mapping with the scenario's keys, found an empty document");
        return NULL;
    }
    for (size_t a = 0; a < sw->axis_count; a++)
        if (put_value(root, &sw->axes[a], yt_copy(sweep_value(sw, a, p), sw->file), sw->file, d)) {
            yt_free(root);
            return NULL;
        }
    return root;
}
