/* test_kernels: GEMM times (MMAs plus HBM traffic, against the H100 shape
 * sweep they were fitted to), memory-bound kernels, and the kernels of a
 * layer. */
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
    ck_assert_double_eq(r.gemm.peak_flops, 312e12);
    ck_assert_rel(r.gemm.gemm_efficiency, 271.2 / 312.0 * 1305.0 / 1410.0, 1e-12);
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
    ck_assert_double_eq(b.gemm.peak_flops, a.gemm.peak_flops);
    ck_assert_double_eq(b.gemm.gemm_efficiency, a.gemm.gemm_efficiency);
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
    ck_assert_double_eq(fp8.gemm.peak_flops, 1978.9e12);
    ck_assert_rel(fp8.gemm.gemm_efficiency / bf16.gemm.gemm_efficiency, (1291.1 / 1978.9) / (748.4 / 989.4), 1e-12);
    gpu_spec custom = *h100;
    custom.fp8_efficiency = 0;
    kernel_rates_of(&custom, PREC_FP8, &fp8);
    ck_assert_double_eq(fp8.gemm.gemm_efficiency, bf16.gemm.gemm_efficiency);
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

/* An 8192^3 GEMM keeps the catalog's rate, peak x efficiency x sustained
 * clock x its quantization, on every GPU and precision: the traffic term
 * takes its share from the MMAs, not on top of them. */
START_TEST(gemm_keeps_the_catalog_rate_at_8192_cubed)
{
    const char* names[] = {"a100-sxm4-40gb", "a100-sxm4-80gb", "h100-sxm5-80gb", "h200-sxm5-141gb"};
    double x = 8192;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const gpu_spec* g = gpu_catalog_find(names[i]);
        for (int p = 0; p < PREC_COUNT; p++) {
            if (g->peak_flops[p] <= 0)
                continue;
            kernel_rates r;
            kernel_rates_of(g, (precision)p, &r);
            double e = (p == PREC_FP8 ? g->fp8_efficiency : g->efficiency) * g->sustained_clock;
            double rate = g->peak_flops[p] * e * kernel_gemm_quantization(g->sms, x, x, 1);
            ck_assert_rel(kernel_gemm_seconds(&r, x, x, x, 1), 2 * x * x * x / rate, 1e-12);
            ck_assert(r.gemm.mma_share > 0.8 && r.gemm.mma_share < 1);
        }
    }
}
END_TEST

/* t = s F / (peak e q) + 1.05 bytes / HBM, s = 1 - 1.05 B0 / HBM / T0,
 * with the H100's figures and tile counts by hand. */
START_TEST(gemm_is_its_mmas_plus_its_traffic)
{
    const gpu_spec* g = gpu_catalog_find("h100-sxm5-80gb");
    kernel_rates r;
    kernel_rates_of(g, PREC_BF16, &r);
    double rate = 989.4e12 * (794.5 / 989.0) * (702.9 / 828.0), hbm = 2994e9;
    double x = 8192, q0 = 4096.0 / (32 * 132);   /* 4096 tiles of 128 x 128 in 32 waves */
    ck_assert_rel(kernel_gemm_quantization(132, x, x, 1), q0, 1e-12);
    double share = 1 - 1.05 * 2 * 3 * x * x / hbm / (2 * x * x * x / (rate * q0));
    ck_assert_rel(r.gemm.mma_share, share, 1e-12);
    double m = 4096, n = 3072, k = 1024;   /* 32 x 24 = 768 tiles of 128 x 128 in 6 waves: q = 768 / 792 */
    double q = kernel_gemm_quantization(132, m, n, 1);
    ck_assert_rel(q, 768.0 / 792, 1e-12);
    double expected = share * 2 * m * n * k / (rate * q) + 1.05 * 2 * (m * k + k * n + m * n) / hbm;
    ck_assert_rel(kernel_gemm_seconds(&r, m, n, k, 1), expected, 1e-12);
    ck_assert_rel(kernel_gemm_bytes(&r.gemm, m, n, k, 3), 3 * 2 * (m * k + k * n + m * n), 1e-12);
}
END_TEST

/* The H100 sweep the traffic term was fitted to (docs/calibration.md,
 * "Shape sweep": burst TFLOP/s, the other two dimensions at 8192): at the
 * sweep's own 8192^3 rate (739 TFLOP/s, burst), every point up to 8192 is
 * within the fit's largest residual, 4.6 points of the 8192^3 rate. */
START_TEST(gemm_shapes_follow_the_h100_sweep)
{
    gpu_spec g = *gpu_catalog_find("h100-sxm5-80gb");
    g.sustained_clock = 1;
    g.efficiency = 739e12 / (g.peak_flops[PREC_BF16] * kernel_gemm_quantization(g.sms, 8192, 8192, 1));
    kernel_rates r;
    kernel_rates_of(&g, PREC_BF16, &r);
    double sizes[] = {256, 512, 1024, 1344, 2048, 4096};
    double k_rates[] = {378, 495, 589, 606, 668, 730}, m_rates[] = {390, 535, 591, NAN, 644, 720};
    double reference = 2 * 8192.0 * 8192 * 8192 / kernel_gemm_seconds(&r, 8192, 8192, 8192, 1);
    ck_assert_rel(reference, 739e12, 1e-12);
    for (int i = 0; i < 6; i++) {
        double x = sizes[i];
        double k_share = 2 * 8192.0 * 8192 * x / kernel_gemm_seconds(&r, 8192, 8192, x, 1) / reference;
        ck_assert_msg(fabs(k_share - k_rates[i] / 739) <= 0.046, "k = %g: %.3f against %.3f", x, k_share,
                      k_rates[i] / 739);
        if (isnan(m_rates[i]))
            continue;
        double m_share = 2 * x * 8192 * 8192 / kernel_gemm_seconds(&r, x, 8192, 8192, 1) / reference;
        ck_assert_msg(fabs(m_share - m_rates[i] / 739) <= 0.046, "m = %g: %.3f against %.3f", x, m_share,
                      m_rates[i] / 739);
    }
}
END_TEST

/* A shorter inner dimension or fewer tokens runs at a lower rate, and a
 * GEMM is never faster than its bytes at HBM bandwidth; a thin one takes
 * little more. */
START_TEST(gemm_rate_falls_with_k_and_m)
{
    kernel_rates r;
    kernel_rates_of(gpu_catalog_find("h100-sxm5-80gb"), PREC_BF16, &r);
    double before_k = 0, before_m = 0;
    for (double x = 128; x <= 32768; x *= 2) {
        double by_k = 2 * 8192.0 * 8192 * x / kernel_gemm_seconds(&r, 8192, 8192, x, 1);
        double by_m = 2 * x * 8192.0 * 8192 / kernel_gemm_seconds(&r, x, 8192, 8192, 1);
        ck_assert_msg(by_k > before_k && by_m > before_m, "x = %g", x);
        before_k = by_k;
        before_m = by_m;
    }
    double m = 4096, n = 4096, k = 16;
    double bytes = 2.0 * (m * k + k * n + m * n);
    double t = kernel_gemm_seconds(&r, m, n, k, 1);
    ck_assert(t >= 1.05 * bytes / r.hbm_bandwidth);
    ck_assert(t <= 1.1 * 1.05 * bytes / r.hbm_bandwidth);   /* k = 16: the traffic is over 90 % of it */
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
    ck_assert_rel(flash->fwd_seconds, flops / 2 / (r.gemm.peak_flops * r.flash_efficiency), 1e-12);
    ck_assert_rel(flash->bwd_flops, 2.5 * flops, 1e-12);
    /* Megatron-Core's selective recompute checkpoints the core attention,
     * fused or not: the backward reruns the fused kernel's forward, every
     * layer, and the hardware FLOPs count it again (against no recompute:
     * the same model FLOPs, one more flash forward per layer and token). */
    workload w, none;
    workload_build(&sc, &w);
    const layer_kernel* rerun = find_kernel(&w.dense_layer, "flash attention");
    ck_assert_rel(w.stage[0].recompute_seconds, sc.model.layers * rerun->fwd_seconds, 1e-12);
    scenario plain;
    layer_of("{tp: 1, pp: 1, dp: 16, flash_attention: true, recompute: none}", ", dropout: 0", 0, &plain, &r, &cost);
    workload_build(&plain, &none);
    ck_assert_double_eq(none.stage[0].recompute_seconds, 0);
    ck_assert_rel(w.model_flops_per_token, none.model_flops_per_token, 1e-12);
    double tokens = (double)sc.par.micro_batch * sc.model.seq_len;
    ck_assert_rel(w.hardware_flops_per_token - none.hardware_flops_per_token,
                  sc.model.layers * rerun->flops / tokens, 1e-9);
    workload_free(&w);
    workload_free(&none);
    scenario_free(&plain);
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
    layer_of("{tp: 1, pp: 1, dp: 16, ep: 4}", ", moe: {experts: 8, top_k: 2, capacity_factor: 1.25, dispatcher: alltoall}",
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

/* The scenario of load() on identical H100s (8 per node; no spread, so that
 * the workload's stages run at the rates R), trained in TRAINED_IN, and the
 * kernels of its dense layer at the scenario's rates. */
static void h100_layer(const char* parallel, const char* trained_in, scenario* sc, kernel_rates* r, layer_cost* cost)
{
    char text[1024];
    snprintf(text, sizeof text,
             "format: 1\nmodel: {layers: 4, hidden: 2048, heads: 16, vocab: 1000, seq_len: 2048, dropout: 0}\n"
             "gpu: {base: h100-sxm5-80gb, speed_spread: 0}\ncluster: {nodes: 2}\nparallelism: %s\n"
             "training: {global_batch: 16, tokens: 1e9, precision: %s}\n",
             parallel, trained_in);
    load_scenario(text, sc);
    kernel_rates_of(&sc->gpu, sc->train.precision, r);
    layer_cost_build(sc, r, 0, cost);
}

/* fp8 GEMMs read 1-byte operands and write bf16: (mk + kn) + 2 mn bytes; an
 * 8192^3 fp8 GEMM keeps its catalog rate, its traffic a larger share of
 * its shorter time than bf16's. */
START_TEST(fp8_gemms_read_one_byte_operands)
{
    const gpu_spec* g = gpu_catalog_find("h100-sxm5-80gb");
    kernel_rates r;
    kernel_rates_of(g, PREC_FP8, &r);
    double m = 4096, n = 3072, k = 1024, x = 8192;
    ck_assert_rel(kernel_gemm_bytes(&r.gemm, m, n, k, 1), m * k + k * n + 2 * m * n, 1e-12);
    ck_assert_rel(kernel_gemm_bytes(&r.half, m, n, k, 1), 2 * (m * k + k * n + m * n), 1e-12);
    double rate = 1978.9e12 * (794.5 / 989.0) * ((1291.1 / 1978.9) / (748.4 / 989.4)) * (702.9 / 828.0);
    double q0 = 4096.0 / (32 * 132), reference = 2 * x * x * x / (rate * q0);
    double share = 1 - 1.05 * 4 * x * x / 2994e9 / reference;
    ck_assert_rel(r.gemm.mma_share, share, 1e-12);
    ck_assert(r.gemm.mma_share < r.half.mma_share);
    double q = 768.0 / 792;
    ck_assert_rel(kernel_gemm_seconds(&r, m, n, k, 1),
                  share * 2 * m * n * k / (rate * q) + 1.05 * (m * k + k * n + 2 * m * n) / 2994e9, 1e-12);
}
END_TEST

/* Under fp8 only the weight GEMMs run in fp8: fused attention (Transformer
 * Engine keeps it in bf16 unless fp8_dpa), the unfused attention GEMMs and
 * the LM head take exactly the bf16 times of the same scenario trained in
 * bf16; flash attention at the bf16 peak, not the doubled fp8 one. */
START_TEST(fp8_attention_and_head_stay_at_the_bf16_rate)
{
    scenario fp8, bf16;
    kernel_rates r8, r16;
    layer_cost c8, c16;
    h100_layer("{tp: 1, pp: 1, flash_attention: true}", "fp8", &fp8, &r8, &c8);
    h100_layer("{tp: 1, pp: 1, flash_attention: true}", "bf16", &bf16, &r16, &c16);
    const layer_kernel *flash = find_kernel(&c8, "flash attention");
    double flops = 4.0 * 2048 * 2048 * 2048;
    ck_assert_rel(flash->fwd_seconds, flops / 2 / (989.4e12 * 0.61 * (702.9 / 828.0)), 1e-12);
    ck_assert_double_eq(flash->bwd_seconds, find_kernel(&c16, "flash attention")->bwd_seconds);
    ck_assert(find_kernel(&c8, "fc1")->fwd_seconds < 0.8 * find_kernel(&c16, "fc1")->fwd_seconds);
    workload w8, w16;
    workload_build(&fp8, &w8);
    workload_build(&bf16, &w16);
    /* One stage holds the embedding, the 4 layers and the head: all but the layers stay the same. */
    ck_assert_rel(w8.stage[0].fwd_seconds - 4 * c8.fwd_seconds, w16.stage[0].fwd_seconds - 4 * c16.fwd_seconds,
                  1e-9);
    ck_assert(w8.stage[0].fwd_seconds < w16.stage[0].fwd_seconds);
    workload_free(&w8);
    workload_free(&w16);
    scenario_free(&fp8);
    scenario_free(&bf16);
    h100_layer("{tp: 1, pp: 1, flash_attention: false}", "fp8", &fp8, &r8, &c8);
    h100_layer("{tp: 1, pp: 1, flash_attention: false}", "bf16", &bf16, &r16, &c16);
    const char* half[] = {"attention scores QK^T", "attention x V", "softmax"};
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq(find_kernel(&c8, half[i])->fwd_seconds, find_kernel(&c16, half[i])->fwd_seconds);
    scenario_free(&fp8);
    scenario_free(&bf16);
}
END_TEST

/* The bytes of Transformer Engine's casts to fp8 and transposes, per layer
 * (T tokens, hidden h, FFN f = 4h, TP t = 2): with sequence parallelism the
 * column-parallel GEMMs' inputs come from the layer norm in fp8 and are only
 * transposed (2 bytes an element of T x h), the row-parallel GEMMs' inputs
 * are cast (3 bytes of T x h/t, T x f/t) and transposed later (2), their
 * incoming gradients cast on the slice (3 of T/t x h) and transposed once
 * gathered (2 of T x h); every other gradient takes a fused cast-transpose
 * (4 bytes: QKV's T x 3h/t, fc1's T x f/t). Without sequence parallelism
 * every input and gradient not from a layer norm takes the fused 4 bytes. */
START_TEST(fp8_casts_move_what_transformer_engine_moves)
{
    scenario sc;
    kernel_rates r;
    layer_cost c;
    double T = 2048, h = 2048, f = 4 * h, t = 2;
    h100_layer("{tp: 2, pp: 1, sequence_parallel: true}", "fp8", &sc, &r, &c);
    const layer_kernel* casts = find_kernel(&c, "fp8 casts and transposes");
    ck_assert_ptr_nonnull(casts);
    double fwd = 3 * T * h / t + 3 * T * f / t;
    double qkv = 2 * T * h + 4 * T * 3 * h / t, proj = 2 * T * h / t + 3 * T * h / t + 2 * T * h;
    double fc1 = 2 * T * h + 4 * T * f / t, fc2 = 2 * T * f / t + 3 * T * h / t + 2 * T * h;
    ck_assert_rel(casts->fwd_seconds, fwd / r.hbm_bandwidth, 1e-12);
    ck_assert_rel(casts->bwd_seconds, (qkv + proj + fc1 + fc2) / r.hbm_bandwidth, 1e-12);
    /* The layer norm before QKV writes its T/t x h slice in fp8: 2 + 1 bytes. */
    ck_assert_rel(find_kernel(&c, "input layer norm")->fwd_seconds, 3 * T / t * h / r.hbm_bandwidth, 1e-12);
    scenario_free(&sc);

    h100_layer("{tp: 2, pp: 1, sequence_parallel: false}", "fp8", &sc, &r, &c);
    casts = find_kernel(&c, "fp8 casts and transposes");
    ck_assert_rel(casts->fwd_seconds, (4 * T * h / t + 4 * T * f / t) / r.hbm_bandwidth, 1e-12);
    ck_assert_rel(casts->bwd_seconds,
                  (2 * T * h + 12 * T * h / t + 4 * T * h + 2 * T * h + 4 * T * f / t + 4 * T * h) / r.hbm_bandwidth,
                  1e-12);
    scenario_free(&sc);

    h100_layer("{tp: 2, pp: 1}", "bf16", &sc, &r, &c);
    ck_assert_ptr_null(find_kernel(&c, "fp8 casts and transposes"));
    ck_assert_rel(find_kernel(&c, "input layer norm")->fwd_seconds, 4 * T / t * h / r.hbm_bandwidth, 1e-12);
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
    tcase_add_test(tc, gemm_keeps_the_catalog_rate_at_8192_cubed);
    tcase_add_test(tc, gemm_is_its_mmas_plus_its_traffic);
    tcase_add_test(tc, gemm_shapes_follow_the_h100_sweep);
    tcase_add_test(tc, gemm_rate_falls_with_k_and_m);
    tcase_add_test(tc, fp8_gemms_read_one_byte_operands);
    tcase_add_test(tc, fp8_attention_and_head_stay_at_the_bf16_rate);
    tcase_add_test(tc, fp8_casts_move_what_transformer_engine_moves);
    tcase_add_test(tc, layer_kernels_without_flash_attention);
    tcase_add_test(tc, flash_attention_fuses_the_core);
    tcase_add_test(tc, flash_attention_keeps_hfu_at_or_above_mfu);
    tcase_add_test(tc, selective_recompute_reruns_the_attention_core);
    tcase_add_test(tc, expert_gemms_sized_by_routed_tokens);
    suite_add_tcase(s, tc);
    return s;
}
