/* platform: topology model, routes and SimGrid platform XML (see platform.h). */
#include "network/platform.h"

#include "network/platform_file.h"

#include <errno.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static int nic_of(const topology* t, int gpu)
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
    add_link(r, LINK_NIC, nic_of(t, gpu), up, t->nic.bandwidth, t->nic.latency / 2);
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
    return t->rail_optimized && nic_of(t, a) % t->nic_links == nic_of(t, b) % t->nic_links
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

double route_latency(const route* r)
{
    double sum = 0;
    for (int i = 0; i < r->count; i++)
        sum += r->link[i].latency;
    return sum;
}

/* ---- XML --------------------------------------------------------------- */

void platform_host_name(int gpu, char* buf, int size)
{
    snprintf(buf, (size_t)size, "gpu-%d", gpu);
}

static void link_name(const route_link* l, char* buf, size_t size)
{
    static const char* prefix[] = {"nvl", "nic", "up", "xi", "sto"};
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
        int nic = nic_of(t, gpus[i]);
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
        r.count = 0;
        add_node_exit(t, &r, gpus[a], 1);
        write_route(x, name, gateway, &r, 0, 1);
        r.count = 0;
        add_node_exit(t, &r, gpus[a], 0);
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
    route r = {0};
    add_fabric(t, &r, a, b);
    strbuf_printf(x, "    <zoneRoute src=\"node-%d\" dst=\"node-%d\" gw_src=\"node-%d-gw\" "
                     "gw_dst=\"node-%d-gw\" symmetrical=\"NO\">",
                  a, b, a, b);
    write_links_of_route(x, &r, 0, r.count);
    strbuf_append(x, "</zoneRoute>\n");
}

int flow_compare(const void* a, const void* b)
{
    const flow* x = a;
    const flow* y = b;
    if (x->src != y->src)
        return (x->src > y->src) - (x->src < y->src);
    return (x->dst > y->dst) - (x->dst < y->dst);
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
 * alpha-beta closed forms exactly (shared/notes/simgrid-3.32.md, Sec. 3.2), and
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

/* ---- loading ----------------------------------------------------------- */

/* Sanitizer builds switch actor contexts with threads: AddressSanitizer
 * cannot follow SimGrid's default hand-written stack switching. */
#ifdef TRAINSIM_SIMGRID_CONTEXTS
#define CONTEXT_OPTION "--cfg=contexts/factory:" TRAINSIM_SIMGRID_CONTEXTS
#endif

void platform_start_simgrid(void)
{
    static int started;
    if (started)
        return;
    started = 1;
    /* SimGrid's own logging stays quiet: trainsim reports for itself. */
    char* argv[] = {"trainsim", "--log=root.thres:critical",
#ifdef CONTEXT_OPTION
                    CONTEXT_OPTION,
#endif
                    NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
    simgrid_init(&argc, argv);
}

int platform_load(const char* xml)
{
    const char* dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/trainsim-platform-XXXXXX", dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "trainsim: cannot create a temporary platform file in %s: %s\n",
                dir && dir[0] ? dir : "/tmp", strerror(errno));
        return -1;
    }
    FILE* f = fdopen(fd, "w");
    int ok = f && fputs(xml, f) >= 0;
    ok = (f && fclose(f) == 0) && ok;
    if (!ok) {
        fprintf(stderr, "trainsim: cannot write the temporary platform file %s\n", path);
        unlink(path);
        return -1;
    }
    platform_load_file(path);
    unlink(path);
    return 0;
}

void platform_load_file(const char* path)
{
    platform_start_simgrid();
    simgrid_load_platform(path);
}
