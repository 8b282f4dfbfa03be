/* report_uncertainty: a study's JSON object and text section (see
 * report_uncertainty.h). */
#include "output/report_uncertainty.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

/* The drivers the text report names. */
#define TEXT_DRIVERS 3

const char* report_outcome_label(outcome_kind o)
{
    switch (o) {
    case OUTCOME_WALL_CLOCK_DAYS:
        return "wall-clock days";
    case OUTCOME_RUN_MFU:
        return "MFU over the run";
    case OUTCOME_STEP_MFU:
        return "MFU per step";
    case OUTCOME_COST:
        return "cost";
    case OUTCOME_ENERGY_MWH:
        return "energy (MWh)";
    case OUTCOME_GPU_HOURS:
        return "GPU-hours";
    case OUTCOME_STEP_TIME:
        return "step time (s)";
    case OUTCOME_TOKENS_PER_S:
        return "tokens/s";
    case OUTCOME_GOODPUT:
        return "goodput";
    case OUTCOME_BUBBLE:
        return "bubble, of the run";
    case OUTCOME_COUNT:
        break;
    }
    return "?";
}

/* ---- JSON ---------------------------------------------------------------------- */

static void json_inputs(json_writer* j, const uncertainty_spec* s)
{
    json_open_array(j, "inputs");
    for (int i = 0; i < s->input_count; i++) {
        const uncertain_input* in = &s->inputs[i];
        json_open_object(j, NULL);
        json_write_string(j, "input", in->key);
        json_write_string(j, "distribution", prior_name(in->prior));
        if (in->prior == PRIOR_CHOICE) {
            json_open_array(j, "values");
            for (int c = 0; c < in->choices; c++)
                json_write_string(j, NULL, in->choice_text[c]);
            json_close_array(j);
            json_open_array(j, "weights");
            for (int c = 0; c < in->choices; c++)
                json_write_number(j, NULL, in->weight[c]);
            json_close_array(j);
        } else {
            json_open_array(j, "parameters");   /* base units */
            for (int p = 0; p < (in->prior == PRIOR_TRIANGULAR ? 3 : 2); p++)
                json_write_number(j, NULL, in->param[p]);
            json_close_array(j);
        }
        json_close_object(j);
    }
    json_close_array(j);
}

static void json_faults(json_writer* j, const uncertainty_result* u)
{
    json_open_array(j, "invalid");
    for (int i = 0; i < u->fault_count; i++) {
        const sample_fault* f = &u->faults[i];
        json_open_object(j, NULL);
        json_write_string(j, "status", f->status);
        json_write_string(j, "reason", f->reason);
        json_write_integer(j, "samples", f->samples);
        json_write_integer(j, "first_sample", f->first_sample);
        json_write_string(j, "example", f->example);
        json_close_object(j);
    }
    json_close_array(j);
}

static void json_percentiles(json_writer* j, const uncertainty_result* u)
{
    static const char* const keys[UNCERTAINTY_QUANTILES] = {"p10", "p50", "p90"};
    json_open_object(j, "percentiles");
    for (int o = 0; o < OUTCOME_COUNT; o++) {
        json_open_object(j, outcome_name((outcome_kind)o));
        for (int q = 0; q < UNCERTAINTY_QUANTILES; q++)
            json_write_number(j, keys[q], u->percentile[o][q]);
        json_close_object(j);
    }
    json_close_object(j);
}

/* A 95 % interval as [lo, hi]. */
static void json_interval(json_writer* j, const char* key, const double* lo_hi)
{
    json_open_array(j, key);
    json_write_number(j, NULL, lo_hi[0]);
    json_write_number(j, NULL, lo_hi[1]);
    json_close_array(j);
}

static void json_targets(json_writer* j, const uncertainty_result* u)
{
    const uncertainty_spec* s = u->spec;
    if (!s->target_count) {
        json_write_null(j, "target_probability");
        return;
    }
    json_open_object(j, "target_probability");
    json_write_number(j, "overall", u->overall_share);
    json_interval(j, "overall_95", u->overall_interval);
    json_write_integer(j, "samples_inside", u->inside);
    json_open_object(j, "per_target");
    for (int t = 0; t < s->target_count; t++)
        json_write_number(j, outcome_name(s->targets[t].outcome), u->target_share[t]);
    json_close_object(j);
    json_open_object(j, "per_target_95");
    for (int t = 0; t < s->target_count; t++)
        json_interval(j, outcome_name(s->targets[t].outcome), &u->target_interval[2 * t]);
    json_close_object(j);
    json_open_object(j, "closest");
    for (int t = 0; t < s->target_count; t++) {
        json_open_object(j, outcome_name(s->targets[t].outcome));
        json_write_number(j, "value", u->closest_value[t]);
        if (u->closest_sample[t] < 0)
            json_write_null(j, "sample");
        else
            json_write_integer(j, "sample", u->closest_sample[t]);
        json_close_object(j);
    }
    json_close_object(j);
    json_close_object(j);
}

static void json_sensitivity(json_writer* j, const uncertainty_result* u)
{
    json_open_array(j, "sensitivity");
    for (int i = 0; i < u->sensitivity_count; i++) {
        const input_sensitivity* e = &u->sensitivity[i];
        json_open_object(j, NULL);
        json_write_string(j, "input", u->spec->inputs[e->input].key);
        json_write_string(j, "measure", outcome_name(e->measure));
        json_write_number(j, "value", e->rho);
        json_close_object(j);
    }
    json_close_array(j);
}

static void json_region(json_writer* j, const uncertainty_result* u)
{
    const uncertainty_spec* s = u->spec;
    if (!s->target_count) {
        json_write_null(j, "target_region");
        return;
    }
    json_open_object(j, "target_region");
    json_write_integer(j, "samples", u->inside);
    json_open_array(j, "inputs");
    for (int i = 0; i < s->input_count; i++) {
        const uncertain_input* in = &s->inputs[i];
        json_open_object(j, NULL);
        json_write_string(j, "input", in->key);
        json_write_number(j, "min", u->region_min[i]);
        json_write_number(j, "max", u->region_max[i]);
        if (in->prior == PRIOR_CHOICE) {
            json_open_array(j, "values");
            for (int c = 0; c < in->choices; c++)
                if (u->region_choice[(size_t)i * u->max_choices + c])
                    json_write_string(j, NULL, in->choice_text[c]);
            json_close_array(j);
        }
        json_close_object(j);
    }
    json_close_array(j);
    json_close_object(j);
}

void report_uncertainty_json(json_writer* j, const uncertainty_result* u)
{
    if (!u) {
        json_write_null(j, "uncertainty");
        return;
    }
    json_open_object(j, "uncertainty");
    json_write_integer(j, "samples", u->samples);
    json_write_string(j, "design", "latin_hypercube");
    json_write_integer(j, "seed", (long long)u->seed);
    json_inputs(j, u->spec);
    json_write_integer(j, "valid", u->valid);
    json_faults(j, u);
    json_percentiles(j, u);
    json_targets(j, u);
    json_sensitivity(j, u);
    json_region(j, u);
    json_close_object(j);
}

/* ---- text ---------------------------------------------------------------------- */

/* 1.28e8 -> "128M": three significant digits and a thousands prefix. */
static const char* compact(double x, char* buf, size_t size)
{
    static const char* const prefix[] = {"", "k", "M", "G", "T", "P"};
    int i = 0;
    while (fabs(x) >= 1000 && i < 5) {
        x /= 1000;
        i++;
    }
    snprintf(buf, size, "%.3g%s", x, prefix[i]);
    return buf;
}

const char* report_outcome_value(outcome_kind o, double x, char* buf, size_t size)
{
    if (isnan(x))
        snprintf(buf, size, "-");
    else if (o == OUTCOME_RUN_MFU || o == OUTCOME_STEP_MFU || o == OUTCOME_GOODPUT || o == OUTCOME_BUBBLE)
        snprintf(buf, size, "%.1f %%", 100 * x);
    else if (o == OUTCOME_WALL_CLOCK_DAYS)
        snprintf(buf, size, x >= 10 ? "%.1f" : "%.3g", x);
    else
        compact(x, buf, size);
    return buf;
}

static int is_targeted(const uncertainty_spec* s, outcome_kind o)
{
    for (int t = 0; t < s->target_count; t++)
        if (s->targets[t].outcome == o)
            return 1;
    return 0;
}

int report_outcome_shown(const uncertainty_spec* s, outcome_kind o)
{
    return o <= OUTCOME_ENERGY_MWH || is_targeted(s, o);
}

static void text_distribution(const uncertainty_result* u, strbuf* out)
{
    strbuf_printf(out, "Samples  %d draws of %d uncertain input%s (Latin hypercube, seed %llu): %d ran%s\n",
                  u->samples, u->spec->input_count, u->spec->input_count == 1 ? "" : "s", u->seed, u->valid,
                  u->fault_count ? ", the others could not:" : "");
    for (int i = 0; i < u->fault_count; i++) {
        const sample_fault* f = &u->faults[i];
        strbuf_printf(out, "         %d %s: %.100s%s\n", f->samples, f->status, f->reason,
                      strlen(f->reason) > 100 ? "..." : "");
    }
    strbuf_printf(out, "  %-22s %12s %12s %12s\n", "", "p10", "p50", "p90");
    for (int o = 0; o < OUTCOME_COUNT; o++) {
        if (!report_outcome_shown(u->spec, (outcome_kind)o))
            continue;
        char q[UNCERTAINTY_QUANTILES][32];
        for (int k = 0; k < UNCERTAINTY_QUANTILES; k++)
            report_outcome_value((outcome_kind)o, u->percentile[o][k], q[k], sizeof q[k]);
        strbuf_printf(out, "  %-22s %12s %12s %12s\n", report_outcome_label((outcome_kind)o), q[0], q[1], q[2]);
    }
}

/* A share's 95 % interval in per cent, 15 columns wide. */
static void text_interval(const double* lo_hi, strbuf* out)
{
    char text[32];
    snprintf(text, sizeof text, "%.1f-%.1f %%", 100 * lo_hi[0], 100 * lo_hi[1]);
    strbuf_printf(out, "%-15s", text);
}

static void text_targets(const uncertainty_result* u, strbuf* out)
{
    const uncertainty_spec* s = u->spec;
    if (!s->target_count)
        return;
    strbuf_printf(out, "Targets  %-30s %11s  %-15s %s\n", "band", "probability", "95 % (Wilson)",
                  "nearest sample");
    for (int t = 0; t < s->target_count; t++) {
        char band[64], near[32];
        snprintf(band, sizeof band, "%s in [%.6g, %.6g]", outcome_name(s->targets[t].outcome), s->targets[t].lo,
                 s->targets[t].hi);
        report_outcome_value(s->targets[t].outcome, u->closest_value[t], near, sizeof near);
        strbuf_printf(out, "         %-30s %9.1f %%  ", band, 100 * u->target_share[t]);
        text_interval(&u->target_interval[2 * t], out);
        if (u->closest_sample[t] >= 0)
            strbuf_printf(out, " %s (sample %lld)", near, u->closest_sample[t]);
        strbuf_append(out, "\n");
    }
    strbuf_printf(out, "         %-30s %9.1f %%  ", "all at once", 100 * u->overall_share);
    text_interval(u->overall_interval, out);
    strbuf_printf(out, " %d of the %d samples that ran\n", u->inside, u->valid);
}

const char* report_input_value(const uncertain_input* in, double x, char* buf, int size)
{
    if (in->draw != DRAW_QUANTITY)
        snprintf(buf, (size_t)size, "%.4g", x);
    else if (in->unit == UNIT_TIME)
        units_format_seconds(x, buf, size);
    else if (in->unit == UNIT_SIZE)
        units_format_bytes(x, buf, size);
    else if (in->unit == UNIT_BANDWIDTH)
        snprintf(buf, (size_t)size, "%.4g Gbps", x * 8 / 1e9);
    else if (in->unit == UNIT_FLOPS)
        snprintf(buf, (size_t)size, "%.4g TFLOPS", x / 1e12);
    else
        snprintf(buf, (size_t)size, "%.4g %s", x, units_base_symbol((unit_kind)in->unit));
    return buf;
}

/* Where input I lies among the samples in every band. */
static void text_region(const uncertainty_result* u, int i, strbuf* out)
{
    const uncertain_input* in = &u->spec->inputs[i];
    if (!u->spec->target_count)
        return;
    if (isnan(u->region_min[i])) {
        strbuf_append(out, "; no sample holds every band");
        return;
    }
    strbuf_append(out, "; where all hold: ");
    if (in->prior == PRIOR_CHOICE) {
        int first = 1;
        for (int c = 0; c < in->choices; c++)
            if (u->region_choice[(size_t)i * u->max_choices + c]) {
                strbuf_printf(out, "%s%s", first ? "" : ", ", in->choice_text[c]);
                first = 0;
            }
        return;
    }
    char lo[48], hi[48];
    strbuf_printf(out, "%s to %s", report_input_value(in, u->region_min[i], lo, (int)sizeof lo),
                  report_input_value(in, u->region_max[i], hi, (int)sizeof hi));
}

/* A rank correlation, signed, or n/a where it is undefined. */
static const char* rho_text(double rho, char* buf, size_t size)
{
    if (isnan(rho))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%+.2f", rho);
    return buf;
}

static void text_drivers(const uncertainty_result* u, strbuf* out)
{
    int k = u->spec->input_count;
    int* order = xmalloc(((size_t)k + 1) * sizeof *order);
    uncertainty_rank_inputs(u, order);
    strbuf_append(out, "Drivers  Spearman's rank correlation with wall-clock days and with MFU over the run\n");
    for (int n = 0; n < k && n < TEXT_DRIVERS; n++) {
        int i = order[n];
        char days[16], mfu[16];
        strbuf_printf(out, "  %-40s days %s, run MFU %s", u->spec->inputs[i].key,
                      rho_text(uncertainty_rho(u, i, OUTCOME_WALL_CLOCK_DAYS), days, sizeof days),
                      rho_text(uncertainty_rho(u, i, OUTCOME_RUN_MFU), mfu, sizeof mfu));
        text_region(u, i, out);
        strbuf_append(out, "\n");
    }
    free(order);
}

void report_uncertainty_text(const uncertainty_result* u, strbuf* out)
{
    if (!u)
        return;
    strbuf_append(out, "\n");
    text_distribution(u, out);
    text_targets(u, out);
    text_drivers(u, out);
}
