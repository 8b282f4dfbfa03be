/* actor_budget: the SimGrid actors the memory-map limit allows (see actor_budget.h). */
#include "des/actor_budget.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/diag.h"

#define MAPS_PER_ACTOR        2      /* the stack and its guard page */
#define MAPS_RESERVED         4096   /* libraries, heap, SimGrid's own: about 1,100 measured */
#define DEFAULT_MAX_MAP_COUNT 65530  /* Linux's DEFAULT_MAX_MAP_COUNT */

static long live, peak_allowed, max_maps;
static int  gpu_hosts;

static long max_map_count(void)
{
#ifdef TRAINSIM_TEST_HOOKS   /* only in the tests' build of trainsim (Makefile): a smaller limit */
    const char* limit = getenv("TRAINSIM_MAX_MAP_COUNT");
    if (limit)
        return atol(limit);
#endif
    long n = DEFAULT_MAX_MAP_COUNT;
    FILE* f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &n) != 1)
            n = DEFAULT_MAX_MAP_COUNT;
        fclose(f);
    }
    return n;
}

void actor_budget_reset(int gpus)
{
    live = 0;
    gpu_hosts = gpus;
    max_maps = max_map_count();
    peak_allowed = (max_maps - MAPS_RESERVED) / MAPS_PER_ACTOR;
}

void actor_budget_take(void)
{
    if (++live <= peak_allowed)
        return;
    fprintf(stderr,
            "trainsim: the step simulation needs more than %ld SimGrid actors at once on its %d GPUs (a sender per "
            "concurrent flow), and each takes %d of the process's %ld memory maps (vm.max_map_count); simulate "
            "fewer GPUs in detail (the collapsed simulation, without --detail full) or raise that limit\n",
            peak_allowed, gpu_hosts, MAPS_PER_ACTOR, max_maps);
    exit(EXIT_SYSTEM);
}

void actor_budget_give(void)
{
    live--;
}
