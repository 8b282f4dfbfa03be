/* sweep_merge: `trainsim merge`, the shards of one sweep (`sweep --shard
 * K/N`) joined into the rows the unsharded sweep writes (docs/sweep.md,
 * "Shards"). Rows are read back by their format's rules (CSV by RFC 4180's
 * quoting) and checked as rows (batch/row.h) before anything is written. */
#ifndef TRAINSIM_SWEEP_MERGE_H
#define TRAINSIM_SWEEP_MERGE_H

/* Writes to OUT the rows of the COUNT files INPUTS (shards of one sweep, in
 * OUT's format), one per point, in point order. Returns the exit status: 0,
 * or 2 with a message on stderr (unreadable input, different headers, a
 * malformed row, a point with two different hashes). */
int sweep_merge(const char* out, char* const* inputs, int count);

#endif
