/* topology: the cluster as links, and the route between any two GPUs.
 *
 * One topology model serves two readers. The plan builder asks it for the
 * route between two GPUs (which links, what bandwidth and latency) to find
 * the slowest hop of a collective and which flows share its links; the XML
 * generator (platform_xml.h) writes the very same routes for SimGrid. With
 * a hand-written platform file the routes are the file's, read from SimGrid
 * (platform_file.h).
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
#ifndef TRAINSIM_TOPOLOGY_H
#define TRAINSIM_TOPOLOGY_H

#include "input/scenario.h"
#include "network/route.h"

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

void topology_from_scenario(const scenario* sc, topology* t);

int topology_node_of(const topology* t, int gpu);
int topology_island_of(const topology* t, int node);

/* The NIC link GPU uses, numbered node * nic_links + k. */
int topology_nic_of(const topology* t, int gpu);

/* The links from GPU A to GPU B (A != B), in order: the hand-written
 * platform's when there is one (user_platform), else the generated ones. */
void topology_route(const topology* t, int a, int b, route* out);

/* The link from GPU to its node's gateway (UP) or back (!UP): the NIC the
 * GPU uses, the first and the last hop of a route that leaves the node. */
void topology_node_exit(const topology* t, int gpu, int up, route* out);

/* The links from node A's gateway to node B's through the fabric: the two
 * uplinks and, between islands, the two inter-island links. */
void topology_fabric_route(const topology* t, int node_a, int node_b, route* out);

/* The links from GPU to the storage host (WRITE) or back: its NIC and its
 * node's uplink into the fabric, and the storage system's aggregate write
 * or read link, which every GPU's checkpoint shard shares. When only some
 * of the job's GPUs are generated, the link carries their share of the
 * aggregate (storage_share), so that each gets what it would among all. */
void topology_storage_route(const topology* t, int gpu, int write, route* out);

#endif
