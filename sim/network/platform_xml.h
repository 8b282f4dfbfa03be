/* platform_xml: the topology written as a SimGrid platform XML file.
 *
 * The routes in the file are the topology's own (topology.h), so that the
 * simulation runs over the links the plan reasoned about. Only the GPUs that
 * the iteration simulation uses are generated ("Two levels of simulation" in docs/design.md): a
 * 25,000-GPU hierarchy takes SimGrid 3.32 tens of seconds to load, a handful
 * of nodes milliseconds. */
#ifndef TRAINSIM_PLATFORM_XML_H
#define TRAINSIM_PLATFORM_XML_H

#include "core/strbuf.h"
#include "network/route.h"
#include "network/topology.h"

/* SimGrid platform XML holding the GPUs GPUS[0..COUNT) (sorted, distinct),
 * with the node zones, NICs and fabric links their routes cross, and routes
 * for PAIRS[0..PAIR_COUNT), the GPU pairs the simulation sends between (every
 * pair of nodes when PAIRS is NULL). A rail-optimized fabric's routes depend
 * on both GPUs' rails, which routes between node zones cannot say: its
 * platform is one zone with a route for each pair (PAIRS is then required). */
void platform_xml(const topology* t, const int* gpus, int count, const flow* pairs, int pair_count,
                  strbuf* out);

#endif
