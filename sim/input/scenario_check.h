/* scenario_check: what the loader shares with the cross-field checks, and
 * nothing else needs: the defaults a scenario starts from before any key is
 * read, the record of where each key was written, and the checks (with the
 * defaults that depend on other keys) once every key is in.
 *
 * Only the loader (scenario_load.c, key_reader.c) calls these; everything
 * else gets a scenario that scenario_load_* has already validated. */
#ifndef TRAINSIM_SCENARIO_CHECK_H
#define TRAINSIM_SCENARIO_CHECK_H

#include "core/diag.h"
#include "input/scenario.h"

/* Clears SC and fills in every default of the format. */
void scenario_set_defaults(scenario* sc);
/* Records that the key PATH was written at LINE:COL of FILE (NULL: the
 * scenario's own file), for scenario_find_mark. */
void scenario_mark(scenario* sc, const char* path, const char* file, int line, int col);
/* Fills the defaults that depend on other keys, then runs the checks that
 * no single key can make. Returns 0, or -1 with the first problem in D. */
int  scenario_validate(scenario* sc, diag* d);

#endif
