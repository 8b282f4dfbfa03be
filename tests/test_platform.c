/* test_platform: the topology's routes, that SimGrid loads the generated
 * XML with the same routes, the plan's link counts, and the check of a
 * hand-written platform. */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "plan/link_tally.h"
#include "network/host_names.h"
#include "network/platform_file.h"
#include "network/platform_xml.h"
#include "network/simgrid_start.h"
#include "network/topology.h"

/* The topology of a small dense scenario with CLUSTER as its cluster section. */
static void topology_of_cluster(const char* cluster, const char* parallelism, topology* t)
{
    strbuf text = {0};
    strbuf_printf(&text,
                  "format: 1\nmodel: {layers: 4, hidden: 1024, heads: 16, vocab: 1000, seq_len: 1024}\n"
                  "gpu: a100-sxm4-80gb\ncluster:\n%sparallelism: %s\ntraining: {global_batch: 8, tokens: 1e6}\n",
                  cluster, parallelism);
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    topology_from_scenario(&sc, t);
    scenario_free(&sc);
    strbuf_free(&text);
}

static void islands_topology(topology* t)
{
    topology_of_cluster("  nodes: 8\n  nvlink: {bandwidth: 300GBps, latency: 1us, efficiency: 1}\n"
                        "  nic: {count: 4, bandwidth: 200Gbps, latency: 2us, efficiency: 1}\n"
                        "  fabric: {topology: islands, island_nodes: 2, oversubscription: 2,\n"
                        "           inter_island: {bandwidth: 100Gbps, latency: 6us}}\n",
                        "{tp: 8, pp: 1, dp: 8}", t);
}

static double bottleneck(const route* r)
{
    double b = INFINITY;
    for (int i = 0; i < r->count; i++)
        b = fmin(b, r->link[i].bandwidth);
    return b;
}

START_TEST(topology_from_cluster_section)
{
    topology t;
    islands_topology(&t);
    ck_assert_int_eq(t.nic_links, 4);
    ck_assert_double_eq(t.nic.bandwidth, 25e9);
    ck_assert_double_eq(t.uplink_bandwidth, 4 * 25e9 / 2);   /* oversubscription 2 */
    ck_assert_int_eq(topology_node_of(&t, 17), 2);
    ck_assert_int_eq(topology_island_of(&t, 5), 2);
}
END_TEST

START_TEST(route_inside_a_node_uses_nvlink)
{
    topology t;
    islands_topology(&t);
    route r;
    topology_route(&t, 3, 5, &r);
    ck_assert_int_eq(r.count, 2);
    ck_assert_int_eq(r.link[0].cls, LINK_NVLINK);
    ck_assert_int_eq(r.link[0].id, 3);
    ck_assert_int_eq(r.link[0].up, 1);
    ck_assert_int_eq(r.link[1].id, 5);
    ck_assert_int_eq(r.link[1].up, 0);
    ck_assert_double_eq_tol(route_latency(&r), 1e-6, 1e-18);
    ck_assert_double_eq(bottleneck(&r), 300e9);
}
END_TEST

START_TEST(route_between_nodes_and_islands)
{
    topology t;
    islands_topology(&t);
    route same_island, other_island;
    topology_route(&t, 0, 8, &same_island);     /* node 0 -> node 1, island 0 */
    ck_assert_int_eq(same_island.count, 4);
    ck_assert_double_eq_tol(route_latency(&same_island), 2e-6, 1e-18);
    ck_assert_double_eq(bottleneck(&same_island), 25e9);
    topology_route(&t, 0, 16, &other_island);   /* node 0 -> node 2, island 1 */
    ck_assert_int_eq(other_island.count, 6);
    ck_assert_int_eq(other_island.link[2].cls, LINK_ISLAND);
    ck_assert_double_eq_tol(route_latency(&other_island), 8e-6, 1e-18);
    ck_assert_double_eq(bottleneck(&other_island), 12.5e9);
}
END_TEST

START_TEST(gpus_share_nics_when_fewer_nics_than_gpus)
{
    topology t;
    islands_topology(&t);
    route a, b, c;
    topology_route(&t, 0, 8, &a);
    topology_route(&t, 1, 9, &b);
    topology_route(&t, 2, 10, &c);
    ck_assert_uint_eq(a.link[0].key, b.link[0].key);   /* GPUs 0 and 1 on NIC 0 */
    ck_assert_uint_ne(a.link[0].key, c.link[0].key);   /* GPU 2 on NIC 1 */
    ck_assert_uint_ne(a.link[0].key, a.link[3].key);   /* directions differ */
}
END_TEST

/* Four nodes of 8 GPUs, 8 NICs on 8 rails, spine oversubscribed 4:1. */
static void rails_topology(topology* t)
{
    topology_of_cluster("  nodes: 4\n  nic: {count: 8, bandwidth: 200Gbps, latency: 2us, efficiency: 1}\n"
                        "  fabric: {topology: rail-optimized, oversubscription: 4}\n",
                        "{tp: 8, pp: 1, dp: 4}", t);
}

/* GPU 3 of node 0 to GPU 3 of node 2 stays on rail 3; to GPU 4 it crosses
 * the spine through both nodes' oversubscribed uplinks. */
START_TEST(rails_keep_same_rail_traffic_off_the_spine)
{
    topology t;
    rails_topology(&t);
    ck_assert(t.rail_optimized);
    route same, cross;
    topology_route(&t, 3, 19, &same);
    ck_assert_int_eq(same.count, 2);
    ck_assert_int_eq(same.link[0].cls, LINK_NIC);
    ck_assert_int_eq(same.link[1].cls, LINK_NIC);
    ck_assert_double_eq(bottleneck(&same), 25e9);
    topology_route(&t, 3, 20, &cross);
    ck_assert_int_eq(cross.count, 4);
    ck_assert_int_eq(cross.link[1].cls, LINK_UPLINK);
    ck_assert_double_eq(cross.link[1].bandwidth, 8 * 25e9 / 4);
}
END_TEST

START_TEST(xml_has_hosts_links_and_pinned_model)
{
    topology t;
    islands_topology(&t);
    int gpus[] = {0, 1, 24, 31};
    strbuf xml = {0};
    platform_xml(&t, gpus, 4, NULL, 0, &xml);
    const char* x = strbuf_text(&xml);
    ck_assert_ptr_nonnull(strstr(x, "<prop id=\"network/model\" value=\"CM02\"/>"));
    ck_assert_ptr_nonnull(strstr(x, "<prop id=\"network/crosstraffic\" value=\"0\"/>"));
    ck_assert_ptr_nonnull(strstr(x, "<host id=\"gpu-31\" speed=\"312000000000000f\"/>"));
    ck_assert_ptr_null(strstr(x, "gpu-8\""));   /* node 1 is not generated */
    ck_assert_ptr_null(strstr(x, "gpu-2\""));   /* nor GPUs no flow uses */
    ck_assert_ptr_nonnull(strstr(x, "<link id=\"nic-15\""));   /* 4 NICs per node: GPU 31 uses 3 * 4 + 3 */
    ck_assert_ptr_null(strstr(x, "<link id=\"nic-14\""));
    ck_assert_ptr_nonnull(strstr(x, "<link id=\"xi-3\" bandwidth=\"12500000000Bps\" latency=\"3e-06s\""));
    ck_assert_ptr_nonnull(strstr(x, "<zoneRoute src=\"node-3\" dst=\"node-0\""));
    strbuf_free(&xml);
}
END_TEST

static topology checked;

/* GPU to storage and back, as the topology says. */
static void check_storage_routes(int gpu)
{
    char name[32];
    platform_host_name(gpu, name, sizeof name);
    sg_host_t host = sg_host_by_name(name), storage = sg_host_by_name(PLATFORM_STORAGE_HOST);
    for (int write = 0; write < 2; write++) {
        route r;
        topology_storage_route(&checked, gpu, write, &r);
        sg_host_t from = write ? host : storage, to = write ? storage : host;
        ck_assert_double_eq_tol(sg_host_get_route_latency(from, to), route_latency(&r), 1e-15);
        ck_assert_double_eq_tol(sg_host_get_route_bandwidth(from, to), bottleneck(&r), 1.0);
    }
}

/* SimGrid's route between each of PAIRS against the topology's, and the
 * storage routes of GPU STORAGE_GPU. */
static void check_pair_routes(const flow* pairs, int n, int storage_gpu)
{
    check_storage_routes(storage_gpu);
    for (int i = 0; i < n; i++) {
        char a[32], b[32];
        platform_host_name(pairs[i].src, a, sizeof a);
        platform_host_name(pairs[i].dst, b, sizeof b);
        route r;
        topology_route(&checked, pairs[i].src, pairs[i].dst, &r);
        double latency = sg_host_get_route_latency(sg_host_by_name(a), sg_host_by_name(b));
        double bandwidth = sg_host_get_route_bandwidth(sg_host_by_name(a), sg_host_by_name(b));
        ck_assert_double_eq_tol(latency, route_latency(&r), 1e-15);
        ck_assert_double_eq_tol(bandwidth, bottleneck(&r), 1.0);
    }
}

static void check_routes_actor(int argc, char* argv[])
{
    (void)argc, (void)argv;
    const flow pairs[] = {{0, 5}, {0, 24}, {24, 1}, {6, 30}};
    check_pair_routes(pairs, 4, 24);
}

START_TEST(simgrid_loads_the_same_routes)
{
    islands_topology(&checked);
    int gpus[] = {0, 1, 5, 6, 24, 30};
    strbuf xml = {0};
    platform_xml(&checked, gpus, 6, NULL, 0, &xml);
    ck_assert_int_eq(platform_load(strbuf_text(&xml)), 0);
    strbuf_free(&xml);
    ck_assert_int_eq((int)sg_host_count(), 6 + 1);   /* and the storage host */
    sg_actor_create("check", sg_host_by_name("gpu-0"), check_routes_actor, 0, NULL);
    simgrid_run();
}
END_TEST

/* A rail-optimized platform is one zone with a route per pair asked for. */
static const flow rail_pairs[] = {{3, 4}, {3, 19}, {3, 20}, {20, 3}};

static void check_rail_routes_actor(int argc, char* argv[])
{
    (void)argc, (void)argv;
    check_pair_routes(rail_pairs, 4, 20);
}

START_TEST(simgrid_loads_per_pair_rail_routes)
{
    rails_topology(&checked);
    int gpus[] = {3, 4, 19, 20};
    strbuf xml = {0};
    platform_xml(&checked, gpus, 4, rail_pairs, 4, &xml);
    ck_assert_ptr_null(strstr(strbuf_text(&xml), "zoneRoute"));
    ck_assert_int_eq(platform_load(strbuf_text(&xml)), 0);
    strbuf_free(&xml);
    ck_assert_int_eq((int)sg_host_count(), 4 + 1);   /* and the storage host */
    sg_actor_create("check", sg_host_by_name("gpu-3"), check_rail_routes_actor, 0, NULL);
    simgrid_run();
}
END_TEST

/* Two nodes write a checkpoint shard each at once: the storage system's
 * aggregate write bandwidth (10 GB/s, below each NIC's 25 GB/s) is shared. */
static double write_done[2];

static void shard_writer(int argc, char* argv[])
{
    (void)argc;
    int i = argv[0][0] - '0';
    sg_mailbox_t box = sg_mailbox_by_name(i ? "ckpt-1" : "ckpt-0");
    sg_mailbox_put(box, &write_done[i], 4000000000);
    write_done[i] = simgrid_get_clock();
}

static void shard_receiver(int argc, char* argv[])
{
    (void)argc;
    sg_mailbox_get(sg_mailbox_by_name(argv[0]));
}

START_TEST(storage_shares_its_aggregate_bandwidth)
{
    islands_topology(&checked);
    checked.storage_write = 10e9;
    int gpus[] = {0, 8};   /* nodes 0 and 1, one island */
    strbuf xml = {0};
    platform_xml(&checked, gpus, 2, NULL, 0, &xml);
    ck_assert_int_eq(platform_load(strbuf_text(&xml)), 0);
    strbuf_free(&xml);
    char* zero[] = {"0"};
    char* one[] = {"1"};
    char* box0[] = {"ckpt-0"};
    char* box1[] = {"ckpt-1"};
    sg_actor_create("writer-0", sg_host_by_name("gpu-0"), shard_writer, 1, zero);
    sg_actor_create("writer-1", sg_host_by_name("gpu-8"), shard_writer, 1, one);
    sg_actor_create("store-0", sg_host_by_name(PLATFORM_STORAGE_HOST), shard_receiver, 1, box0);
    sg_actor_create("store-1", sg_host_by_name(PLATFORM_STORAGE_HOST), shard_receiver, 1, box1);
    simgrid_run();
    /* 4 GB each at half of 10 GB/s, plus the route's latency (half the
     * NIC-to-NIC latency: the storage end adds none). */
    route r;
    topology_storage_route(&checked, 0, 1, &r);
    ck_assert_double_eq_tol(route_latency(&r), 1e-6, 1e-15);
    for (int i = 0; i < 2; i++)
        ck_assert_double_eq_tol(write_done[i], 4e9 / 5e9 + 1e-6, 1e-9);
}
END_TEST

/* The plan's shared-link counts: every key counted as often as added, key 0
 * included, through several growths of the table; sums kept per key. */
START_TEST(link_tally_counts_every_key_through_growth)
{
    link_tally t;
    link_tally_init_sums(&t, 1);
    for (uint64_t key = 0; key < 5000; key++)
        for (uint64_t k = 0; k <= key % 3; k++)
            link_tally_sums_of(link_tally_add(&t, key << 4))->sum += 0.5;
    ck_assert_uint_eq(t.used, 5000);
    for (uint64_t key = 0; key < 5000; key++) {
        ck_assert_int_eq(link_tally_count(&t, key << 4), (int)(key % 3) + 1);
        ck_assert_int_eq(link_tally_count(&t, (key << 4) | 1), 0);
    }
    ck_assert_double_eq(link_tally_sums_of(link_tally_add(&t, 7 << 4))->sum, 1.0);   /* 7 % 3 + 1 = 2 adds of 0.5 */
    link_tally_free(&t);
}
END_TEST

/* A handler for SIGABRT that the check's process must not run: it marks a
 * file (async-signal-safe calls only). */
static char abort_mark[128];

static void mark_abort(int sig)
{
    (void)sig;
    int fd = open(abort_mark, O_WRONLY | O_CREAT, 0600);
    if (fd >= 0)
        close(fd);
    _exit(70);
}

/* Fuzzing found that the check's child process, which SimGrid aborts on a
 * bad file, died through its caller's SIGABRT handler (libFuzzer's, which
 * took it for its own crash). The child now dies of the default action: a
 * broken file is still a reason, and the caller's handler never runs. */
START_TEST(platform_check_aborts_without_the_callers_handlers)
{
    temp_path(abort_mark, sizeof abort_mark, ".aborted");
    char xml[128];
    temp_path(xml, sizeof xml, ".xml");
    FILE* f = fopen(xml, "w");
    ck_assert_ptr_nonnull(f);
    fputs("<?xml version='1.0'?>\n<platform version=\"4.1\"><zone id=\"z\" routing=\"Full\">"
          "<host id=\"gpu-0\" speed=\"1f\"/><host id=\"gpu-1\" speed=\"1f\"/></zone></platform>\n", f);
    fclose(f);
    signal(SIGABRT, mark_abort);
    strbuf why = {0};
    ck_assert_int_eq(platform_file_check(xml, 2, &why), -1);   /* SimGrid refuses it, and aborts */
    signal(SIGABRT, SIG_DFL);
    ck_assert_msg(why.len > 0, "no reason given");
    ck_assert_msg(access(abort_mark, F_OK) != 0, "the caller's SIGABRT handler ran in the check's process (%s)",
                  strbuf_text(&why));
    strbuf_free(&why);
    unlink(xml);
}
END_TEST

Suite* platform_suite(void)
{
    Suite* s = suite_create("platform");
    TCase* tc = tcase_create("routes");
    tcase_add_test(tc, topology_from_cluster_section);
    tcase_add_test(tc, route_inside_a_node_uses_nvlink);
    tcase_add_test(tc, route_between_nodes_and_islands);
    tcase_add_test(tc, gpus_share_nics_when_fewer_nics_than_gpus);
    tcase_add_test(tc, xml_has_hosts_links_and_pinned_model);
    tcase_add_test(tc, simgrid_loads_the_same_routes);
    tcase_add_test(tc, rails_keep_same_rail_traffic_off_the_spine);
    tcase_add_test(tc, simgrid_loads_per_pair_rail_routes);
    tcase_add_test(tc, storage_shares_its_aggregate_bandwidth);
    tcase_add_test(tc, link_tally_counts_every_key_through_growth);
    tcase_add_test(tc, platform_check_aborts_without_the_callers_handlers);
    suite_add_tcase(s, tc);
    return s;
}
