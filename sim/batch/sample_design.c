/* sample_design: inverse CDFs over a Latin hypercube, and the samples as a
 * sweep's zip (see sample_design.h). */
#include "batch/sample_design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inverse_cdf.h"
#include "core/json.h"
#include "core/units.h"

/* ---- drawing ------------------------------------------------------------------ */

/* The key's valid range, widened by 1/2 for an integer key, to which a
 * normal is truncated. */
static void truncation(const uncertain_input* in, double* a, double* b)
{
    double widen = in->draw == DRAW_INTEGER ? 0.5 : 0;
    *a = in->min - widen;
    *b = in->max >= 1e300 ? HUGE_VAL : in->max + widen;
}

/* The continuous draw at U: over [lo - 1/2, hi + 1/2) for an integer key. */
static double continuous_draw(const uncertain_input* in, double u)
{
    const double* x = in->param;
    double widen = in->draw == DRAW_INTEGER ? 0.5 : 0, a, b;
    switch (in->prior) {
    case PRIOR_UNIFORM:
        return inverse_uniform(x[0] - widen, x[1] + widen, u);
    case PRIOR_LOGUNIFORM:
        return inverse_loguniform(x[0] - widen, x[1] + widen, u);
    case PRIOR_TRIANGULAR:
        return inverse_triangular(x[0] - widen, x[1], x[2] + widen, u);
    case PRIOR_NORMAL:
        truncation(in, &a, &b);
        return inverse_truncated_normal(x[0], x[1], a, b, u);
    case PRIOR_CHOICE:
    case PRIOR_COUNT:
        break;
    }
    return x[0];
}

/* An integer key's draw rounded to the nearest integer, kept within the
 * distribution's bounds (the key's range for a normal). */
static double rounded(const uncertain_input* in, double x)
{
    double lo = in->prior == PRIOR_NORMAL ? in->min : in->param[0];
    double hi = in->prior == PRIOR_NORMAL ? in->max : in->param[in->prior == PRIOR_TRIANGULAR ? 2 : 1];
    double k = floor(x + 0.5);
    return k < lo ? ceil(lo) : k > hi ? floor(hi) : k;
}

void sample_design_draw(const scenario* sc, int n, const double* unit_cube, double* value, int* choice)
{
    int k = sc->uncertain.input_count;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            const uncertain_input* in = &sc->uncertain.inputs[j];
            size_t at = (size_t)i * k + j;
            double u = unit_cube[at];
            choice[at] = -1;
            if (in->prior == PRIOR_CHOICE) {
                choice[at] = inverse_discrete(in->weight, in->choices, u);
                value[at] = in->choice_value[choice[at]];
            } else {
                double x = continuous_draw(in, u);
                value[at] = in->draw == DRAW_INTEGER ? rounded(in, x) : x;
            }
        }
}

/* ---- the samples as a sweep ---------------------------------------------------- */

static yt_node* scalar(const char* text, int line, int col)
{
    yt_node* n = xcalloc(1, sizeof *n);
    n->kind = YT_SCALAR;
    n->line = line;
    n->col = col;
    n->text = xstrdup(text);
    return n;
}

static yt_node* sequence(void)
{
    yt_node* n = xcalloc(1, sizeof *n);
    n->kind = YT_SEQ;
    n->line = n->col = 1;
    return n;
}

static void push(yt_node* seq, yt_node* item)
{
    seq->values = xrealloc(seq->values, (seq->count + 1) * sizeof *seq->values);
    seq->values[seq->count++] = item;
}

/* A drawn value of IN as the key reads it, at the distribution's place. */
static yt_node* drawn_node(const uncertain_input* in, double x)
{
    char number[JSON_NUMBER_SIZE], text[64];
    if (in->draw == DRAW_INTEGER)
        snprintf(text, sizeof text, "%.0f", x);
    else if (in->draw == DRAW_QUANTITY)
        snprintf(text, sizeof text, "%s%s", json_format_number(x, number), units_base_symbol((unit_kind)in->unit));
    else
        snprintf(text, sizeof text, "%s", json_format_number(x, number));
    return scalar(text, in->line, in->col);
}

/* The Jth input's list of choices in the file's tree ROOT, or NULL. */
static const yt_node* choices_in(const yt_node* root, const scenario* sc, int j)
{
    const yt_node* section = yt_map_get(root, "uncertain");
    const yt_node* distribution = yt_map_get(section, sc->uncertain.inputs[j].key);
    return yt_map_get(distribution, prior_names[PRIOR_CHOICE]);
}

/* The zip: each input's N values, then the seed's. Returns 0, or -1 after a
 * message in D. */
static int fill_zip(yt_node* zip, const scenario* sc, int n, const double* value, const int* choice, int seed_axis,
                    diag* d)
{
    yt_node* root = yt_load_file(sc->file, d);
    int k = sc->uncertain.input_count;
    for (int j = 0; j < k && root; j++) {
        const uncertain_input* in = &sc->uncertain.inputs[j];
        const yt_node* listed = in->prior == PRIOR_CHOICE ? choices_in(root, sc, j) : NULL;
        if (in->prior == PRIOR_CHOICE && (!listed || listed->kind != YT_SEQ || listed->count != (size_t)in->choices)) {
            diag_problem(d, in->line, in->col, "uncertain.%s: the file changed while the samples were drawn", in->key);
            break;
        }
        yt_node* values = sequence();
        for (int i = 0; i < n; i++) {
            size_t at = (size_t)i * k + j;
            push(values, listed ? yt_copy(listed->values[choice[at]], NULL) : drawn_node(in, value[at]));
        }
        yt_map_put(zip, in->key, values);
    }
    if (seed_axis && !d->failed) {
        char seed[32];
        snprintf(seed, sizeof seed, "%llu", sc->seed);
        yt_node* seeds = sequence();
        for (int i = 0; i < n; i++)
            push(seeds, scalar(seed, 1, 1));
        yt_map_put(zip, "seed", seeds);
    }
    int failed = !root || d->failed;
    yt_free(root);
    return failed ? -1 : 0;
}

int sample_design_sweep(const scenario* sc, int n, const double* value, const int* choice, int seed_axis, sweep* sw,
                        diag* d)
{
    memset(sw, 0, sizeof *sw);
    yt_node* root = yt_new_map(1, 1, NULL);
    yt_node* zip = yt_new_map(1, 1, NULL);
    const char* slash = strrchr(sc->file, '/');
    yt_map_put(root, "format", scalar("1", 1, 1));
    yt_map_put(root, "base", scalar(slash ? slash + 1 : sc->file, 1, 1));   /* beside the file: the file */
    if (fill_zip(zip, sc, n, value, choice, seed_axis, d)) {
        yt_free(zip);
        yt_free(root);
        sw->file = xstrdup(sc->file);
        return -1;
    }
    yt_map_put(root, "zip", zip);
    return sweep_load_tree(sc->file, root, sw, d);
}
