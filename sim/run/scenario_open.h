/* scenario_open: a scenario as every command takes it: read and validated
 * (input/), then its hand-written platform, if it names one, loaded and
 * checked (network/). The one place that sequence is written: the commands,
 * a sweep's points and the plan search all open scenarios through it. */
#ifndef TRAINSIM_SCENARIO_OPEN_H
#define TRAINSIM_SCENARIO_OPEN_H

#include "core/diag.h"
#include "input/scenario.h"

struct yt_node;   /* input/yaml_tree.h: only the sweeps' callers build trees */

/* Reads PATH into SC and checks its platform. Returns 0, or -1 with the
 * first problem in D (SC is then for scenario_free only). */
int scenario_open(const char* path, scenario* sc, diag* d);

/* The same for ROOT, a tree read from NAME (a sweep's point). */
int scenario_open_tree(const char* name, const struct yt_node* root, scenario* sc, diag* d);

/* scenario_open with the problem printed on stderr, as the commands report
 * it. Returns 0, or EXIT_INPUT (SC already freed). */
int scenario_open_or_say(const char* path, scenario* sc);

#endif
