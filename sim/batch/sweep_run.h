/* sweep_run: running a sweep's points in worker processes, and merging the
 * outputs of its shards.
 *
 * SimGrid runs one engine per process, so each point runs in a child
 * process forked for it, at most `jobs` at a time; the parent alone writes
 * the output. Rows are written in point order whatever the number of
 * workers (same sweep, same bytes), each whole and flushed. A point that
 * crashes or is killed becomes a row with status `error`; the sweep goes on.
 * `resume` keeps the rows an earlier, interrupted run left (the complete
 * lines whose hash is the point's) and runs the rest.
 *
 * Points whose values differ only in keys of the run level share their
 * step simulations (run/step_cache.h): the first point of each set of
 * step-shaping values runs first and hands its step profiles back to the
 * parent, and the others of the set, started after it, reuse them. The
 * rows are the same bytes as without sharing. */
#ifndef TRAINSIM_SWEEP_RUN_H
#define TRAINSIM_SWEEP_RUN_H

#include "batch/row.h"
#include "batch/sweep.h"
#include "run/run.h"

typedef struct {
    const char* out;      /* NULL: CSV on stdout */
    int         jobs;     /* worker processes at a time */
    int         shard;    /* run the points p with p % shards == shard - 1 */
    int         shards;
    int         resume;
    int         progress; /* a progress line on stderr */
    int         no_step_cache;   /* every point simulates its own steps */
    double      timeout;  /* seconds a point may run, then its row is an error ("timeout after N s"); 0: no limit */
    /* For a caller that reads the rows back (an uncertainty study): */
    int         discard;  /* no output at all (OUT unused): rows, in JSON lines, only go to ROW */
    void      (*row)(long long point, const char* line, void* arg);   /* each row, kept ones too; NULL: none */
    void*       row_arg;
    const char* name;     /* the progress line's ("trainsim sweep" when NULL) ... */
    const char* unit;     /* ... and what it counts ("points" when NULL) */
    int         summary;  /* at the end, the rows' count by status on stderr */
    long long   reused;   /* out: points that reused another's step simulations */
} sweep_options;

/* Runs SW. Returns the exit status: 0 when every point has its row (whatever
 * its status), 2 when the output cannot be written or read back. */
int sweep_run(const sweep* sw, sweep_options* opt);

/* Point P's row from its simulation: SC simulated into R with run_simulate's
 * STATUS (0, 1 infeasible, -1 the platform could not be loaded), reported as
 * `trainsim run --json` would. */
void sweep_row_of(const sweep* sw, row_format f, long long p, const scenario* sc, int status, const run_result* r,
                  strbuf* line);

#endif
