/* trace: a timeline of the simulation in Chrome's trace-event JSON, which
 * Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * Two processes of tracks. "step": one track per pipeline rank (the
 * representative of its tp x cp x dp GPUs) over one whole step of the final
 * batch, every micro-batch simulated: forward and backward passes, the
 * optimizer step, TP / PP / EP / DP / ZeRO communication, and the gaps as
 * "bubble" (before the rank's pipeline ends) or "idle" (after). "run": the
 * first replication of the whole run: the job's training, checkpoints,
 * detection, waits for spares and restarts on one track, asynchronous
 * checkpoint writes and work lost to failures on their own, failures as
 * instants. Counters in "step": the cluster's power and each rank's
 * memory per GPU over the step; communication slices carry the numbers of
 * the collective or transfer they waited for (trace_numbers.h). Times are
 * microseconds from the start of each; events are sorted by time; every
 * track is named (docs/output.md, "Trace"). */
#ifndef TRAINSIM_TRACE_H
#define TRAINSIM_TRACE_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

/* The trace of R (simulated with run_options.timeline) as JSON. */
void trace_json(const scenario* sc, const run_result* r, strbuf* out);

/* Writes the trace to PATH, gzip-compressed when it ends in .gz, through a
 * temporary file renamed into place (rowfile_write_whole). Returns 0, or
 * the exit status after a message (EXIT_INPUT, EXIT_SYSTEM). */
int trace_write(const char* path, const scenario* sc, const run_result* r);

#endif
