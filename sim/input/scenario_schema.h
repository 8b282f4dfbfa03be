/* scenario_schema: the keys of a scenario file (format 1, docs/scenario.md)
 * as tables of key_rule, one per section, with the custom readers of the
 * keys that are not plain values (dp: auto, gpu: name-or-map,
 * checkpoint.interval: auto-or-time-or-steps, the lists). */
#ifndef TRAINSIM_SCENARIO_SCHEMA_H
#define TRAINSIM_SCENARIO_SCHEMA_H

#include "input/key_reader.h"

/* The document's keys, read into a scenario (terminated by a rule without name). */
extern const key_rule scenario_rules[];

#endif
