/* test_kernels: the roofline of GEMMs and memory-bound kernels, and the
 * kernels of a layer. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "model/kernels.h"
#include "model/workload.h"

static kernel_rates a100(void)
{
    kernel_rates r;
    kernel_rates_of(gpu_catalog_find("a100-sxm4-80gb"), PREC_BF16, &r);
    return r;
}

START_TEST(sustained_rates_from_the_catalog)
{
    kernel_rates r = a100();
    ck_assert_double_eq(r.peak_flops, 312e12);
    ck_assert_rel(r.gemm_efficiency, 271.2 / 312.0 * 1305.0 / 1410.0, 1e-12);
    ck_assert_rel(r.hbm_bandwidth, 2039e9 * 1.80 / 2.04, 1e-12);
    ck_assert_int_eq(r.sms, 108);
}
END_TEST

/* The H200 is the H100's die with more and faster HBM: every rate but the
 * memory's is the H100's. */
START_TEST(h200_is_the_h100_die_with_its_own_hbm)
{
    const gpu_spec *h100 = gpu_catalog_find("h100-sxm5-80gb"), *h200 = gpu_catalog_find("h200-sxm5-141gb");
    ck_assert_ptr_nonnull(h200);
    kernel_rates a, b;
    kernel_rates_of(h100, PREC_BF16, &a);
    kernel_rates_of(h200, PREC_BF16, &b);
    ck_assert_double_eq(b.peak_flops, a.peak_flops);
    ck_assert_double_eq(b.gemm_efficiency, a.gemm_efficiency);
    ck_assert_int_eq(b.sms, a.sms);
    ck_assert_double_eq(h200->tdp_watts, 700);
    ck_assert_double_eq(h200->nvlink_bandwidth, h100->nvlink_bandwidth);
    ck_assert_double_eq(h200->hbm_bytes, 141.0 * 1024 * 1024 * 1024);
    ck_assert_rel(b.hbm_bandwidth, 4252e9, 1e-12);   /* 4,800 GB/s x the measured 0.886 */
    ck_assert_rel(a.hbm_bandwidth, 2994e9, 1e-12);
}
END_TEST

/* Hopper's fp8 GEMMs reach 0.863 of bf16's share of peak (measured,
 * docs/calibration.md); a GPU without an fp8 figure uses its efficiency. */
START_TEST(fp8_gemms_take_their_own_efficiency)
{
    const gpu_spec* h100 = gpu_catalog_find("h100-sxm5-80gb");
    kernel_rates bf16, fp8;
    kernel_rates_of(h100, PREC_BF16, &bf16);
    kernel_rates_of(h100, PREC_FP8, &fp8);
    ck_assert_double_eq(fp8.peak_flops, 1978.9e12);
    ck_assert_rel(fp8.gemm_efficiency / bf16.gemm_efficiency, (1291.1 / 1978.9) / (748.4 / 989.4), 1e-12);
    gpu_spec custom = *h100;
    custom.fp8_efficiency = 0;
    kernel_rates_of(&custom, PREC_FP8, &fp8);
    ck_assert_double_eq(fp8.gemm_efficiency, bf16.gemm_efficiency);
}
END_TEST

/* fp8 training runs the attention core in bf16 (Transformer Engine's
 * fp8_dpa is off by default): the fused kernel at the bf16 peak, the unfused
 * core's GEMMs at bf16's peak and share; the other GEMMs at fp8's. */
START_TEST(fp8_training_keeps_attention_in_bf16)
{
    const gpu_spec* h100 = gpu_catalog_find("h100-sxm5-80gb");
    kernel_rates bf16, fp8;
    kernel_rates_of(h100, PREC_BF16, &bf16);
    kernel_rates_of(h100, PREC_FP8, &fp8);
    ck_assert_double_eq(fp8.core_peak_flops, 989.4e12);
    ck_assert_double_eq(fp8.core_gemm_efficiency, bf16.gemm_efficiency);
    ck_assert_double_eq(bf16.core_peak_flops, bf16.peak_flops);
    ck_assert_double_eq(kernel_flash_seconds(&fp8, 1e15, 0), kernel_flash_seconds(&bf16, 1e15, 0));
    ck_assert_rel(kernel_flash_seconds(&fp8, 1e15, 0), 1e15 / (989.4e12 * fp8.flash_efficiency), 1e-12);
}
END_TEST

/* NVIDIA's own example (Matrix Multiplication Background, Sec. 3.2): a
 * 1792 x 1792 output in 256 x 128 tiles makes 98 tiles for 108 SMs. */
START_TEST(wave_quantization_matches_nvidia_example)
{
    ck_assert_rel(kernel_gemm_quantization(108, 1792, 1792, 1), 98.0 / 108.0, 1e-12);
    /* 108 tiles of 128 x 128: exactly one full wave. */
    ck_assert_rel(kernel_gemm_quantization(108, 1536, 1152, 1), 1.0, 1e-12);
    /* One tile more than a wave: half the second wave idles. */
    ck_assert(kernel_gemm_quantization(108, 1536 + 128, 1152, 1) < 0.95);
    /* Batched GEMMs share waves. */
    ck_assert_rel(kernel_gemm_quantization(108, 128, 128, 108), 1.0, 1e-12);
}
END_TEST

START_TEST(large_gemm_is_compute_bound)
{
    kernel_rates r = a100();
    double m = 1536, n = 1152, k = 16384;
    ck_assert_rel(kernel_gemm_seconds(&r, m, n, k, 1), 2 * m * n * k / (r.peak_flops * r.gemm_efficiency), 1e-12);
}
END_TEST

START_TEST(thin_gemm_is_memory_bound)
{
    kernel_rates r = a100();
    double m = 4096, n = 4096, k = 16;
    double bytes = 2.0 * (m * k + k * n + m * n);
    ck_assert_rel(kernel_gemm_seconds(&r, m, n, k, 1), bytes / r.hbm_bandwidth, 1e-12);
    ck_assert_rel(kernel_memory_seconds(&r, 1e9), 1e9 / r.hbm_bandwidth, 1e-12);
    ck_assert_double_eq(kernel_memory_seconds(&r, 0), 0);
}
END_TEST

static void load(const char* parallel, const char* model_extra, scenario* sc)
{
    char text[1024];
    snprintf(text, sizeof text,
             "format: 1\nmodel: {layers: 4, hidden: 2048, heads: 16, vocab: 1000, seq_len: 2048%s}\n"
             "gpu: a100-sxm4-80gb\ncluster: {nodes: 2}\nparallelism: %s\n"
             "training: {global_batch: 16, tokens: 1e9}\n",
             model_extra, parallel);
    load_scenario(text, sc);
}

/* The kernels of one layer (an MoE layer when MOE) of the scenario that
 * load() makes from PARALLEL and MODEL_EXTRA, at bf16 rates. */
static void layer_of(const char* parallel, const char* model_extra, int moe, scenario* sc, kernel_rates* r,
                     layer_cost* cost)
{
    load(parallel, model_extra, sc);
    kernel_rates_of(&sc->gpu, PREC_BF16, r);
    layer_cost_build(sc, r, moe, cost);
}

static const layer_kernel* find_kernel(const layer_cost* c, const char* name)
{
    for (int i = 0; i < c->count; i++)
        if (!strcmp(c->kernel[i].name, name))
            return &c->kernel[i];
    return NULL;
}

/* The unfused softmax reads and writes the b*(a/t)*s*s scores in fp16. */
START_TEST(layer_kernels_without_flash_attention)
{
    scenario sc;
    kernel_rates r;
    layer_cost cost;
    layer_of("{tp: 2, pp: 1, dp: 8, micro_batch: 2}", "", 0, &sc, &r, &cost);
    const layer_kernel* softmax = find_kernel(&cost, "softmax");
    ck_assert_ptr_nonnull(softmax);
    double scores = 2.0 * 8 * 2048.0 * 2048.0;
    ck_assert_rel(softmax->fwd_seconds, 4 * scores / r.hbm_bandwidth, 1e-12);
    ck_assert_ptr_nonnull(find_kernel(&cost, "attention dropout"));
    ck_assert_ptr_null(find_kernel(&cost, "flash attention"));
    const layer_kernel* qkv = find_kernel(&cost, "QKV projection");
    ck_assert_rel(qkv->flops, 2.0 * 4096 * (3 * 2048 / 2) * 2048, 1e-12);
    ck_assert_rel(qkv->bwd_flops, 2 * qkv->flops, 1e-12);
    /* The layer's FLOPs are the model FLOPs of its tokens on this rank. */
    ck_assert_rel(cost.fwd_flops, 4096 * (24.0 * 2048 * 2048 + 4.0 * 2048 * 2048) / 2, 1e-12);
    scenario_free(&sc);
}
END_TEST

START_TEST(flash_attention_fuses_the_core)
{
    scenario sc;
    kernel_rates r;
    layer_cost cost;
    layer_of("{tp: 1, pp: 1, dp: 16, flash_attention: true, recompute: selective}", ", dropout: 0",
             0, &sc, &r, &cost);
    ck_assert_ptr_null(find_kernel(&cost, "softmax"));
    ck_assert_ptr_null(find_kernel(&cost, "attention dropout"));
    const layer_kernel* flash = find_kernel(&cost, "flash attention");
    ck_assert_ptr_nonnull(flash);
    /* It counts the model FLOPs' 4 b a s^2 d of QK^T and attention x V, so
     * that HFU is never below MFU, and takes the time of the causal half it
     * executes. */
    double flops = 4.0 * 2048 * 2048 * 2048;
    ck_assert_rel(flash->flops, flops, 1e-12);
    ck_assert_rel(flash->fwd_seconds, flops / 2 / (r.peak_flops * r.flash_efficiency), 1e-12);
    ck_assert_rel(flash->bwd_flops, 2.5 * flops, 1e-12);
    /* FlashAttention already recomputes its scores: selective recompute adds nothing. */
    workload w;
    workload_build(&sc, &w);
    ck_assert_double_eq(w.stage[0].recompute_seconds, 0);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

/* A long sequence makes attention most of a layer's FLOPs, where a count of
 * only the causal half executed would put HFU below MFU (a 128K-token
 * layer without recompute): the hardware FLOPs count every score, as the
 * model FLOPs do, and add the kernel's own recompute of the scores. */
START_TEST(flash_attention_keeps_hfu_at_or_above_mfu)
{
    scenario sc;
    load_scenario("format: 1\nmodel: {layers: 4, hidden: 2048, heads: 16, vocab: 1000, seq_len: 131072}\n"
                  "gpu: a100-sxm4-80gb\ncluster: {nodes: 2}\n"
                  "parallelism: {tp: 1, pp: 1, dp: 16, flash_attention: true, recompute: none}\n"
                  "training: {global_batch: 16, tokens: 1e10}\n",
                  &sc);
    workload w;
    workload_build(&sc, &w);
    ck_assert_msg(w.hardware_flops_per_token > w.model_flops_per_token, "hardware %g < model %g FLOPs per token",
                  w.hardware_flops_per_token, w.model_flops_per_token);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

START_TEST(selective_recompute_reruns_the_attention_core)
{
    scenario sc;
    load("{tp: 1, pp: 1, dp: 16, recompute: selective}", "", &sc);
    workload w;
    workload_build(&sc, &w);
    ck_assert_rel(w.stage[0].recompute_seconds, 4 * w.dense_layer.core_seconds, 1e-12);
    double core = 0;
    for (int i = 0; i < w.dense_layer.count; i++)
        if (w.dense_layer.kernel[i].attention_core)
            core += w.dense_layer.kernel[i].fwd_seconds;
    ck_assert_rel(w.dense_layer.core_seconds, core, 1e-12);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

/* Each of E/ep local experts receives capacity x top_k x tokens x ep / E tokens. */
START_TEST(expert_gemms_sized_by_routed_tokens)
{
    scenario sc;
    kernel_rates r;
    layer_cost cost;
    layer_of("{tp: 1, pp: 1, dp: 16, ep: 4}", ", moe: {experts: 8, top_k: 2, capacity_factor: 1.25}",
             1, &sc, &r, &cost);
    const layer_kernel* fc1 = find_kernel(&cost, "expert fc1");
    ck_assert_ptr_nonnull(fc1);
    double tokens = 2048, per_expert = tokens * 2 * 1.25 * 4 / 8, local = 8 / 4;
    ck_assert_rel(fc1->flops, 2.0 * per_expert * 8192 * 2048 * local, 1e-12);
    ck_assert_rel(fc1->fwd_seconds, kernel_gemm_seconds(&r, per_expert, 8192, 2048, local), 1e-12);
    ck_assert_ptr_nonnull(find_kernel(&cost, "router"));
    workload w;
    workload_build(&sc, &w);
    ck_assert_int_eq(w.stage[0].ep_fwd_alltoalls, 2 * 4);
    ck_assert_rel(w.ep_pair_bytes, tokens * 2 * 1.25 * 2048 * 2 / 4, 1e-12);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

Suite* kernels_suite(void)
{
    Suite* s = suite_create("kernels");
    TCase* tc = tcase_create("roofline");
    tcase_add_test(tc, sustained_rates_from_the_catalog);
    tcase_add_test(tc, h200_is_the_h100_die_with_its_own_hbm);
    tcase_add_test(tc, fp8_gemms_take_their_own_efficiency);
    tcase_add_test(tc, wave_quantization_matches_nvidia_example);
    tcase_add_test(tc, large_gemm_is_compute_bound);
    tcase_add_test(tc, thin_gemm_is_memory_bound);
    tcase_add_test(tc, layer_kernels_without_flash_attention);
    tcase_add_test(tc, flash_attention_fuses_the_core);
    tcase_add_test(tc, flash_attention_keeps_hfu_at_or_above_mfu);
    tcase_add_test(tc, fp8_training_keeps_attention_in_bf16);
    tcase_add_test(tc, selective_recompute_reruns_the_attention_core);
    tcase_add_test(tc, expert_gemms_sized_by_routed_tokens);
    suite_add_tcase(s, tc);
    return s;
}
