/* report_rows: what the renderings of a run share (the text and JSON
 * reports, the HTML page): the breakdown's rows, the rows of the
 * data-parallel collectives, the GPU-hours failures cost, counts written
 * short, and the version they name. */
#ifndef TRAINSIM_REPORT_ROWS_H
#define TRAINSIM_REPORT_ROWS_H

#include "run/run.h"

#define TRAINSIM_VERSION "0.1.0"

/* One line of the breakdown, in seconds over the whole run. The first
 * REPORT_STEP_PARTS are parts of a step; the others happen at the run level
 * (campaign.h). */
typedef struct {
    const char* key;     /* as in the JSON report */
    const char* label;
    double      seconds;
} breakdown_row;

#define REPORT_PARTS 12
#define REPORT_STEP_PARTS 8

/* Rows shown even when they take no time: the step's parts but the last
 * two, the expert dispatch and the CP exchange, which only MoE models and
 * context parallelism have. */
#define REPORT_ALWAYS_SHOWN 6

/* The run's breakdown, REPORT_PARTS rows, in the JSON report's order. */
void report_breakdown(const run_result* r, breakdown_row* rows);

/* The step's parts of profile P, seconds: REPORT_STEP_PARTS, in the order
 * of the breakdown's first rows. */
void report_step_parts(const step_profile* p, double* parts);

/* Whether row I of the breakdown is shown when it takes SECONDS: one of
 * the first REPORT_ALWAYS_SHOWN always, another when it happens. */
int report_row_shown(int i, double seconds);

/* The data-parallel collectives of the pipeline rank that finishes its
 * gradient reduction last (it sets the end of the step) and, in fp8, its
 * amax all-reduce: the algorithm each runs, the protocol of each phase and,
 * under `auto`, what each candidate was predicted to take. */
typedef struct {
    const char*            key;
    const char*            label;
    const collective_plan* c;
} collective_row;

#define REPORT_COLLECTIVES 7

/* Into ROWS (room for REPORT_COLLECTIVES) the collectives that run, and
 * into STAGE the pipeline rank they are of; returns how many. */
int report_collectives(const run_result* r, int* stage, collective_row* rows);

/* The protocol NCCL's tuner picks for phase K of C at its whole payload:
 * its name, or "sends" for point-to-point sends. */
const char* report_protocol(const collective_plan* c, int k);

/* GPU-hours the failures cost: lost work, recoveries and waits for spares. */
double report_gpu_hours_lost(const run_result* r);

/* 1234567 -> "1.23M"; for counts in reports. */
const char* report_count(double x, char* buf, int size);

/* Run-level durations: days, hours or minutes, as a reader counts them
 * ("34.2 days", "3.5 h"); below a minute, units_format_seconds. */
const char* report_duration(double seconds, char* buf, int size);

/* Facility power in W, kW or MW ("21.57 MW"). */
const char* report_power(double watts, char* buf, int size);

/* Energy in kWh, MWh or GWh ("51.5 GWh"). */
const char* report_energy(double joules, char* buf, int size);

#endif
