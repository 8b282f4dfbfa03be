/* platform_file: a hand-written SimGrid platform (cluster.platform) in place
 * of the generated one.
 *
 * SimGrid 3.32 aborts the process on a malformed file or a missing route, so
 * a file is first loaded in a child process (platform_file_check): a broken
 * one becomes an input error, never an abort. The check also refuses what
 * SimGrid loads but cannot simulate: a link's bandwidth that is not
 * positive and finite, its latency negative or not finite, a host's speed
 * not positive and finite. The file must hold hosts named
 * gpu-0 ... gpu-<N-1> for the N GPUs the scenario uses, with a route between
 * every two of them. The plan then reads each route's links from SimGrid
 * (platform_file_route, from inside an actor: routes exist only once the
 * platform is sealed), so the plan and the simulation see the same links. */
#ifndef TRAINSIM_PLATFORM_FILE_H
#define TRAINSIM_PLATFORM_FILE_H

#include "core/diag.h"
#include "core/strbuf.h"
#include "input/scenario.h"
#include "network/route.h"

/* Loads PATH in a child process and checks hosts gpu-0 ... gpu-<GPUS-1> and
 * the routes between them. Returns 0, or -1 with the reason in WHY. */
int platform_file_check(const char* path, int gpus, strbuf* why);

/* SC's cluster.platform, if any: resolved against the scenario's directory
 * (SC then holds the resolved path) and checked as above. Returns 0, or -1
 * with the reason in D, at the key. */
int platform_file_check_scenario(scenario* sc, diag* d);

/* The links from GPU A to GPU B in the loaded file (from an actor). */
void platform_file_route(int a, int b, route* out);

/* Forgets the routes read so far. */
void platform_file_forget(void);

#endif
