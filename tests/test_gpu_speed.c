/* test_gpu_speed: what grows with scale on the GPUs themselves: the slowest
 * of a job's GPUs setting the pace (gpu.speed_spread, gpu.speed_cutoff) and
 * the clock a power limit leaves (gpu.tdp below gpu.sustained_clock_tdp).
 * The closed forms of model/gpu_speed.h against the order statistic and the
 * DVFS relation computed here independently, then each key moving a
 * scenario's GEMMs and its simulated step by what its form predicts. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "model/gpu_speed.h"
#include "model/workload.h"

/* Phi(x), the standard normal distribution. */
static double normal_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

/* E[max] of N standard normals truncated above at K: the integral of
 * x n F(x)^(n-1) f(x), F = Phi / Phi(K), by the trapezoid rule on a fine
 * grid (the exact order statistic, not Blom's approximation). */
static double expected_max_truncated(long long n, double k)
{
    const int steps = 40000;
    double lo = -9, hi = fmin(k, 9), h = (hi - lo) / steps, kept = normal_cdf(hi), sum = 0;
    for (int i = 0; i <= steps; i++) {
        double x = lo + i * h;
        double f = exp(-0.5 * x * x) / sqrt(2 * 3.14159265358979323846) / kept;
        double term = x * (double)n * pow(normal_cdf(x) / kept, (double)n - 1) * f;
        sum += (i == 0 || i == steps) ? term / 2 : term;
    }
    return sum * h;
}

START_TEST(normal_quantile_matches_the_tables)
{
    ck_assert_rel(gpu_normal_quantile(0.975), 1.9599639845400536, 1e-12);
    ck_assert_rel(gpu_normal_quantile(0.999), 3.090232306167813, 1e-12);
    ck_assert_rel(gpu_normal_quantile(1e-10), -6.361340902404056, 1e-12);
    ck_assert_rel(gpu_normal_quantile(0.3), -0.5244005127080407, 1e-12);
    ck_assert(fabs(gpu_normal_quantile(0.5)) < 1e-15);
    ck_assert_rel(gpu_normal_quantile(0.2), -gpu_normal_quantile(0.8), 1e-14);
}
END_TEST

/* Blom's position against the exact expected maximum: 8 normals, 1.42360
 * (Teichroew 1956, also the d2(8) / 2 of control charts); the job's speed
 * against the integral for the screened distribution, within 0.1 % of the
 * median GPU's speed at the default spread and cutoff, up to 25,000 GPUs. */
START_TEST(slowest_gpu_is_the_order_statistic)
{
    double sigma = 0.02;
    double blom8 = (1 - gpu_slowest_speed(sigma, 0.5, 8)) / sigma;   /* cutoff 25 sigma: no screening */
    ck_assert_msg(fabs(blom8 - 1.42360) < 0.015, "Blom's slowest of 8: %g sigma, exact 1.42360", blom8);
    ck_assert_rel(expected_max_truncated(8, 40), 1.42360, 1e-4);   /* the integral itself */

    long long sizes[] = {2, 8, 64, 256, 2048, 12288, 25000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        double exact = 1 - GPU_SPEED_SPREAD * expected_max_truncated(sizes[i], GPU_SPEED_CUTOFF / GPU_SPEED_SPREAD);
        double speed = gpu_slowest_speed(GPU_SPEED_SPREAD, GPU_SPEED_CUTOFF, sizes[i]);
        ck_assert_msg(fabs(speed - exact) < 1e-3, "slowest of %lld: %.5f, the order statistic %.5f", sizes[i],
                      speed, exact);
    }
}
END_TEST

/* One GPU or identical GPUs: the catalog's; more GPUs never run faster, and
 * screening bounds the slowest at the cutoff. */
START_TEST(slowest_gpu_limits)
{
    ck_assert_double_eq(gpu_slowest_speed(0.02, 0.05, 1), 1.0);
    ck_assert_double_eq(gpu_slowest_speed(0, 0.05, 100000), 1.0);
    double previous = 1;
    for (long long n = 2; n <= 10000000; n *= 3) {
        double s = gpu_slowest_speed(GPU_SPEED_SPREAD, GPU_SPEED_CUTOFF, n);
        ck_assert(s < previous);
        ck_assert(s > 1 - GPU_SPEED_CUTOFF);
        previous = s;
    }
    /* Without screening the slowest of ten million is 5.3 sigma out (the
     * normal's 1 - 1/(n + 1/4) quantile), far past the 5 % cutoff. */
    double unscreened = gpu_slowest_speed(GPU_SPEED_SPREAD, 0.5, 10000000);
    ck_assert(unscreened < 1 - 0.09);
    /* The default: 5 % over 8 GPUs of a node (Bekman) is 0.05 / d2(8). */
    ck_assert_rel(GPU_SPEED_SPREAD, 0.05 / (2 * 1.42360), 2e-4);
}
END_TEST

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

/* The QKV projection of load_gpu's model at micro-batch 1 under TP 8: 2,048
 * tokens x (16 + 2 x 16 heads) / 8 x 128 x 2,048 hidden. Its HBM traffic
 * (model/kernels.h) keeps its time at any pace: only its MMAs slow. */
static double qkv_traffic_seconds(const workload* w)
{
    return GEMM_TRAFFIC_OVER_HBM * kernel_gemm_bytes(&w->rates.gemm, 2048, 768, 2048, 1) / w->rates.hbm_bandwidth;
}

/* The QKV projection's time at PACE from its time at full pace in W. */
static double qkv_seconds_at(const workload* w, double pace)
{
    double traffic = qkv_traffic_seconds(w);
    return (qkv_seconds(w) - traffic) / pace + traffic;
}

/* The GEMMs of a job of 256 GPUs run at the slowest GPU's pace: the QKV
 * projection's MMAs take 1 / (1 - sigma E[max]) longer than on identical
 * GPUs; HBM traffic and HBM-bound kernels (the optimizer step) do not move. */
START_TEST(speed_spread_paces_the_gemms)
{
    scenario same, spread;
    load_gpu("{base: a100-sxm4-80gb, speed_spread: 0}", 32, 32, &same);
    load_gpu("a100-sxm4-80gb", 32, 32, &spread);
    ck_assert_double_eq(spread.gpu.speed_spread, GPU_SPEED_SPREAD);
    ck_assert_double_eq(spread.gpu.speed_cutoff, GPU_SPEED_CUTOFF);
    workload a, b;
    workload_build(&same, &a);
    workload_build(&spread, &b);
    double pace = 1 - GPU_SPEED_SPREAD * expected_max_truncated(256, GPU_SPEED_CUTOFF / GPU_SPEED_SPREAD);
    ck_assert_rel(qkv_seconds(&b), qkv_seconds_at(&a, pace), 1e-3);
    ck_assert_rel(b.slowest_gpu_speed, pace, 1e-3);
    ck_assert_double_eq(b.rank[0].optimizer_seconds, a.rank[0].optimizer_seconds);
    workload_free(&a);
    workload_free(&b);
    scenario_free(&same);
    scenario_free(&spread);
}
END_TEST

/* Health checks that screen more GPUs out leave a faster slowest GPU. */
START_TEST(speed_cutoff_screens_the_slowest)
{
    scenario loose, strict;
    load_gpu("{base: a100-sxm4-80gb, speed_cutoff: 0.2}", 32, 32, &loose);
    load_gpu("{base: a100-sxm4-80gb, speed_cutoff: 0.03}", 32, 32, &strict);
    workload a, b;
    workload_build(&loose, &a);
    workload_build(&strict, &b);
    double pace_loose = 1 - GPU_SPEED_SPREAD * expected_max_truncated(256, 0.2 / GPU_SPEED_SPREAD);
    double pace_strict = 1 - GPU_SPEED_SPREAD * expected_max_truncated(256, 0.03 / GPU_SPEED_SPREAD);
    ck_assert_rel(a.slowest_gpu_speed, pace_loose, 1e-3);
    ck_assert_rel(b.slowest_gpu_speed, pace_strict, 1e-3);
    ck_assert(qkv_seconds(&b) < qkv_seconds(&a));
    workload_free(&a);
    workload_free(&b);
    scenario_free(&loose);
    scenario_free(&strict);
}
END_TEST

/* An H100 held at 500 W: its GEMMs' MMAs at the DVFS clock, its busy power
 * the limit, its idle power still the part's 122.7 W at rest. */
START_TEST(power_limit_slows_the_gemms)
{
    scenario rated, capped;
    load_gpu("{base: h100-sxm5-80gb, speed_spread: 0}", 1, 1, &rated);
    load_gpu("{base: h100-sxm5-80gb, speed_spread: 0, tdp: 500W}", 1, 1, &capped);
    workload a, b;
    workload_build(&rated, &a);
    workload_build(&capped, &b);
    ck_assert_rel(qkv_seconds(&b), qkv_seconds_at(&a, cbrt((500 - 122.7) / (700 - 122.7))), 1e-9);
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
    run_json_text(path, strbuf_text(&ta), NULL, &a);
    run_json_text(path, strbuf_text(&tb), NULL, &b);
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
    strbuf catalog = {0}, written = {0};
    strbuf_printf(&catalog, text, "h100-sxm5-80gb");
    strbuf_printf(&written, text, "{base: h100-sxm5-80gb, tdp: 700W}");
    assert_same_json_report(strbuf_text(&catalog), strbuf_text(&written), NULL);
    strbuf_free(&catalog);
    strbuf_free(&written);
}
END_TEST

Suite* gpu_speed_suite(void)
{
    Suite* s = suite_create("gpu_speed");
    TCase* tc = tcase_create("closed forms");
    tcase_add_test(tc, normal_quantile_matches_the_tables);
    tcase_add_test(tc, slowest_gpu_is_the_order_statistic);
    tcase_add_test(tc, slowest_gpu_limits);
    tcase_add_test(tc, power_limit_sets_the_clock_by_dvfs);
    suite_add_tcase(s, tc);
    tc = tcase_create("scenarios");
    tcase_add_test(tc, speed_spread_paces_the_gemms);
    tcase_add_test(tc, speed_cutoff_screens_the_slowest);
    tcase_add_test(tc, power_limit_slows_the_gemms);
    tcase_add_test(tc, stated_clock_holds_at_the_stated_limit);
    tcase_add_test(tc, power_limit_slows_the_simulated_step);
    tcase_add_test(tc, catalog_tdp_changes_nothing);
    suite_add_tcase(s, tc);
    return s;
}
