/* step_cache: step profiles shared by the runs of a batch (a sweep's points,
 * an uncertainty study's samples) that differ only in keys the step
 * simulation never reads.
 *
 * A run's step simulations (the final batch's step, then each batch ramp
 * phase's: des/iteration.h) see only the plan and the platform, which come
 * from the model, GPU, cluster, parallelism and batch; the run level
 * (failures, checkpoints, cost, power, replications, the seed, how many
 * tokens) only reads their profiles. So the profiles a run simulated serve
 * every later run with the same step-shaping inputs, identified by a key
 * the caller computes from them (step_cache_shapes_step says which keys
 * count). A run reuses an entry only when it would have simulated exactly
 * the same micro-batch counts in the same order; it then starts its run
 * level at the SimGrid clock the entry's run reached after its step
 * simulations, so that every figure, down to the last bit of a double, is
 * what the run would have computed without the cache (tested byte for
 * byte). */
#ifndef TRAINSIM_STEP_CACHE_H
#define TRAINSIM_STEP_CACHE_H

#include <stdint.h>

#include "core/strbuf.h"
#include "des/step_profile.h"
#include "input/scenario.h"

#define STEP_CACHE_MAX_PROFILES (SCENARIO_MAX_RAMP_PHASES + 1)

typedef struct {
    uint64_t     key;
    double       clock;      /* SimGrid's clock when the run's step simulations had ended */
    int          count;      /* profiles: the final batch's, then the ramp phases' in order */
    int          micro_batches[STEP_CACHE_MAX_PROFILES];
    step_profile profile[STEP_CACHE_MAX_PROFILES];
} step_cache_entry;

typedef struct {
    step_cache_entry* entries;
    int               count;
    int               fresh;   /* the entry this process recorded last, or -1 */
    long long         reused;  /* runs that took their profiles from an entry */
} step_cache;

void step_cache_init(step_cache* c);
void step_cache_free(step_cache* c);

/* The entry of KEY, or NULL. */
const step_cache_entry* step_cache_find(const step_cache* c, uint64_t key);

/* Adds ENTRY (taken; its profiles are the cache's now) unless its key is
 * there already, and makes it the fresh one. */
void step_cache_record(step_cache* c, step_cache_entry* entry);

/* Frees the entry of KEY, if any (the runs that needed it have started). */
void step_cache_drop(step_cache* c, uint64_t key);

/* The fresh entry as bytes at the end of OUT (nothing when there is none),
 * and the reverse: an entry read from BYTES (LEN of them) added to C.
 * Returns 0, or -1 for bytes that are not an entry. */
void step_cache_write_fresh(const step_cache* c, strbuf* out);
int  step_cache_read(step_cache* c, const char* bytes, size_t len);

/* Whether a value of the dotted scenario KEY can change a step's profile:
 * every key but those of the run level (failures, checkpoint, cost, power,
 * output, seed, name, description, training.tokens, training.iterations,
 * training.batch_ramp, whose phases have their own micro-batch counts). */
int step_cache_shapes_step(const char* key);

#endif
