/* campaign: the whole training run, failures and checkpoints included, as a
 * discrete-event simulation (docs/design.md, "Two levels of simulation": the run).
 *
 * A trainer actor advances training in segments of the checkpoint interval,
 * each followed by a checkpoint: blocking, or asynchronous (only the copy to
 * host memory blocks; the write goes on beside training, one at a time, and
 * the checkpoint counts once written); a failure actor draws the failures
 * of every component class (the superposition of the class's instances: the
 * time between two of them has mean MTBF / instances, exponential or
 * Weibull) and interrupts it. A failure loses everything since the last
 * written checkpoint's blocking part; the job then detects it, takes a spare node for the
 * failed one (waiting for a repair when none is left), restarts and loads
 * the checkpoint; a failure during that recovery starts it again. The failed
 * node comes back to the spares after its component's repair time. Every
 * random draw comes from the scenario's seed: same seed, same result.
 * Replications give the distribution of wall-clock time. */
#ifndef TRAINSIM_CAMPAIGN_H
#define TRAINSIM_CAMPAIGN_H

#include "input/scenario.h"

#define CAMPAIGN_MAX_CLASSES SCENARIO_MAX_FAILURE_COMPONENTS

typedef struct {
    failure_kind kind;
    double      instances;   /* components of this kind in the job */
    double      mtbf;        /* seconds, per instance */
    double      repair;      /* seconds until the failed node is a spare again */
} failure_class;

/* What the first replication did when, for timelines (trace, report). */
typedef enum {
    RUN_TRAINING,      /* training; CYCLES > 1: that many segments, each with its checkpoint */
    RUN_CHECKPOINT,    /* the blocking part of a checkpoint */
    RUN_WRITE,         /* an asynchronous checkpoint write, beside training */
    RUN_FAILURE,       /* an instant: a component of class CLASS failed */
    RUN_LOST,          /* work since the last durable checkpoint, lost to a failure */
    RUN_DETECT,        /* detecting the failure */
    RUN_WAIT_SPARE,    /* waiting for a repaired node: no spare left */
    RUN_RESTART,       /* restarting the job and loading the checkpoint */
    RUN_EVENT_KIND_COUNT
} run_event_kind;

/* What the trace calls each kind: the table, and one. */
extern const char* const run_event_kind_names[RUN_EVENT_KIND_COUNT];
const char* run_event_kind_name(run_event_kind kind);

typedef struct {
    run_event_kind kind;
    double         start, end;   /* seconds from the start of the run */
    int            cls;          /* RUN_FAILURE: index into campaign_input.classes */
    double         cycles;       /* RUN_TRAINING */
} run_event;

/* Recording stops at CAMPAIGN_MAX_EVENTS; TRUNCATED then says so. */
#define CAMPAIGN_MAX_EVENTS 200000

typedef struct {
    run_event* events;
    int        count, cap;
    int        truncated;
} campaign_log;

typedef struct {
    double               work_seconds;        /* failure-free training: steps x step time */
    double               checkpoint_seconds;  /* one checkpoint write */
    double               copy_seconds;        /* > 0: asynchronous, only this copy to host memory blocks */
    double               load_seconds;        /* reading the checkpoint back */
    double               interval_seconds;    /* work between checkpoints; 0 = none */
    double               detect, restart;     /* seconds */
    int                  spares;              /* spare nodes; < 0 = never short of one */
    failure_distribution distribution;
    double               shape;               /* Weibull k */
    int                  class_count;
    failure_class        classes[CAMPAIGN_MAX_CLASSES];
    unsigned long long   seed;
    int                  replications;
    campaign_log*        log;                 /* if not NULL, gets the first replication's events */
} campaign_input;

#define CAMPAIGN_BINS 20

typedef struct {
    int    replications;
    double wall_mean, wall_p10, wall_p90;   /* seconds */
    double goodput;                         /* work / mean wall-clock */
    /* Means over replications, seconds: work lost to failures (including
     * checkpoints they interrupted), completed checkpoints, recoveries
     * (detection, restart, load, and the ones failures interrupted), and
     * waiting for a spare node. */
    double lost_work, checkpoint, recovery, waiting;
    double failures[CAMPAIGN_MAX_CLASSES];  /* mean count per class */
    double failures_total;
    /* The standard errors of the means of the wall-clock, lost work,
     * recoveries and failures: how far a mean over this many replications
     * scatters around its expectation (0 with one replication). */
    double wall_se, lost_work_se, recovery_se, failures_total_se;
    /* The replications' wall-clocks in CAMPAIGN_BINS equal bins from
     * wall_min to wall_max (all in the first when they are equal). */
    double wall_min, wall_max;
    int    wall_bins[CAMPAIGN_BINS];
} campaign_result;

void campaign_log_free(campaign_log* log);

/* Failures per second of all classes together. */
double campaign_failure_rate(const campaign_input* in);

/* The part of a checkpoint that blocks training: the copy to host memory of
 * an asynchronous one (copy_seconds > 0), else the whole write. */
double campaign_blocking_seconds(const campaign_input* in);

/* The checkpoint interval that minimises the expected wall-clock for a
 * checkpoint of C seconds and a mean time between failures M (Daly 2006,
 * Eq. 37: sqrt(2CM)[1 + sqrt(C/2M)/3 + C/18M] - C for C < 2M, else M). */
double campaign_optimal_interval(double checkpoint_seconds, double mtbf);

/* The expected wall-clock of IN with exponential failures and spares never
 * short (Daly 2006, Eq. 13 with the last segment's checkpoint written too):
 * M e^{R/M} (e^{(tau + C)/M} - 1) W / tau, R = detect + restart + load. */
double campaign_expected_wall(const campaign_input* in);

/* Simulates one checkpoint write and one load on the loaded platform: each
 * of GPUS[0..COUNT) sends SHARD bytes to the storage host, all at once, and
 * later reads them back. Returns the seconds each took (the last arrival). */
void campaign_checkpoint_io(const int* gpus, int count, double shard, double* write_seconds,
                            double* load_seconds);

/* Runs IN's replications on the loaded platform, their actors on HOST. */
void campaign_simulate(const campaign_input* in, const char* host, campaign_result* out);

/* The steps the bookkeeping of nodes in repair has taken in this process,
 * so that tests can check its cost without timing it. */
unsigned long long campaign_repair_steps(void);

#endif
