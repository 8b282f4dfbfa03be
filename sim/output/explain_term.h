/* explain_term: one term of `trainsim explain` (explain.h), the record the
 * step's, memory's and the run's explainers each fill in and one function
 * prints: the simulated value, the closed form with the scenario's numbers
 * in it, what the formula gives, and why the two differ when they do. */
#ifndef TRAINSIM_EXPLAIN_TERM_H
#define TRAINSIM_EXPLAIN_TERM_H

#include "run/run.h"
#include "plan/rank_order.h"
#include "input/scenario.h"
#include "core/strbuf.h"

/* One term: its simulated value beside its closed form with the scenario's
 * numbers in it, and why they differ when they do. They agree within 2 %;
 * a random term, the mean of replications, also within 2 standard errors of
 * that mean (where 95 % of such means fall around the expectation). */
typedef struct {
    const char* name;
    double      simulated, formula;   /* in UNIT; formula NAN: none in closed form */
    enum { IN_SECONDS, IN_BYTES, IN_COUNT } unit;
    double      share;                /* of the step or the run; < 0: not a breakdown part */
    double      standard_error;       /* > 0: SIMULATED is a mean over REPLICATIONS, with this error */
    int         replications;
    const char* per;                  /* "per step", "per run" */
    char        per_text[48];         /* when PER needs a number */
    strbuf      text;                 /* the formula, then "= numbers" lines */
    char        why[512];
} explain_term;

/* What every explainer reads: the scenario, its run, the step's seconds
 * and the plan's pipeline ranks (p), micro-batches (m), model chunks per
 * rank (v), TP (t) and DP (d) degrees. */
typedef struct {
    const scenario*   sc;
    const run_result* r;
    double            step;   /* seconds */
    int               p, m, v, t, d;
} explain_ctx;

/* The narrowest link and the largest latency over the hops of the ring of
 * GPUs G(0..N-1) (each to the next, the last to the first); of the hop
 * from A to B; between consecutive members of pipeline rank 0's first group
 * of family F (plan/rank_order.h). */
void explain_ring_links(const explain_ctx* x, const int* g, int n, double* alpha, double* bandwidth);
void explain_hop(const explain_ctx* x, int a, int b, double* alpha, double* bandwidth);
void explain_family_links(const explain_ctx* x, group_family f, double* alpha, double* bandwidth);

/* How many nodes the GPUs G(0..N-1) span; pipeline rank 0's first group of
 * family F. */
int explain_nodes(const explain_ctx* x, const int* g, int n);
int explain_family_nodes(const explain_ctx* x, group_family f);

/* Prints term T into OUT (its name, value and share; the formula, what it
 * gives, why they differ) and frees its text. */
void explain_print_term(explain_term* t, strbuf* out);

#endif
