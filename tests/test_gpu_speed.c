/* test_gpu_speed: the pace of a job's GPUs: the clock a power limit leaves
 * (gpu.tdp below gpu.sustained_clock_tdp). The closed form of
 * model/gpu_speed.h against the DVFS relation computed here independently,
 * then the keys moving a scenario's GEMMs and its simulated step by what
 * the form predicts. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "model/gpu_speed.h"
#include "model/workload.h"

/* P = P0 + (P_rated - P0) (f / f_rated)^3 with P0 the H100's 122.7 W at
 * rest: at 600, 500, 400 and 300 W the clock is ((P - P0) / (700 - P0))^(1/3)
 * of the 700 W one; at or above 700 W it is the catalog's. */
START_TEST(power_limit_sets_the_clock_by_dvfs)
{
    gpu_spec g = *gpu_catalog_find("h100-sxm5-80gb");
    ck_assert_double_eq(gpu_power_capped_clock(&g), 1.0);
    ck_assert_rel(gpu_static_watts(&g), 122.7, 1e-12);
    double watts[] = {600, 500, 400, 300}, previous = 1;
    for (int i = 0; i < 4; i++) {
        g.tdp_watts = watts[i];
        double clock = gpu_power_capped_clock(&g);
        ck_assert_rel(clock, cbrt((watts[i] - 122.7) / (700 - 122.7)), 1e-12);
        ck_assert(clock < previous);
        previous = clock;
    }
    g.tdp_watts = 500;
    ck_assert_rel(gpu_power_capped_clock(&g), 0.8679, 1e-4);
    g.tdp_watts = 800;
    ck_assert_double_eq(gpu_power_capped_clock(&g), 1.0);
    /* A GPU without a stated measurement limit holds its clock at its own. */
    g.clock_tdp_watts = 0;
    ck_assert_double_eq(gpu_power_capped_clock(&g), 1.0);
}
END_TEST

/* A compute-bound scenario on NODES 8-GPU nodes of a GPU mapping. */
static void load_gpu(const char* gpu, int nodes, int dp, scenario* sc)
{
    char text[1024];
    snprintf(text, sizeof text,
             "format: 1\nname: gpu-speed\nmodel: {layers: 4, hidden: 2048, heads: 16, vocab: 32000, seq_len: 2048}\n"
             "gpu: %s\ncluster: {nodes: %d}\nparallelism: {tp: 8, pp: 1, dp: %d, recompute: none}\n"
             "training: {global_batch: %d, tokens: 1e9}\n",
             gpu, nodes, dp, 4 * dp);
    load_scenario(text, sc);
}

static double qkv_seconds(const workload* w)
{
    for (int i = 0; i < w->dense_layer.count; i++)
        if (!strcmp(w->dense_layer.kernel[i].name, "QKV projection"))
            return w->dense_layer.kernel[i].fwd_seconds;
    ck_abort_msg("no QKV projection");
    return 0;
}

/* An H100 held at 500 W: its GEMMs at the DVFS clock, its busy power the
 * limit, its idle power still the part's 122.7 W at rest. */
START_TEST(power_limit_slows_the_gemms)
{
    scenario rated, capped;
    load_gpu("h100-sxm5-80gb", 1, 1, &rated);
    load_gpu("{base: h100-sxm5-80gb, tdp: 500W}", 1, 1, &capped);
    workload a, b;
    workload_build(&rated, &a);
    workload_build(&capped, &b);
    ck_assert_rel(qkv_seconds(&a) / qkv_seconds(&b), cbrt((500 - 122.7) / (700 - 122.7)), 1e-9);
    ck_assert_double_eq(b.rank[0].optimizer_seconds, a.rank[0].optimizer_seconds);
    ck_assert_double_eq(capped.power.gpu_busy, 500);
    ck_assert_rel(capped.power.gpu_idle, 122.7, 1e-12);
    workload_free(&a);
    workload_free(&b);
    scenario_free(&rated);
    scenario_free(&capped);
}
END_TEST

/* A sustained clock the scenario states is its own limit's, unless it says
 * at which limit it was measured. */
START_TEST(stated_clock_holds_at_the_stated_limit)
{
    scenario own, measured;
    load_gpu("{base: h100-sxm5-80gb, sustained_clock: 0.8, tdp: 500W}", 1, 1, &own);
    load_gpu("{base: h100-sxm5-80gb, sustained_clock: 0.8, tdp: 500W, sustained_clock_tdp: 700W}", 1, 1, &measured);
    ck_assert_double_eq(own.gpu.clock_tdp_watts, 500);
    ck_assert_double_eq(gpu_power_capped_clock(&own.gpu), 1.0);
    ck_assert_rel(gpu_power_capped_clock(&measured.gpu), cbrt((500 - 122.7) / (700 - 122.7)), 1e-12);
    scenario_free(&own);
    scenario_free(&measured);
}
END_TEST

/* Runs `trainsim run --json` on TEXT written to PATH; the report in OUT. */
static void run_json(const char* path, const char* text, strbuf* out)
{
    FILE* f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    command_result r;
    run_trainsim_ok((const char*[]){"run", path, "--json", NULL}, &r);
    strbuf_printf(out, "%s", strbuf_text(&r.out));
    command_result_free(&r);
}

/* The simulated step (each simulation in its own process: one SimGrid
 * engine per process): compute grows with the power limit's slowdown, by
 * less than the GEMMs' (HBM-bound kernels keep their pace). */
START_TEST(power_limit_slows_the_simulated_step)
{
    const char* text = "format: 1\nmodel: {layers: 4, hidden: 2048, heads: 16, vocab: 32000, seq_len: 2048}\n"
                       "gpu: {base: h100-sxm5-80gb%s}\ncluster: {nodes: 2}\n"
                       "parallelism: {tp: 8, pp: 2, dp: 1, recompute: none}\n"
                       "training: {global_batch: 8, tokens: 1e9}\n";
    char path[128];
    temp_path(path, sizeof path, ".yaml");
    strbuf a = {0}, b = {0}, ta = {0}, tb = {0};
    strbuf_printf(&ta, text, "");
    strbuf_printf(&tb, text, ", tdp: 500W");
    run_json(path, strbuf_text(&ta), &a);
    run_json(path, strbuf_text(&tb), &b);
    unlink(path);
    double slower = 1 / cbrt((500 - 122.7) / (700 - 122.7));
    double ratio = number_in(strbuf_text(&b), "step_breakdown_s.compute") /
                   number_in(strbuf_text(&a), "step_breakdown_s.compute");
    ck_assert_msg(ratio > 1.05 && ratio <= slower * (1 + 1e-9), "compute %g times as long, GEMMs %g", ratio,
                  slower);
    ck_assert(number_in(strbuf_text(&b), "step_time_s") > number_in(strbuf_text(&a), "step_time_s"));
    strbuf_free(&a);
    strbuf_free(&b);
    strbuf_free(&ta);
    strbuf_free(&tb);
}
END_TEST

/* The catalog's own limit, written out, changes no byte of the report. */
START_TEST(catalog_tdp_changes_nothing)
{
    const char* text = "format: 1\nname: same\nmodel: {layers: 4, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024}\n"
                       "gpu: %s\ncluster: {nodes: 2}\nparallelism: {tp: 2, pp: 2, dp: 4}\n"
                       "training: {global_batch: 32, tokens: 1e9}\n";
    const char* gpus[] = {"h100-sxm5-80gb", "{base: h100-sxm5-80gb, tdp: 700W}"};
    char path[128];
    temp_path(path, sizeof path, ".yaml");
    strbuf out[2] = {{0}};
    for (int i = 0; i < 2; i++) {
        strbuf t = {0};
        strbuf_printf(&t, text, gpus[i]);
        run_json(path, strbuf_text(&t), &out[i]);
        strbuf_free(&t);
    }
    unlink(path);
    ck_assert_msg(!strcmp(strbuf_text(&out[0]), strbuf_text(&out[1])), "the reports differ");
    strbuf_free(&out[0]);
    strbuf_free(&out[1]);
}
END_TEST

Suite* gpu_speed_suite(void)
{
    Suite* s = suite_create("gpu_speed");
    TCase* tc = tcase_create("closed forms");
    tcase_add_test(tc, power_limit_sets_the_clock_by_dvfs);
    suite_add_tcase(s, tc);
    tc = tcase_create("scenarios");
    tcase_add_test(tc, power_limit_slows_the_gemms);
    tcase_add_test(tc, stated_clock_holds_at_the_stated_limit);
    tcase_add_test(tc, power_limit_slows_the_simulated_step);
    tcase_add_test(tc, catalog_tdp_changes_nothing);
    suite_add_tcase(s, tc);
    return s;
}
