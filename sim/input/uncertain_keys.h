/* uncertain_keys: the readers of the `uncertain:` and `targets:` sections
 * (docs/scenario.md, "Uncertain inputs").
 *
 *   uncertain:
 *     cluster.fabric.inter_island.bandwidth: {loguniform: [100Gbps, 1600Gbps]}
 *     parallelism.micro_batch: {choice: [1, 2, 4], weights: [2, 1, 1]}
 *     failures.components[0].mtbf: {normal: [100000h, 20000h]}
 *   targets: {run_mfu: [0.32, 0.36], wall_clock_days: [90, 100]}
 *
 * Each key under uncertain: is a dotted path of the scenario format, as in
 * sweeps, looked up in the document's table of rules (loader.document), so
 * its distribution's values are read the way the key reads its own: with
 * its units, as integers where it takes integers, within its range. A key
 * must also lead somewhere in the document's tree (loader.root), the way a
 * sweep puts its values (yt_put_path). A choice of values for a key that is
 * not a number, an enum or a boolean is checked only when each sample is
 * loaded. */
#ifndef TRAINSIM_UNCERTAIN_KEYS_H
#define TRAINSIM_UNCERTAIN_KEYS_H

#include "input/key_reader.h"

/* uncertain: into the uncertainty_spec at FIELD. */
int uncertain_read_inputs(loader* L, const yt_node* v, const char* path, char* field);

/* targets: into the uncertainty_spec at FIELD. */
int uncertain_read_targets(loader* L, const yt_node* v, const char* path, char* field);

#endif
