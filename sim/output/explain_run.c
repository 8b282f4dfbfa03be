/* explain_run: the run level, formula beside simulation (see explain_run.h). */
#include "output/explain_run.h"

#include <math.h>
#include <stdio.h>

#include "core/units.h"

/* Run-level closed forms assume exponential failures at the total rate.
 * FAILURES: all of them over the simulated wall-clock; TRAINING_FAILURES:
 * those that strike while the job trains or checkpoints, which includes
 * redoing what they lose: N = rate (W + k C) / (1 - rate (tau + C) / 2). */
typedef struct {
    double rate, wall, failures, training_failures, tau, blocking, recovery;
} run_view;

static run_view view_of(const explain_ctx* x)
{
    const campaign_input* in = &x->r->campaign_in;
    run_view v = {campaign_failure_rate(in), x->r->campaign.wall_mean, 0, 0, in->interval_seconds,
                  campaign_blocking_seconds(in),
                  in->detect + in->restart + in->load_seconds};
    v.failures = v.rate * v.wall;
    double segments = v.tau > 0 ? ceil(in->work_seconds / v.tau) : 0;
    v.training_failures = v.rate * (in->work_seconds + segments * v.blocking) / (1 - v.rate * (v.tau + v.blocking) / 2);
    return v;
}

static void explain_failures(const explain_ctx* x, explain_term* t)
{
    run_view v = view_of(x);
    const campaign_input* in = &x->r->campaign_in;
    t->name = "Failures";
    t->per = "per run";
    t->unit = IN_COUNT;
    t->simulated = x->r->campaign.failures_total;
    t->formula = v.failures;
    strbuf_append(&t->text, "wall-clock x sum over components of instances / MTBF = ");
    char w[32];
    strbuf_printf(&t->text, "%s x (", units_format_seconds(v.wall, w, sizeof w));
    for (int i = 0; i < in->class_count; i++)
        strbuf_printf(&t->text, "%s%.0f / %.4g h", i ? " + " : "", in->classes[i].instances,
                      in->classes[i].mtbf / 3600);
    strbuf_append(&t->text, ")");
    if (x->sc->failures.rate_scale != 1)
        strbuf_printf(&t->text, ", each MTBF the file's over failures.rate_scale %g", x->sc->failures.rate_scale);
    t->standard_error = x->r->campaign.failures_total_se;
    snprintf(t->why, sizeof t->why, "more than 2 standard errors of the mean over %d replications apart: the "
             "formula has exponential failures at a constant rate", x->r->campaign.replications);
}

static void explain_lost_work(const explain_ctx* x, explain_term* t)
{
    run_view v = view_of(x);
    const campaign_input* in = &x->r->campaign_in;
    int async = in->copy_seconds > 0;
    double per = (v.tau + v.blocking) / 2 + (async ? in->checkpoint_seconds / (v.tau + v.blocking) * v.tau : 0);
    char a[32], b[32], w[32], c[32];
    t->name = "Work lost to failures";
    t->simulated = x->r->campaign.lost_work;
    t->formula = v.training_failures * per;
    strbuf_printf(&t->text,
                  "N x (tau + C) / 2%s: a failure falls anywhere in a segment; N, the failures while training\n"
                  "             (lost work redone included) = rate (W + k C) / (1 - rate (tau + C) / 2)\n"
                  "             = %.4g x (%s + %s) / 2, N = (W + k C) / %s / (1 - (tau + C) / 2 / %s) = %.4g",
                  async ? " + W/(tau + C) x tau (a failure before the write ends loses the segment before)" : "",
                  v.training_failures, units_format_seconds(v.tau, a, sizeof a),
                  units_format_seconds(v.blocking, b, sizeof b), units_format_seconds(1 / v.rate, w, sizeof w),
                  units_format_seconds(1 / v.rate, c, sizeof c), v.training_failures);
    t->standard_error = x->r->campaign.lost_work_se;
    snprintf(t->why, sizeof t->why,
             "more than 2 standard errors of the mean over %d replications apart: Weibull failures or unequal "
             "segments move it",
             x->r->campaign.replications);
}

static void explain_restart(const explain_ctx* x, explain_term* t)
{
    run_view v = view_of(x);
    const campaign_input* in = &x->r->campaign_in;
    double m = 1 / v.rate, per = m * expm1(v.recovery / m);
    char a[32], b[32], c[32], w[32];
    t->name = "Detection, restart, checkpoint load";
    t->simulated = x->r->campaign.recovery;
    t->formula = v.training_failures * per;
    strbuf_printf(&t->text,
                  "N x M (e^{R/M} - 1): a recovery of R = detect + restart + load starts again when a failure "
                  "comes\n             during it (Daly 2006) = %.4g x %s (e^{(%s + %s + %s)/M} - 1)",
                  v.training_failures, units_format_seconds(m, w, sizeof w),
                  units_format_seconds(in->detect, a, sizeof a), units_format_seconds(in->restart, b, sizeof b),
                  units_format_seconds(in->load_seconds, c, sizeof c));
    t->standard_error = x->r->campaign.recovery_se;
    snprintf(t->why, sizeof t->why,
             "more than 2 standard errors of the mean over %d replications apart: failures while waiting for a "
             "spare add recoveries the formula does not count",
             x->r->campaign.replications);
}

static void explain_spares(const explain_ctx* x, explain_term* t)
{
    run_view v = view_of(x);
    const campaign_input* in = &x->r->campaign_in;
    double repair = 0;
    for (int i = 0; i < in->class_count; i++)
        repair += in->classes[i].instances / in->classes[i].mtbf / v.rate * in->classes[i].repair;
    t->name = "Waiting for spare nodes";
    t->per = "per run";
    t->simulated = x->r->campaign.waiting;
    t->formula = NAN;
    strbuf_printf(&t->text, "none in closed form; Little's law: nodes in repair at once, on average, = failure "
                            "rate x mean repair = %.3g",
                  v.rate * repair);
    if (in->spares < 0)
        snprintf(t->why, sizeof t->why, "spares are unlimited: the job never waits");
    else
        snprintf(t->why, sizeof t->why,
                 "against %d spare node%s: the job waits when more than that are in repair at once%s", in->spares,
                 in->spares == 1 ? "" : "s",
                 v.rate * repair > in->spares ? ", which is the usual state here: it waits a lot" : "");
}

static void explain_checkpoints(const explain_ctx* x, explain_term* t)
{
    run_view v = view_of(x);
    const campaign_input* in = &x->r->campaign_in;
    double segments = ceil(in->work_seconds / v.tau);
    char a[32], b[32], c[32];
    t->name = "Checkpoints";
    t->per = "per run";
    t->simulated = x->r->campaign.checkpoint;
    t->formula = segments * v.blocking;
    strbuf_printf(&t->text, "ceil(work / tau) x C = ceil(%s / %s) x %s%s", units_format_seconds(in->work_seconds, a, sizeof a),
                  units_format_seconds(v.tau, b, sizeof b), units_format_seconds(v.blocking, c, sizeof c),
                  in->copy_seconds > 0 ? " (C: the blocking copy of an asynchronous checkpoint)" : "");
    snprintf(t->why, sizeof t->why,
             "checkpoints a failure interrupted count as lost work, and the run redoes the segments it lost");
}

static void explain_interval(const explain_ctx* x, explain_term* t)
{
    run_view v = view_of(x);
    double m = 1 / v.rate, young = sqrt(2 * v.blocking * m);
    char a[32], b[32], c[32];
    t->name = "Checkpoint interval";
    t->per = "of training";
    t->simulated = v.tau;
    t->formula = young;
    strbuf_printf(&t->text,
                  "Young (1974): sqrt(2 C M) = sqrt(2 x %s x %s); Daly (2006, Eq. 37) adds higher orders: %s",
                  units_format_seconds(v.blocking, a, sizeof a), units_format_seconds(m, b, sizeof b),
                  units_format_seconds(campaign_optimal_interval(v.blocking, m), c, sizeof c));
    snprintf(t->why, sizeof t->why, "%s",
             x->sc->checkpoint.interval_auto ? "interval: auto takes Daly's optimum, not Young's first-order one"
                                             : "the scenario sets the interval");
}

static void explain_wall(const explain_ctx* x, explain_term* t)
{
    const campaign_input* in = &x->r->campaign_in;
    char a[32];
    t->name = "Wall-clock";
    t->per = "per run";
    t->simulated = x->r->campaign.wall_mean;
    t->formula = campaign_expected_wall(in);
    t->standard_error = x->r->campaign.wall_se;
    strbuf_printf(&t->text,
                  "Daly (2006, Eq. 13): segments x M e^{R/M} (e^{(tau + C)/M} - 1), M = %s, R = detect + restart "
                  "+ load",
                  units_format_seconds(1 / campaign_failure_rate(in), a, sizeof a));
    snprintf(t->why, sizeof t->why,
             "the formula has exponential failures, spares never short and synchronous checkpoints; the "
             "simulation has the scenario's distribution, spares and writes, over %d replications",
             x->r->campaign.replications);
}

void explain_run(const explain_ctx* x, strbuf* out)
{
    const campaign_input* in = &x->r->campaign_in;
    double wall = x->r->campaign.wall_mean;
    int failures = campaign_failure_rate(in) > 0, checkpoints = in->interval_seconds > 0;
    strbuf_printf(out, "\nThe run%s\n",
                  failures ? "" : checkpoints ? ": no failures section, so no failure terms" : ": no failures and no checkpoints, so nothing to explain");
    void (*const explainers[])(const explain_ctx*, explain_term*) = {explain_checkpoints, explain_failures,
                                                                     explain_lost_work,   explain_restart,
                                                                     explain_spares,      explain_interval,
                                                                     explain_wall};
    const int needs_failures[] = {0, 1, 1, 1, 1, 1, 1}, needs_checkpoints[] = {1, 0, 1, 0, 0, 1, 0};
    for (size_t i = 0; i < sizeof explainers / sizeof *explainers; i++) {
        if ((needs_failures[i] && !failures) || (needs_checkpoints[i] && !checkpoints))
            continue;
        explain_term t = {.per = "per run", .share = -1, .replications = x->r->campaign.replications};
        explainers[i](x, &t);
        if (t.unit == IN_SECONDS && explainers[i] != explain_interval && explainers[i] != explain_wall)
            t.share = t.simulated / wall;
        explain_print_term(&t, out);
    }
}
