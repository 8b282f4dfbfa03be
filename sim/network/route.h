/* route: the links a transfer between two GPUs crosses, and the GPU pairs
 * (flows) that send.
 *
 * A route is what the plan builder reads to find the slowest hop of a
 * collective and which flows share its links, whether the routes come from
 * the generated topology (topology.h) or from SimGrid reading a hand-written
 * platform (platform_file.h); the XML writer turns the generated ones into
 * SimGrid routes (platform_xml.h). */
#ifndef TRAINSIM_ROUTE_H
#define TRAINSIM_ROUTE_H

#include <stdint.h>

typedef struct {
    int src, dst;   /* GPUs */
} flow;

/* Orders flows by source, then destination (for qsort). */
int flow_compare(const void* a, const void* b);

/* The kinds of link in a generated platform (docs/model.md, "Platform"). */
typedef enum { LINK_NVLINK, LINK_NIC, LINK_UPLINK, LINK_ISLAND, LINK_STORAGE, LINK_COUNT } link_class;

typedef struct {
    uint64_t key;        /* identifies the link and direction, for counting shared use */
    link_class cls;
    int      id;         /* GPU (nvlink), node * nic_links + k (nic), node (uplink, island) */
    int      up;         /* direction: 1 away from the GPU, 0 towards it */
    int      shared;     /* 0: a fat pipe, every flow gets the full bandwidth */
    double   bandwidth, latency;
} route_link;

#define ROUTE_MAX_LINKS 12

typedef struct {
    int        count;
    route_link link[ROUTE_MAX_LINKS];
} route;

/* The sum of the route's link latencies: its one-way latency end to end. */
double route_latency(const route* r);

#endif
