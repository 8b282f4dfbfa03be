/* platform: the cluster as links and routes, and as SimGrid platform XML.
 *
 * One topology model serves two readers. The plan builder asks it for the
 * route between two GPUs (which links, what bandwidth and latency) to find
 * the slowest hop of a collective and which flows share its links; the XML
 * generator writes the very same routes for SimGrid. Only the GPUs that the
 * iteration simulation uses are generated ("Two levels" in DESIGN.md): a
 * 25,000-GPU hierarchy takes SimGrid 3.32 tens of seconds to load, a handful
 * of nodes milliseconds.
 *
 * Shape (docs/model.md, "Platform"): each GPU is a host with a private
 * NVLink link to its node's NVSwitch (split-duplex, per direction); each node
 * has cluster.nic.count NIC links shared by its GPUs, one uplink port into
 * the fabric carrying NIC bandwidth / oversubscription, and, when the cluster
 * is cut into islands, an inter-island link of cluster.fabric.inter_island
 * bandwidth used by traffic that leaves its island. A storage host, for
 * checkpoints, hangs off the fabric behind two shared links of the cluster's
 * aggregate write and read bandwidth. Latencies are one-way end to end per
 * link class and split evenly between the two ends. */
#ifndef TRAINSIM_PLATFORM_H
#define TRAINSIM_PLATFORM_H

#include <stdint.h>

#include "input/scenario.h"
#include "core/strbuf.h"

typedef struct {
    int src, dst;   /* GPUs */
} flow;

/* Orders flows by source, then destination (for qsort). */
int flow_compare(const void* a, const void* b);

typedef struct {
    int       nodes, gpus_per_node;
    double    gpu_speed;           /* host speed, FLOP/s (the precision's peak) */
    link_spec nvlink;              /* per GPU, per direction */
    int       nic_links;           /* NIC links per node: min(nic.count, gpus_per_node) */
    link_spec nic;                 /* per NIC link */
    double    uplink_bandwidth;    /* per node into the fabric */
    int       island_nodes;        /* 0: one island */
    link_spec inter_island;        /* per node */
    double    storage_write, storage_read;   /* aggregate, into and out of the storage host */
    double    storage_share;       /* of the aggregate the generated GPUs stand for (1: all) */
    int       rail_optimized;      /* NIC k of every node on rail switch k: same-rail traffic skips the spine */
    int       user_platform;       /* routes come from a hand-written platform file */
} topology;

typedef enum { LINK_NVLINK, LINK_NIC, LINK_UPLINK, LINK_ISLAND, LINK_STORAGE } link_class;

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

void topology_from_scenario(const scenario* sc, topology* t);

int topology_node_of(const topology* t, int gpu);
int topology_island_of(const topology* t, int node);

/* The links from GPU A to GPU B (A != B), in order. */
void topology_route(const topology* t, int a, int b, route* out);

/* The links from GPU to the storage host (WRITE) or back: its NIC and its
 * node's uplink into the fabric, and the storage system's aggregate write
 * or read link, which every GPU's checkpoint shard shares. When only some
 * of the job's GPUs are generated, the link carries their share of the
 * aggregate (storage_share), so that each gets what it would among all. */
void topology_storage_route(const topology* t, int gpu, int write, route* out);

/* Host name of the storage system in generated platforms. */
#define PLATFORM_STORAGE_HOST "storage"
double route_latency(const route* r);

/* SimGrid platform XML holding the GPUs GPUS[0..COUNT) (sorted, distinct),
 * with the node zones, NICs and fabric links their routes cross, and routes
 * for PAIRS[0..PAIR_COUNT), the GPU pairs the simulation sends between (every
 * pair of nodes when PAIRS is NULL). A rail-optimized fabric's routes depend
 * on both GPUs' rails, which routes between node zones cannot say: its
 * platform is one zone with a route for each pair (PAIRS is then required). */
void platform_xml(const topology* t, const int* gpus, int count, const flow* pairs, int pair_count,
                  strbuf* out);

/* Host name of a GPU in the generated platform: "gpu-<index>". */
void platform_host_name(int gpu, char* buf, int size);

/* Starts SimGrid (once per process) and loads XML through a temporary file.
 * Returns 0, or -1 with a message on stderr when the file cannot be written. */
int platform_load(const char* xml);

/* Starts SimGrid once per process, quiet but for critical messages. */
void platform_start_simgrid(void);

/* Starts SimGrid and loads the platform file PATH, which must have passed
 * platform_file_check (SimGrid aborts on a bad one). */
void platform_load_file(const char* path);

#endif
