/* test_detail: the collapsed simulation (representative ranks and replicas,
 * slowest hops and their sharers) against --detail full (every rank, every
 * flow, every micro-batch) on small scenarios of tests/detail/: the step times
 * agree within 1 %. Each mode runs in its own trainsim process. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Runs FILE with --json (and --detail full when FULL); it must succeed. */
static void run_json(const char* file, int full, command_result* r)
{
    if (full)
        run_trainsim((const char*[]){"run", file, "--json", "--detail", "full", NULL}, r);
    else
        run_trainsim((const char*[]){"run", file, "--json", NULL}, r);
    ck_assert_msg(r->status == 0, "%s: exit %d: %s", file, r->status, strbuf_text(&r->err));
}

static double step_time(const char* file, int full)
{
    command_result r;
    run_json(file, full, &r);
    double t = number_in(strbuf_text(&r.out), "step_time_s");
    command_result_free(&r);
    return t;
}

static const char* const scenarios[] = {
    "tests/detail/fat-tree.yaml",      "tests/detail/oversubscribed.yaml",
    "tests/detail/two-islands.yaml",   "tests/detail/moe-ep.yaml",
    "tests/detail/interleaved.yaml",   "tests/detail/zero3-shared-nics.yaml",
    "tests/detail/many-micro-batches.yaml", "tests/detail/hierarchical.yaml",
    "tests/detail/tree.yaml",          "tests/detail/rail-optimized.yaml",
    "tests/detail/moe-folded.yaml",    "tests/detail/moe-etp.yaml",
    "tests/detail/moe-flex.yaml",      "tests/detail/moe-allgather.yaml",
    "tests/detail/interleaved-overlap.yaml", "tests/detail/fp8-amax.yaml",
};
enum { SCENARIOS = sizeof scenarios / sizeof scenarios[0] };

START_TEST(collapsed_agrees_with_full_detail)
{
    const char* file = scenarios[_i];
    double collapsed = step_time(file, 0), full = step_time(file, 1);
    ck_assert_msg(fabs(collapsed - full) <= 0.01 * full, "%s: collapsed %.9g s, full %.9g s (%+.2f %%)", file,
                  collapsed, full, 100 * (collapsed - full) / full);
}
END_TEST

/* Writes TEXT to a new temporary file; PATH gets its name. */
static void write_temporary(const char* text, char path[64])
{
    snprintf(path, 64, "/tmp/trainsim-test-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE* f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Step time and exposed DP time of the two-island scenario with its islands
 * cut to 2 nodes (every data-parallel ring crosses them) and BANDWIDTH
 * between islands. */
static void islands_at(const char* bandwidth, double* step, double* dp)
{
    strbuf text = {0};
    read_file("tests/detail/two-islands.yaml", &text);
    replace_once(&text, "island_nodes: 4", "island_nodes: 2");
    replace_once(&text, "bandwidth: 100Gbps", bandwidth);
    char path[64];
    write_temporary(strbuf_text(&text), path);
    strbuf_free(&text);
    command_result r;
    run_json(path, 0, &r);
    unlink(path);
    *step = number_in(strbuf_text(&r.out), "step_time_s");
    *dp = number_in(strbuf_text(&r.out), "breakdown.dp_comm_exposed.seconds");
    command_result_free(&r);
}

/* Halving the links between islands doubles the exposed gradient reduction
 * when they bind (ring time = 2(n-1)/n x payload / bandwidth, Patarasuk and
 * Yuan 2009; the latency terms are microseconds against tens of ms), and the
 * step grows by about the difference. */
START_TEST(thinner_inter_island_links_expose_more_reduction)
{
    double step_100, dp_100, step_50, dp_50;
    islands_at("bandwidth: 100Gbps", &step_100, &dp_100);
    islands_at("bandwidth: 50Gbps", &step_50, &dp_50);
    ck_assert_rel(dp_50, 2 * dp_100, 0.01);
    ck_assert_rel(step_50 - step_100, dp_50 - dp_100, 0.1);
}
END_TEST

/* The hand-written platforms of platforms/, used by the scenarios of tests/platform/,
 * describe the clusters that the scenarios' other keys generate: the step
 * times agree within 1 % (the files pool each node's rails and route
 * inter-node traffic through the GPU's NVLink port, which the generated
 * platform does not), and collapsed agrees with full detail on them. */
static const char* const platform_scenarios[] = {
    "tests/platform/dgx-a100-pod.yaml",
    "tests/platform/dgx-h100-pod.yaml",
    "tests/platform/two-islands.yaml",
};

START_TEST(hand_written_platforms_match_generated_ones)
{
    const char* file = platform_scenarios[_i];
    strbuf text = {0};
    read_file(file, &text);
    const char* line = strstr(strbuf_text(&text), "  platform: ");
    ck_assert_ptr_nonnull(line);
    const char* end = strchr(line, '\n');
    char platform_line[256];
    snprintf(platform_line, sizeof platform_line, "%.*s", (int)(end + 1 - line), line);
    replace_once(&text, platform_line, "");
    char generated[64];
    write_temporary(strbuf_text(&text), generated);
    strbuf_free(&text);
    double on_file = step_time(file, 0), full = step_time(file, 1), from_keys = step_time(generated, 0);
    unlink(generated);
    ck_assert_msg(fabs(on_file - from_keys) <= 0.01 * from_keys, "%s: file %.9g s, generated %.9g s", file,
                  on_file, from_keys);
    ck_assert_msg(fabs(on_file - full) <= 0.01 * full, "%s: collapsed %.9g s, full %.9g s", file, on_file,
                  full);
}
END_TEST

START_TEST(every_detail_scenario_is_tested)
{
    DIR* dir = opendir("tests/detail");
    ck_assert_ptr_nonnull(dir);
    struct dirent* e;
    int files = 0;
    while ((e = readdir(dir)) != NULL) {
        if (!strstr(e->d_name, ".yaml"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "tests/detail/%s", e->d_name);
        int listed = 0;
        for (int i = 0; i < SCENARIOS; i++)
            listed |= !strcmp(scenarios[i], path);
        ck_assert_msg(listed, "%s is not in test_detail.c's list", path);
        files++;
    }
    closedir(dir);
    ck_assert_int_eq(files, SCENARIOS);
}
END_TEST

START_TEST(full_detail_refuses_large_jobs)
{
    command_result r;
    run_trainsim((const char*[]){"run", "scenarios/gpt4-a100-25k.yaml", "--detail", "full", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(strbuf_text(&r.err),
                     "trainsim: --detail full simulates every rank: at most 4096 GPUs, the scenario uses 24960\n");
    ck_assert_str_eq(strbuf_text(&r.out), "");
    command_result_free(&r);
}
END_TEST

/* Runs the fat-tree scenario with FROM replaced by TO in both modes, checks
 * that they agree within 1 %, and leaves the collapsed run's JSON in R. */
static void fat_tree_variant_agrees(const char* from, const char* to, command_result* r)
{
    strbuf text = {0};
    read_file("tests/detail/fat-tree.yaml", &text);
    replace_once(&text, from, to);
    char path[64];
    write_temporary(strbuf_text(&text), path);
    strbuf_free(&text);
    run_json(path, 0, r);
    double collapsed = number_in(strbuf_text(&r->out), "step_time_s");
    double full = step_time(path, 1);
    unlink(path);
    ck_assert_msg(fabs(collapsed - full) <= 0.01 * full, "%s: collapsed %.9g s, full %.9g s", to, collapsed, full);
}

/* With tp_comm_overlap (TP 4 x PP 4 x DP 8, pipeline sends and an overlapped
 * gradient reduction beside the passes) the two modes still agree within
 * 1 %, and the key shows less TP time than the blocking collectives. */
START_TEST(tp_comm_overlap_agrees_with_full_detail)
{
    command_result r;
    fat_tree_variant_agrees("collective: ring}", "collective: ring, tp_comm_overlap: true}", &r);
    double tp = number_in(strbuf_text(&r.out), "step_breakdown_s.tp_comm");
    command_result_free(&r);
    run_json("tests/detail/fat-tree.yaml", 0, &r);
    double blocking = number_in(strbuf_text(&r.out), "step_breakdown_s.tp_comm");
    command_result_free(&r);
    ck_assert_msg(tp < blocking, "TP %.9g s overlapped, %.9g s blocking", tp, blocking);
}
END_TEST

/* With context parallelism (TP 4 x PP 4 x CP 2 x DP 4) the dense gradients
 * reduce over the 8 ranks of dp x cp, the same payload as with dp 8 and no
 * cp, and the collapsed and full modes agree within 1 %. */
START_TEST(context_parallel_reduces_over_dp_times_cp)
{
    command_result r;
    fat_tree_variant_agrees("dp: 8,", "dp: 4, cp: 2,", &r);
    double ranks = number_in(strbuf_text(&r.out), "collectives.dp_reduce.ranks");
    double bytes = number_in(strbuf_text(&r.out), "collectives.dp_reduce.bytes");
    command_result_free(&r);
    run_json("tests/detail/fat-tree.yaml", 0, &r);
    double bytes_dp_only = number_in(strbuf_text(&r.out), "collectives.dp_reduce.bytes");
    command_result_free(&r);
    ck_assert_double_eq(ranks, 8);
    ck_assert_double_eq(bytes, bytes_dp_only);
}
END_TEST

/* With CP 4 over TP 4 each context-parallel ring spans two nodes (ranks
 * 4 GPUs apart): its K,V sends cross the NICs beside the pipeline sends and
 * the overlapped reduction, and show beyond the short attention. The two
 * modes agree within 1 % for each cp_comm method. */
static const char* const cp_methods[] = {"p2p", "all_gather", "torch_all_gather"};

START_TEST(context_parallel_exchange_agrees_with_full_detail)
{
    char to[160];
    snprintf(to, sizeof to, "dp: 2, cp: 4, micro_batch: 1, zero: 1, dp_overlap: true, collective: ring, cp_comm: %s}",
             cp_methods[_i]);
    command_result r;
    fat_tree_variant_agrees("dp: 8, micro_batch: 1, zero: 1, dp_overlap: true, collective: ring}", to, &r);
    double cp = number_in(strbuf_text(&r.out), "step_breakdown_s.cp_comm");
    command_result_free(&r);
    ck_assert_msg(cp > 0, "%s: the exchange across nodes shows (%.9g s)", cp_methods[_i], cp);
}
END_TEST

/* A power-capped GPU (300 of its 400 W) with a wider spread between GPUs:
 * every rank computes at the job's pace in both modes (docs/model.md, "What
 * grows with scale"), which agree within 1 %, and compute grows. */
START_TEST(slower_gpus_agree_with_full_detail)
{
    command_result r;
    fat_tree_variant_agrees("gpu: a100-sxm4-80gb", "gpu: {base: a100-sxm4-80gb, tdp: 300W, speed_spread: 0.03}", &r);
    double slower = number_in(strbuf_text(&r.out), "step_breakdown_s.compute");
    command_result_free(&r);
    run_json("tests/detail/fat-tree.yaml", 0, &r);
    double rated = number_in(strbuf_text(&r.out), "step_breakdown_s.compute");
    command_result_free(&r);
    ck_assert_msg(slower > 1.05 * rated, "compute %.9g s capped, %.9g s at the rated limit", slower, rated);
}
END_TEST

/* A full-detail simulation needs an actor per concurrent flow, and each
 * takes two of the process's memory maps: past vm.max_map_count SimGrid
 * aborts ("Failed to protect stack"; an EP 256 all-to-all on 4,096 GPUs
 * did). trainsim stops first with a message and exit status 3 and writes
 * nothing. The tests' build of trainsim takes a limit of 4,160 maps from
 * TRAINSIM_MAX_MAP_COUNT (32 actors after the reserve); the
 * fat-tree scenario (128 GPUs) needs more in full detail and runs collapsed. */
START_TEST(too_many_actors_stop_with_a_message)
{
    const char* hooks = getenv("TRAINSIM_TEST_HOOKS_BIN") ? getenv("TRAINSIM_TEST_HOOKS_BIN")
                                                          : "build/trainsim-test-hooks";
    char trace[64];
    temp_path(trace, sizeof trace, ".json");
    setenv("TRAINSIM_MAX_MAP_COUNT", "4160", 1);
    command_result full, collapsed;
    run_program((const char*[]){hooks, "run", "tests/detail/fat-tree.yaml", "--detail", "full", "--trace", trace,
                                NULL},
                &full);
    run_program((const char*[]){hooks, "run", "tests/detail/fat-tree.yaml", NULL}, &collapsed);
    unsetenv("TRAINSIM_MAX_MAP_COUNT");
    ck_assert_int_eq(full.status, EXIT_SYSTEM);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&full.err), "more than 32 SimGrid actors at once on its 128 GPUs"));
    ck_assert_ptr_nonnull(strstr(strbuf_text(&full.err), "4160 memory maps (vm.max_map_count)"));
    ck_assert_str_eq(strbuf_text(&full.out), "");
    ck_assert_int_eq(access(trace, F_OK), -1);
    ck_assert_msg(collapsed.status == 0, "%s", strbuf_text(&collapsed.err));
    command_result_free(&full);
    command_result_free(&collapsed);
}
END_TEST

Suite* detail_suite(void)
{
    Suite* s = suite_create("detail");
    TCase* tc = tcase_create("collapsed vs full");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, collapsed_agrees_with_full_detail, 0, SCENARIOS);
    tcase_add_test(tc, every_detail_scenario_is_tested);
    tcase_add_test(tc, full_detail_refuses_large_jobs);
    tcase_add_test(tc, tp_comm_overlap_agrees_with_full_detail);
    tcase_add_test(tc, context_parallel_reduces_over_dp_times_cp);
    tcase_add_loop_test(tc, context_parallel_exchange_agrees_with_full_detail, 0, 3);
    tcase_add_test(tc, slower_gpus_agree_with_full_detail);
    tcase_add_test(tc, too_many_actors_stop_with_a_message);
    tcase_add_test(tc, thinner_inter_island_links_expose_more_reduction);
    tcase_add_loop_test(tc, hand_written_platforms_match_generated_ones, 0,
                        (int)(sizeof platform_scenarios / sizeof *platform_scenarios));
    suite_add_tcase(s, tc);
    return s;
}
