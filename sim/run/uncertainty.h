/* uncertainty: what the samples of an uncertainty study say about the run
 * (docs/output.md, "uncertainty"; docs/model.md, "Uncertain inputs").
 *
 * A study (batch/uncertainty_run.h) runs the scenario once per sample of
 * its uncertain inputs and fills the raw part of an uncertainty_result:
 * each sample's input values, whether it ran (a valid sample) and its
 * outcomes, and why the others did not. uncertainty_summarize then works
 * out, over the valid samples:
 *  - the p10, p50 and p90 of every outcome: sample_quantile's linear
 *    interpolation between order statistics at p (n - 1) (Hyndman and Fan
 *    1996, "Sample quantiles in statistical packages", definition 7);
 *  - the probability of each target band and of all of them together: the
 *    share of the valid samples whose outcome lies in the band (ends
 *    included), with its 95 % Wilson score interval (sample_stats.h), and
 *    per band the valid sample whose outcome came nearest to it (a band no
 *    sample reaches then says how far it is);
 *  - the sensitivity of wall-clock days and of run MFU to each input:
 *    Spearman's rank correlation over the valid samples (sample_stats.h),
 *    ranked by magnitude;
 *  - the target region: for each input, the least and greatest value among
 *    the samples inside every band (and which choices occur there). */
#ifndef TRAINSIM_UNCERTAINTY_H
#define TRAINSIM_UNCERTAINTY_H

#include "input/scenario.h"

/* The quantiles reported: p10, p50, p90. */
#define UNCERTAINTY_QUANTILES 3
extern const double uncertainty_quantiles[UNCERTAINTY_QUANTILES];

/* The outcomes whose sensitivity to the inputs is measured. */
#define UNCERTAINTY_MEASURES 2
extern const outcome_kind uncertainty_measures[UNCERTAINTY_MEASURES];

/* Samples that did not run, grouped by status and by reason with its
 * numbers masked ("needs # GiB per GPU ..."), in order of first appearance. */
typedef struct {
    char*     status;          /* a sweep row's status: invalid, infeasible or error */
    char*     reason;          /* the reason with numbers as # */
    char*     example;         /* the first such sample's reason, whole (with its FILE:LINE:COL) */
    long long first_sample;
    int       samples;
} sample_fault;

/* Spearman's rho of an input with a measure: NaN when it is undefined (an
 * input or outcome constant over the valid samples, fewer than two). */
typedef struct {
    int          input;        /* into spec->inputs */
    outcome_kind measure;
    double       rho;
} input_sensitivity;

typedef struct {
    /* Filled by the study. */
    const uncertainty_spec* spec;
    unsigned long long      seed;
    int                     samples;
    double*                 input_value;   /* [sample * inputs + input]: base units, a choice's number */
    int*                    choice;        /* [sample * inputs + input]: the choice drawn, -1 for the others */
    unsigned char*          ok;            /* per sample: it ran */
    double*                 outcome;       /* [sample * OUTCOME_COUNT + outcome]; NaN where unknown */
    sample_fault*           faults;
    int                     fault_count;
    /* Worked out by uncertainty_summarize. */
    int                     valid;
    double                  percentile[OUTCOME_COUNT][UNCERTAINTY_QUANTILES];   /* NaN without values */
    double*                 target_share;  /* per target: share of the valid samples in its band */
    double*                 target_interval; /* [2 * target]: the share's 95 % Wilson interval, lo then hi */
    double*                 closest_value; /* per target: the valid outcome nearest the band (inside: in it) */
    long long*              closest_sample;/* per target: that sample's number, the first such; -1: none */
    double                  overall_share; /* in every band; NaN without targets or valid samples */
    double                  overall_interval[2];
    int                     inside;        /* valid samples in every band */
    input_sensitivity*      sensitivity;   /* measures in order, each ranked by |rho| (NaN last) */
    int                     sensitivity_count;
    double*                 region_min;    /* per input, over the samples in every band; NaN: none */
    double*                 region_max;
    unsigned char*          region_choice; /* [input * max_choices + c]: choice c occurs in the region */
    int                     max_choices;
} uncertainty_result;

/* An empty result for SAMPLES samples of SPEC's inputs: the raw arrays
 * allocated, every sample not ok, every outcome NaN. */
void uncertainty_init(uncertainty_result* u, const uncertainty_spec* spec, unsigned long long seed, int samples);

/* Counts SAMPLE, which did not run, under STATUS and the masked numbers of
 * GIST (its REASON without what differs between inputs: the place an
 * invalid value was written); REASON whole is the fault's example. */
void uncertainty_count_fault(uncertainty_result* u, const char* status, const char* reason, const char* gist,
                             long long sample);

/* The figures of the valid samples (see above). */
void uncertainty_summarize(uncertainty_result* u);

/* Whether VALUE lies in target T's band. */
int uncertainty_in_band(const target_band* t, double value);

/* The inputs ranked by how much they matter: by the larger |rho| of their
 * two measures, NaN last, ties in input order. ORDER gets the spec's input
 * count of indices. */
void uncertainty_rank_inputs(const uncertainty_result* u, int* order);

/* The rho of INPUT with MEASURE, or NaN. */
double uncertainty_rho(const uncertainty_result* u, int input, outcome_kind measure);

void uncertainty_free(uncertainty_result* u);

#endif
