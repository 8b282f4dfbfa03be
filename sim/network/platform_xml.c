/* platform_xml: the generated SimGrid platform (see platform_xml.h). */
#include "network/platform_xml.h"

#include <stdio.h>
#include <stdlib.h>

#include "network/host_names.h"

/* A link's name in the file: its class's prefix and its id ("nic-12"). */
static void link_name(const route_link* l, char* buf, size_t size)
{
    static const char* const prefix[LINK_COUNT] = {"nvl", "nic", "up", "xi", "sto"};
    snprintf(buf, size, "%s-%d", prefix[l->cls], l->id);
}

static void write_link(strbuf* x, const char* indent, const char* name, double bandwidth, double latency)
{
    strbuf_printf(x, "%s<link id=\"%s\" bandwidth=\"%.15gBps\" latency=\"%.15gs\" sharing_policy=\"SPLITDUPLEX\"/>\n",
                  indent, name, bandwidth, latency);
}

static void write_links_of_route(strbuf* x, const route* r, int from, int to)
{
    for (int i = from; i < to; i++) {
        char name[48];
        link_name(&r->link[i], name, sizeof name);
        strbuf_printf(x, "<link_ctn id=\"%s\" direction=\"%s\"/>", name, r->link[i].up ? "UP" : "DOWN");
    }
}

static void write_route(strbuf* x, const char* src, const char* dst, const route* r, int from, int to)
{
    strbuf_printf(x, "      <route src=\"%s\" dst=\"%s\" symmetrical=\"NO\">", src, dst);
    write_links_of_route(x, r, from, to);
    strbuf_append(x, "</route>\n");
}

/* One node with GPUS[0..N) of its GPUs: their hosts, NVLink links and NIC
 * links, and the routes between them and to the node's gateway. */
static void write_node(const topology* t, int node, const int* gpus, int n, strbuf* x)
{
    char name[48], other[48], gateway[48];
    snprintf(gateway, sizeof gateway, "node-%d-gw", node);
    strbuf_printf(x, "    <zone id=\"node-%d\" routing=\"Full\">\n", node);
    for (int i = 0; i < n; i++) {
        platform_host_name(gpus[i], name, sizeof name);
        strbuf_printf(x, "      <host id=\"%s\" speed=\"%.15gf\"/>\n", name, t->gpu_speed);
    }
    strbuf_printf(x, "      <router id=\"%s\"/>\n", gateway);
    for (int i = 0; i < n && n > 1; i++) {
        snprintf(name, sizeof name, "nvl-%d", gpus[i]);
        write_link(x, "      ", name, t->nvlink.bandwidth, t->nvlink.latency / 2);
    }
    int last_nic = -1;   /* GPUs are sorted, so are their NICs */
    for (int i = 0; i < n; i++) {
        int nic = topology_nic_of(t, gpus[i]);
        if (nic == last_nic)
            continue;
        last_nic = nic;
        snprintf(name, sizeof name, "nic-%d", nic);
        write_link(x, "      ", name, t->nic.bandwidth, t->nic.latency / 2);
    }
    route r;
    for (int a = 0; a < n; a++) {
        platform_host_name(gpus[a], name, sizeof name);
        for (int b = 0; b < n; b++) {
            if (a == b)
                continue;
            platform_host_name(gpus[b], other, sizeof other);
            topology_route(t, gpus[a], gpus[b], &r);
            write_route(x, name, other, &r, 0, r.count);
        }
        topology_node_exit(t, gpus[a], 1, &r);
        write_route(x, name, gateway, &r, 0, 1);
        topology_node_exit(t, gpus[a], 0, &r);
        write_route(x, gateway, name, &r, 0, 1);
    }
    strbuf_append(x, "    </zone>\n");
}

static void write_fabric_links(const topology* t, const int* nodes, int count, strbuf* x)
{
    int islands = 0;
    for (int i = 0; i < count; i++)
        islands |= topology_island_of(t, nodes[i]) != topology_island_of(t, nodes[0]);
    for (int i = 0; i < count; i++) {
        char name[48];
        snprintf(name, sizeof name, "up-%d", nodes[i]);
        write_link(x, "    ", name, t->uplink_bandwidth, 0);
        if (islands) {
            snprintf(name, sizeof name, "xi-%d", nodes[i]);
            write_link(x, "    ", name, t->inter_island.bandwidth, t->inter_island.latency / 2);
        }
    }
}

static void write_zone_route(const topology* t, int a, int b, strbuf* x)
{
    route r;
    topology_fabric_route(t, a, b, &r);
    strbuf_printf(x, "    <zoneRoute src=\"node-%d\" dst=\"node-%d\" gw_src=\"node-%d-gw\" "
                     "gw_dst=\"node-%d-gw\" symmetrical=\"NO\">",
                  a, b, a, b);
    write_links_of_route(x, &r, 0, r.count);
    strbuf_append(x, "</zoneRoute>\n");
}

/* Routes between the node zones: for each pair of nodes that PAIRS send
 * between, or between every two of NODES when PAIRS is NULL. */
static void write_zone_routes(const topology* t, const int* nodes, int count, const flow* pairs,
                              int pair_count, strbuf* x)
{
    if (!pairs) {
        for (int i = 0; i < count; i++)
            for (int j = 0; j < count; j++)
                if (i != j)
                    write_zone_route(t, nodes[i], nodes[j], x);
        return;
    }
    flow* links = xmalloc(((size_t)pair_count + 1) * sizeof *links);
    int n = 0;
    for (int i = 0; i < pair_count; i++) {
        int a = topology_node_of(t, pairs[i].src), b = topology_node_of(t, pairs[i].dst);
        if (a != b)
            links[n++] = (flow){a, b};
    }
    qsort(links, (size_t)n, sizeof *links, flow_compare);
    for (int i = 0; i < n; i++)
        if (i == 0 || flow_compare(&links[i], &links[i - 1]))
            write_zone_route(t, links[i].src, links[i].dst, x);
    free(links);
}

/* ---- one zone, a route per pair (rail-optimized) -------------------------- */

static int compare_link(const void* a, const void* b)
{
    const route_link* x = a;
    const route_link* y = b;
    uint64_t kx = x->key >> 1, ky = y->key >> 1;   /* both directions are one link */
    return (kx > ky) - (kx < ky);
}

/* A route of the flat platform, between two named hosts. */
typedef struct {
    char  src[32], dst[32];
    route r;
} named_route;

/* Every link of ROUTES, once. */
static void write_route_links(const named_route* routes, int n, strbuf* x)
{
    route_link* links = xmalloc(((size_t)n * ROUTE_MAX_LINKS + 1) * sizeof *links);
    int count = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < routes[i].r.count; k++)
            links[count++] = routes[i].r.link[k];
    qsort(links, (size_t)count, sizeof *links, compare_link);
    for (int i = 0; i < count; i++) {
        if (i > 0 && compare_link(&links[i], &links[i - 1]) == 0)
            continue;
        char name[48];
        link_name(&links[i], name, sizeof name);
        write_link(x, "    ", name, links[i].bandwidth, links[i].latency);
    }
    free(links);
}

/* The hosts, the routes of PAIRS and each GPU's routes to and from storage. */
static void write_flat(const topology* t, const int* gpus, int count, const flow* pairs, int pair_count,
                       strbuf* x)
{
    named_route* routes = xmalloc(((size_t)pair_count + 2 * (size_t)count + 1) * sizeof *routes);
    int n = 0;
    for (int i = 0; i < pair_count; i++, n++) {
        platform_host_name(pairs[i].src, routes[n].src, sizeof routes[n].src);
        platform_host_name(pairs[i].dst, routes[n].dst, sizeof routes[n].dst);
        topology_route(t, pairs[i].src, pairs[i].dst, &routes[n].r);
    }
    for (int i = 0; i < count; i++) {
        for (int write = 1; write >= 0; write--, n++) {
            char gpu[32];
            platform_host_name(gpus[i], gpu, sizeof gpu);
            snprintf(routes[n].src, sizeof routes[n].src, "%s", write ? gpu : PLATFORM_STORAGE_HOST);
            snprintf(routes[n].dst, sizeof routes[n].dst, "%s", write ? PLATFORM_STORAGE_HOST : gpu);
            topology_storage_route(t, gpus[i], write, &routes[n].r);
        }
    }
    for (int i = 0; i < count; i++) {
        char name[32];
        platform_host_name(gpus[i], name, sizeof name);
        strbuf_printf(x, "    <host id=\"%s\" speed=\"%.15gf\"/>\n", name, t->gpu_speed);
    }
    strbuf_printf(x, "    <host id=\"%s\" speed=\"1f\"/>\n", PLATFORM_STORAGE_HOST);
    write_route_links(routes, n, x);
    for (int i = 0; i < n; i++)
        write_route(x, routes[i].src, routes[i].dst, &routes[i].r, 0, routes[i].r.count);
    free(routes);
}

/* ---- storage in the zoned platform ------------------------------------------ */

static void write_storage_zone(strbuf* x)
{
    strbuf_printf(x, "    <zone id=\"storage-zone\" routing=\"Full\">\n"
                     "      <host id=\"%s\" speed=\"1f\"/>\n"
                     "    </zone>\n", PLATFORM_STORAGE_HOST);
}

static void write_storage_links(const topology* t, strbuf* x)
{
    route r;
    topology_storage_route(t, 0, 1, &r);
    write_link(x, "    ", "sto-0", r.link[r.count - 1].bandwidth, 0);
    topology_storage_route(t, 0, 0, &r);
    write_link(x, "    ", "sto-1", r.link[0].bandwidth, 0);
}

/* Node to storage and back, beyond the node's gateway: its uplink and the
 * storage link (the NIC is inside the node zone). */
static void write_storage_routes(const topology* t, const int* gpus, int count, strbuf* x)
{
    int last = -1;
    for (int i = 0; i < count; i++) {
        int node = topology_node_of(t, gpus[i]);
        if (node == last)
            continue;
        last = node;
        route r;
        topology_storage_route(t, gpus[i], 1, &r);
        strbuf_printf(x, "    <zoneRoute src=\"node-%d\" dst=\"storage-zone\" gw_src=\"node-%d-gw\" gw_dst=\"%s\" "
                         "symmetrical=\"NO\">", node, node, PLATFORM_STORAGE_HOST);
        write_links_of_route(x, &r, 1, r.count);
        strbuf_append(x, "</zoneRoute>\n");
        topology_storage_route(t, gpus[i], 0, &r);
        strbuf_printf(x, "    <zoneRoute src=\"storage-zone\" dst=\"node-%d\" gw_src=\"%s\" gw_dst=\"node-%d-gw\" "
                         "symmetrical=\"NO\">", node, PLATFORM_STORAGE_HOST, node);
        write_links_of_route(x, &r, 0, r.count - 1);
        strbuf_append(x, "</zoneRoute>\n");
    }
}

/* The model is pinned in the file: CM02 without cross-traffic reproduces the
 * alpha-beta closed forms exactly (docs/model.md, "Platform"), and
 * a huge TCP-gamma removes the window bound gamma / (2 * latency). */
void platform_xml(const topology* t, const int* gpus, int count, const flow* pairs, int pair_count,
                  strbuf* x)
{
    strbuf_append(x, "<?xml version='1.0'?>\n"
                     "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
                     "<!-- generated by trainsim: only the GPUs the iteration simulation uses -->\n"
                     "<platform version=\"4.1\">\n"
                     "  <config>\n"
                     "    <prop id=\"network/model\" value=\"CM02\"/>\n"
                     "    <prop id=\"network/crosstraffic\" value=\"0\"/>\n"
                     "    <prop id=\"network/TCP-gamma\" value=\"1e20\"/>\n"
                     "  </config>\n"
                     "  <zone id=\"world\" routing=\"Full\">\n");
    if (t->rail_optimized) {
        write_flat(t, gpus, count, pairs, pair_count, x);
        strbuf_append(x, "  </zone>\n</platform>\n");
        return;
    }
    int* nodes = xmalloc(((size_t)count + 1) * sizeof *nodes);
    int node_count = 0;
    for (int i = 0; i < count;) {   /* GPUS is sorted: one run per node */
        int node = topology_node_of(t, gpus[i]), j = i;
        while (j < count && topology_node_of(t, gpus[j]) == node)
            j++;
        write_node(t, node, gpus + i, j - i, x);
        nodes[node_count++] = node;
        i = j;
    }
    write_storage_zone(x);
    write_fabric_links(t, nodes, node_count, x);
    write_storage_links(t, x);
    write_zone_routes(t, nodes, node_count, pairs, pair_count, x);
    write_storage_routes(t, gpus, count, x);
    free(nodes);
    strbuf_append(x, "  </zone>\n</platform>\n");
}
