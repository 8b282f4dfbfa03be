/* topology: the topology model and its routes (see topology.h). */
#include "network/topology.h"

#include <string.h>

#include "network/platform_file.h"

void topology_from_scenario(const scenario* sc, topology* t)
{
    const cluster_spec* c = &sc->cluster;
    memset(t, 0, sizeof *t);
    t->nodes = c->nodes;
    t->gpus_per_node = c->gpus_per_node;
    t->gpu_speed = sc->gpu.peak_flops[sc->train.precision];
    /* Links carry what collectives achieve: the line rate times its efficiency. */
    double nic = c->nic.bandwidth * c->nic.efficiency;
    t->nvlink = c->nvlink;
    t->nvlink.bandwidth = c->nvlink.bandwidth * c->nvlink.efficiency;
    /* More NICs than GPUs: each GPU drives nic_count/gpus NICs as one link. */
    if (c->nic_count >= c->gpus_per_node) {
        t->nic_links = c->gpus_per_node;
        t->nic.bandwidth = nic * c->nic_count / c->gpus_per_node;
    } else {
        t->nic_links = c->nic_count;
        t->nic.bandwidth = nic;
    }
    t->nic.latency = c->nic.latency;
    t->uplink_bandwidth = c->nic_count * nic / c->oversubscription;
    t->island_nodes = c->island_nodes;
    t->inter_island = c->inter_island;
    t->inter_island.bandwidth = c->inter_island.bandwidth * c->inter_island.efficiency;
    t->storage_write = c->storage_write;
    t->storage_read = c->storage_read;
    t->storage_share = 1;
    t->rail_optimized = c->topology == TOPO_RAIL_OPTIMIZED;
    t->user_platform = c->platform[0] != '\0';
}

int topology_node_of(const topology* t, int gpu)
{
    return gpu / t->gpus_per_node;
}

int topology_island_of(const topology* t, int node)
{
    return t->island_nodes ? node / t->island_nodes : 0;
}

int topology_nic_of(const topology* t, int gpu)
{
    int local = gpu % t->gpus_per_node;
    return topology_node_of(t, gpu) * t->nic_links + local * t->nic_links / t->gpus_per_node;
}

static void add_link(route* r, link_class cls, int id, int up, double bandwidth, double latency)
{
    route_link* l = &r->link[r->count++];
    l->cls = cls;
    l->id = id;
    l->up = up;
    l->shared = 1;
    l->key = ((uint64_t)id << 4) | ((uint64_t)cls << 1) | (uint64_t)up;
    l->bandwidth = bandwidth;
    l->latency = latency;
}

/* GPU to its node's gateway, and back: the NIC the GPU uses. */
static void add_node_exit(const topology* t, route* r, int gpu, int up)
{
    add_link(r, LINK_NIC, topology_nic_of(t, gpu), up, t->nic.bandwidth, t->nic.latency / 2);
}

/* Node gateway to node gateway through the fabric. */
static void add_fabric(const topology* t, route* r, int node_a, int node_b)
{
    int cross = topology_island_of(t, node_a) != topology_island_of(t, node_b);
    add_link(r, LINK_UPLINK, node_a, 1, t->uplink_bandwidth, 0);
    if (cross) {
        add_link(r, LINK_ISLAND, node_a, 1, t->inter_island.bandwidth, t->inter_island.latency / 2);
        add_link(r, LINK_ISLAND, node_b, 0, t->inter_island.bandwidth, t->inter_island.latency / 2);
    }
    add_link(r, LINK_UPLINK, node_b, 0, t->uplink_bandwidth, 0);
}

/* Rail switch k joins NIC k of every node of an island (NVIDIA DGX
 * SuperPOD reference architecture): traffic between two GPUs on one rail
 * never reaches the oversubscribed spine. */
static int on_one_rail(const topology* t, int a, int b)
{
    int node_a = topology_node_of(t, a), node_b = topology_node_of(t, b);
    return t->rail_optimized && topology_nic_of(t, a) % t->nic_links == topology_nic_of(t, b) % t->nic_links
        && topology_island_of(t, node_a) == topology_island_of(t, node_b);
}

void topology_route(const topology* t, int a, int b, route* out)
{
    if (t->user_platform) {
        platform_file_route(a, b, out);
        return;
    }
    out->count = 0;
    int node_a = topology_node_of(t, a), node_b = topology_node_of(t, b);
    if (node_a == node_b) {
        add_link(out, LINK_NVLINK, a, 1, t->nvlink.bandwidth, t->nvlink.latency / 2);
        add_link(out, LINK_NVLINK, b, 0, t->nvlink.bandwidth, t->nvlink.latency / 2);
        return;
    }
    add_node_exit(t, out, a, 1);
    if (!on_one_rail(t, a, b))
        add_fabric(t, out, node_a, node_b);
    add_node_exit(t, out, b, 0);
}

void topology_node_exit(const topology* t, int gpu, int up, route* out)
{
    out->count = 0;
    add_node_exit(t, out, gpu, up);
}

void topology_fabric_route(const topology* t, int node_a, int node_b, route* out)
{
    out->count = 0;
    add_fabric(t, out, node_a, node_b);
}

/* Storage link 0 carries writes, link 1 reads; neither adds latency. */
static void add_storage(const topology* t, route* r, int write)
{
    double share = t->storage_share > 0 ? t->storage_share : 1;
    add_link(r, LINK_STORAGE, write ? 0 : 1, write, share * (write ? t->storage_write : t->storage_read), 0);
}

void topology_storage_route(const topology* t, int gpu, int write, route* out)
{
    int node = topology_node_of(t, gpu);
    out->count = 0;
    if (write) {
        add_node_exit(t, out, gpu, 1);
        add_link(out, LINK_UPLINK, node, 1, t->uplink_bandwidth, 0);
        add_storage(t, out, 1);
    } else {
        add_storage(t, out, 0);
        add_link(out, LINK_UPLINK, node, 0, t->uplink_bandwidth, 0);
        add_node_exit(t, out, gpu, 0);
    }
}
