/* uncertainty: percentiles, band probabilities, rank correlations and the
 * target region of a study's samples (see uncertainty.h). */
#include "run/uncertainty.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sample_stats.h"
#include "core/strbuf.h"

const double uncertainty_quantiles[UNCERTAINTY_QUANTILES] = {0.10, 0.50, 0.90};
const outcome_kind uncertainty_measures[UNCERTAINTY_MEASURES] = {OUTCOME_WALL_CLOCK_DAYS, OUTCOME_RUN_MFU};

void uncertainty_init(uncertainty_result* u, const uncertainty_spec* spec, unsigned long long seed, int samples)
{
    memset(u, 0, sizeof *u);
    u->spec = spec;
    u->seed = seed;
    u->samples = samples;
    size_t n = (size_t)samples, k = (size_t)spec->input_count;
    u->input_value = xcalloc(n * k + 1, sizeof *u->input_value);
    u->choice = xcalloc(n * k + 1, sizeof *u->choice);
    u->ok = xcalloc(n + 1, 1);
    u->outcome = xcalloc(n * OUTCOME_COUNT + 1, sizeof *u->outcome);
    for (size_t i = 0; i < n * OUTCOME_COUNT; i++)
        u->outcome[i] = NAN;
    for (int i = 0; i < spec->input_count; i++)
        if (spec->inputs[i].choices > u->max_choices)
            u->max_choices = spec->inputs[i].choices;
}

/* ---- samples that did not run ---------------------------------------------- */

/* REASON with every number that stands alone ("93.2 GiB", "rank 0",
 * "found 24"; not "a100" or "sxm4") written as #. */
static void mask_numbers(const char* reason, strbuf* out)
{
    for (const char* c = reason; *c;) {
        int alone = isdigit((unsigned char)*c) && (c == reason || !isalnum((unsigned char)c[-1]));
        size_t n = alone ? strspn(c, "0123456789.,") : 0;
        while (n > 0 && (c[n - 1] == '.' || c[n - 1] == ','))
            n--;   /* a sentence's full stop or comma is not the number's */
        if (alone && !isalnum((unsigned char)c[n])) {
            strbuf_append(out, "#");
            c += n;
        } else {
            strbuf_append_n(out, c, 1);
            c++;
        }
    }
}

void uncertainty_count_fault(uncertainty_result* u, const char* status, const char* reason, const char* gist,
                             long long sample)
{
    strbuf masked = {0};
    mask_numbers(gist ? gist : "", &masked);
    for (int i = 0; i < u->fault_count; i++) {
        sample_fault* f = &u->faults[i];
        if (!strcmp(f->status, status) && !strcmp(f->reason, strbuf_text(&masked))) {
            f->samples++;
            strbuf_free(&masked);
            return;
        }
    }
    u->faults = xrealloc(u->faults, ((size_t)u->fault_count + 1) * sizeof *u->faults);
    u->faults[u->fault_count++] =
        (sample_fault){xstrdup(status), xstrdup(strbuf_text(&masked)), xstrdup(reason ? reason : ""), sample, 1};
    strbuf_free(&masked);
}

/* ---- the figures ------------------------------------------------------------ */

int uncertainty_in_band(const target_band* t, double value)
{
    return value >= t->lo && value <= t->hi;
}

static double outcome_of(const uncertainty_result* u, int sample, outcome_kind o)
{
    return u->outcome[(size_t)sample * OUTCOME_COUNT + o];
}

static void percentiles(uncertainty_result* u)
{
    double* x = xmalloc(((size_t)u->samples + 1) * sizeof *x);
    for (int o = 0; o < OUTCOME_COUNT; o++) {
        int n = 0;
        for (int i = 0; i < u->samples; i++)
            if (u->ok[i] && isfinite(outcome_of(u, i, (outcome_kind)o)))
                x[n++] = outcome_of(u, i, (outcome_kind)o);
        qsort(x, (size_t)n, sizeof *x, sample_compare);
        for (int q = 0; q < UNCERTAINTY_QUANTILES; q++)
            u->percentile[o][q] = n ? sample_quantile(x, n, uncertainty_quantiles[q]) : NAN;
    }
    free(x);
}

/* Whether valid sample I lies in every band. */
static int inside_all(const uncertainty_result* u, int i)
{
    for (int t = 0; t < u->spec->target_count; t++)
        if (!uncertainty_in_band(&u->spec->targets[t], outcome_of(u, i, u->spec->targets[t].outcome)))
            return 0;
    return 1;
}

/* How far VALUE lies outside band T: 0 inside, infinite when unknown. */
static double distance_to_band(const target_band* t, double value)
{
    if (!isfinite(value))
        return INFINITY;
    return value < t->lo ? t->lo - value : value > t->hi ? value - t->hi : 0;
}

/* Target T's valid sample nearest its band, the first of equals. */
static void closest_to_band(uncertainty_result* u, int t)
{
    const target_band* band = &u->spec->targets[t];
    double best = INFINITY;
    u->closest_value[t] = NAN;
    u->closest_sample[t] = -1;
    for (int i = 0; i < u->samples; i++) {
        double v = outcome_of(u, i, band->outcome), d = distance_to_band(band, v);
        if (u->ok[i] && d < best) {
            best = d;
            u->closest_value[t] = v;
            u->closest_sample[t] = i;
        }
    }
}

static void band_shares(uncertainty_result* u)
{
    const uncertainty_spec* s = u->spec;
    size_t n = (size_t)s->target_count + 1;
    u->target_share = xcalloc(n, sizeof *u->target_share);
    u->target_interval = xcalloc(2 * n, sizeof *u->target_interval);
    u->closest_value = xcalloc(n, sizeof *u->closest_value);
    u->closest_sample = xcalloc(n, sizeof *u->closest_sample);
    for (int t = 0; t < s->target_count; t++) {
        int in = 0;
        for (int i = 0; i < u->samples; i++)
            in += u->ok[i] && uncertainty_in_band(&s->targets[t], outcome_of(u, i, s->targets[t].outcome));
        u->target_share[t] = u->valid ? (double)in / u->valid : NAN;
        sample_wilson_interval(in, u->valid, SAMPLE_Z95, &u->target_interval[2 * t], &u->target_interval[2 * t + 1]);
        closest_to_band(u, t);
    }
    u->inside = 0;
    for (int i = 0; i < u->samples; i++)
        u->inside += u->ok[i] && s->target_count > 0 && inside_all(u, i);
    u->overall_share = u->valid && s->target_count ? (double)u->inside / u->valid : NAN;
    sample_wilson_interval(u->inside, s->target_count ? u->valid : 0, SAMPLE_Z95, &u->overall_interval[0],
                           &u->overall_interval[1]);
}

/* Ranked within a measure: greater |rho| first, NaN last, then input order. */
static int by_magnitude(const void* a, const void* b)
{
    const input_sensitivity* x = a;
    const input_sensitivity* y = b;
    if (x->measure != y->measure)
        return x->measure < y->measure ? -1 : 1;
    int nx = isnan(x->rho), ny = isnan(y->rho);
    if (nx != ny)
        return nx - ny;
    if (!nx && fabs(x->rho) != fabs(y->rho))
        return fabs(x->rho) > fabs(y->rho) ? -1 : 1;
    return (x->input > y->input) - (x->input < y->input);
}

static void sensitivities(uncertainty_result* u)
{
    int k = u->spec->input_count;
    double* x = xmalloc(2 * ((size_t)u->samples + 1) * sizeof *x);
    double* y = x + u->samples + 1;
    u->sensitivity = xcalloc((size_t)k * UNCERTAINTY_MEASURES + 1, sizeof *u->sensitivity);
    for (int m = 0; m < UNCERTAINTY_MEASURES; m++)
        for (int j = 0; j < k; j++) {
            int n = 0;
            for (int i = 0; i < u->samples; i++)
                if (u->ok[i] && isfinite(outcome_of(u, i, uncertainty_measures[m]))) {
                    x[n] = u->input_value[(size_t)i * k + j];
                    y[n++] = outcome_of(u, i, uncertainty_measures[m]);
                }
            u->sensitivity[u->sensitivity_count++] =
                (input_sensitivity){j, uncertainty_measures[m], sample_spearman(x, y, n)};
        }
    free(x);
    qsort(u->sensitivity, (size_t)u->sensitivity_count, sizeof *u->sensitivity, by_magnitude);
}

static void region(uncertainty_result* u)
{
    int k = u->spec->input_count;
    u->region_min = xcalloc((size_t)k + 1, sizeof *u->region_min);
    u->region_max = xcalloc((size_t)k + 1, sizeof *u->region_max);
    u->region_choice = xcalloc((size_t)k * (size_t)u->max_choices + 1, 1);
    for (int j = 0; j < k; j++)
        u->region_min[j] = u->region_max[j] = NAN;
    for (int i = 0; i < u->samples; i++) {
        if (!u->ok[i] || !u->spec->target_count || !inside_all(u, i))
            continue;
        for (int j = 0; j < k; j++) {
            double v = u->input_value[(size_t)i * k + j];
            u->region_min[j] = isnan(u->region_min[j]) || v < u->region_min[j] ? v : u->region_min[j];
            u->region_max[j] = isnan(u->region_max[j]) || v > u->region_max[j] ? v : u->region_max[j];
            int c = u->choice[(size_t)i * k + j];
            if (c >= 0)
                u->region_choice[(size_t)j * u->max_choices + c] = 1;
        }
    }
}

void uncertainty_summarize(uncertainty_result* u)
{
    u->valid = 0;
    for (int i = 0; i < u->samples; i++)
        u->valid += u->ok[i];
    percentiles(u);
    band_shares(u);
    sensitivities(u);
    region(u);
}

double uncertainty_rho(const uncertainty_result* u, int input, outcome_kind measure)
{
    for (int i = 0; i < u->sensitivity_count; i++)
        if (u->sensitivity[i].input == input && u->sensitivity[i].measure == measure)
            return u->sensitivity[i].rho;
    return NAN;
}

/* |rho| of the input's stronger measure, or -1 when both are NaN. */
static double strength(const uncertainty_result* u, int input)
{
    double best = -1;
    for (int m = 0; m < UNCERTAINTY_MEASURES; m++) {
        double rho = uncertainty_rho(u, input, uncertainty_measures[m]);
        if (!isnan(rho) && fabs(rho) > best)
            best = fabs(rho);
    }
    return best;
}

void uncertainty_rank_inputs(const uncertainty_result* u, int* order)
{
    int k = u->spec->input_count;
    for (int j = 0; j < k; j++)
        order[j] = j;
    for (int a = 1; a < k; a++)   /* insertion sort: stable, and k is small */
        for (int b = a; b > 0 && strength(u, order[b]) > strength(u, order[b - 1]); b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
}

void uncertainty_free(uncertainty_result* u)
{
    for (int i = 0; i < u->fault_count; i++) {
        free(u->faults[i].status);
        free(u->faults[i].reason);
        free(u->faults[i].example);
    }
    free(u->faults);
    free(u->input_value);
    free(u->choice);
    free(u->ok);
    free(u->outcome);
    free(u->target_share);
    free(u->target_interval);
    free(u->closest_value);
    free(u->closest_sample);
    free(u->sensitivity);
    free(u->region_min);
    free(u->region_max);
    free(u->region_choice);
    memset(u, 0, sizeof *u);
}
