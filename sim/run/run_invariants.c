/* run_invariants: a run's figures checked before any report (see
 * run_invariants.h). */
#include "run/run_invariants.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A step's parts as the reports show them, in their order. */
#define STEP_PARTS 8

static const char* const step_part_names[STEP_PARTS] = {
    "compute", "pipeline bubble", "TP communication", "PP communication",
    "DP communication, exposed", "optimizer step", "expert dispatch", "CP exchange",
};

static void step_parts(const step_profile* p, double* parts)
{
    const double all[STEP_PARTS] = {p->compute, p->bubble, p->tp_comm, p->pp_comm,
                                    p->dp_comm_exposed, p->optimizer, p->ep_comm, p->cp_comm};
    memcpy(parts, all, sizeof all);
}

static int finite_non_negative(double x)
{
    return isfinite(x) && x >= 0;
}

/* The step of profile P (WHICH names it: "the step", "the batch ramp's
 * phase 1's step"): a positive, finite time, its parts finite and
 * non-negative, summing to it. */
static int step_holds(const step_profile* p, const char* which, char* why, size_t size)
{
    if (!(isfinite(p->step_time) && p->step_time > 0)) {
        snprintf(why, size, "%s time must be finite and positive, found %.17g s", which, p->step_time);
        return -1;
    }
    double parts[STEP_PARTS], sum = 0;
    step_parts(p, parts);
    for (int i = 0; i < STEP_PARTS; i++) {
        if (!finite_non_negative(parts[i])) {
            snprintf(why, size, "every part of %s must be finite and non-negative, found %s %.17g s", which,
                     step_part_names[i], parts[i]);
            return -1;
        }
        sum += parts[i];
    }
    if (!(fabs(sum / p->step_time - 1) <= RUN_SHARES_TOLERANCE)) {
        snprintf(why, size,
                 "the shares of %s must sum to 1 within %g, found %.17g (parts %.17g s, step %.17g s)", which,
                 RUN_SHARES_TOLERANCE, sum / p->step_time, sum, p->step_time);
        return -1;
    }
    return 0;
}

typedef struct {
    const char* name;
    double      value;
} figure;

/* The run's figures that reports print as amounts: finite, non-negative. */
static int figures_hold(const run_result* r, char* why, size_t size)
{
    const figure all[] = {
        {"tokens per second", r->tokens_per_s},   {"TFLOP/s per GPU", r->tflops_per_gpu},
        {"steps", r->steps},                      {"tokens", r->tokens},
        {"run MFU", r->run_mfu},                  {"GPU-hours", r->gpu_hours},
        {"cost", r->cost},                        {"energy", r->energy_joules},
        {"energy cost", r->energy_cost},          {"average power", r->power.average},
        {"peak power", r->power.peak},            {"lowest power", r->power.trough},
        {"computing share", r->power.computing},  {"communicating share", r->power.communicating},
        {"lost work", r->campaign.lost_work},     {"checkpoint time", r->campaign.checkpoint},
        {"recovery time", r->campaign.recovery},  {"waiting for spares", r->campaign.waiting},
        {"memory per GPU", r->memory.rank[r->memory.worst].total},
    };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        if (!finite_non_negative(all[i].value)) {
            snprintf(why, size, "every figure of the run must be finite and non-negative, found %s %.17g",
                     all[i].name, all[i].value);
            return -1;
        }
    }
    return 0;
}

static int utilisation_holds(const run_result* r, char* why, size_t size)
{
    if (!(r->mfu > 0 && r->mfu <= 1)) {
        snprintf(why, size, "MFU must be above 0 and at most 1, found %.17g", r->mfu);
        return -1;
    }
    /* HFU counts the model's FLOPs and what recompute adds: never fewer. */
    if (!(r->hfu >= r->mfu * (1 - 1e-12))) {
        snprintf(why, size, "HFU must be at least MFU, found HFU %.17g below MFU %.17g", r->hfu, r->mfu);
        return -1;
    }
    return 0;
}

int run_invariants_check(const run_result* r, char* why, size_t size)
{
    if (step_holds(&r->profile, "the step", why, size))
        return -1;
    for (int i = 0; i < r->phase_count; i++) {
        char which[64];
        snprintf(which, sizeof which, "the batch ramp's phase %d's step", i + 1);
        if (r->phase[i].profile != &r->profile && step_holds(r->phase[i].profile, which, why, size))
            return -1;
    }
    if (utilisation_holds(r, why, size))
        return -1;
    if (!(isfinite(r->wall_seconds) && r->wall_seconds > 0)) {
        snprintf(why, size, "the run must take more than 0 days and a finite time, found %.17g days",
                 r->wall_seconds / 86400);
        return -1;
    }
    return figures_hold(r, why, size);
}

/* In the tests' build only (Makefile): $TRAINSIM_BREAK_FIGURE names a
 * figure to spoil before the check (step, mfu, hfu, wall, cost), as a bug
 * would. */
static void spoil_if_told(run_result* r)
{
#ifdef TRAINSIM_TEST_HOOKS
    const char* what = getenv("TRAINSIM_BREAK_FIGURE");
    if (!what)
        return;
    if (strcmp(what, "step") == 0)
        r->profile.tp_comm = -1e-3;
    else if (strcmp(what, "mfu") == 0)
        r->mfu = INFINITY;
    else if (strcmp(what, "hfu") == 0)
        r->hfu = r->mfu / 2;
    else if (strcmp(what, "wall") == 0)
        r->wall_seconds = 0;
    else if (strcmp(what, "cost") == 0)
        r->cost = NAN;
#else
    (void)r;
#endif
}

int run_simulate_checked(const scenario* sc, const run_options* opt, run_result* out)
{
    int status = run_simulate(sc, opt, out);
    if (status != 0)
        return status;
    spoil_if_told(out);
    if (run_invariants_check(out, out->broken, sizeof out->broken))
        return RUN_BROKEN;
    return 0;
}
