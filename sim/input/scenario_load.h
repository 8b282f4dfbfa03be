/* scenario_load: reads a scenario file (format 1) into a scenario, validated.
 *
 * The YAML is read strictly against the schema of docs/scenario.md (the
 * tables of scenario_schema.c, walked by key_reader.c), then the checks of
 * scenario_check.c test what no single key can show. */
#ifndef TRAINSIM_SCENARIO_LOAD_H
#define TRAINSIM_SCENARIO_LOAD_H

#include "core/diag.h"
#include "input/scenario.h"

/* A YAML tree (yaml_tree.h), declared only: the callers that build one
 * include yaml_tree.h themselves, the others need not see it. */
struct yt_node;

/* Reads and validates a scenario. Returns 0, or -1 with the first problem in
 * D (scenario left in a state that scenario_free accepts). */
int  scenario_load_file(const char* path, scenario* sc, diag* d);
int  scenario_load_text(const char* name, const char* text, scenario* sc, diag* d);
/* ROOT read from NAME, possibly with nodes from other files (yt_node.file). */
int  scenario_load_tree(const char* name, const struct yt_node* root, scenario* sc, diag* d);

#endif
