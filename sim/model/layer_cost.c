/* layer_cost: the kernels of one transformer layer on one GPU and micro-batch,
 * with their FLOPs and roofline times (see layer_cost.h). Notation as in
 * workload.c and docs/model.md: h hidden, d head size, f FFN hidden, s
 * sequence length, b micro-batch, t TP, T tokens per rank and micro-batch. */
#include "model/layer_cost.h"

#include <math.h>
#include <string.h>

#define ELEMENT 2.0   /* bytes of an fp16/bf16 activation */

typedef struct {
    const scenario*     sc;
    const kernel_rates* rates;
    layer_cost*         cost;
    double              cast_fwd, cast_bwd;   /* bytes of the fp8 casts of the weight GEMMs so far */
} layer_builder;

static layer_kernel* add_kernel(layer_builder* lb, const char* name, kernel_kind kind)
{
    layer_kernel* k = &lb->cost->kernel[lb->cost->count++];
    memset(k, 0, sizeof *k);
    k->name = name;
    k->kind = kind;
    return k;
}

/* Y[m x n] = X[m x k] W[k x n], BATCH times, in the half precision (HALF)
 * or the training one; its backward computes dX = dY W^T (m x k output,
 * inner n) and dW = X^T dY (k x n output, inner m). */
static layer_kernel* add_gemm_in(layer_builder* lb, const char* name, double m, double n, double k, double batch,
                                 int half)
{
    const kernel_rates* r = lb->rates;
    double (*seconds)(const kernel_rates*, double, double, double, double) =
        half ? kernel_half_gemm_seconds : kernel_gemm_seconds;
    layer_kernel* g = add_kernel(lb, name, KERNEL_GEMM);
    g->flops = 2.0 * m * n * k * batch;
    g->fwd_seconds = seconds(r, m, n, k, batch);
    g->bwd_flops = 2.0 * g->flops;
    g->dgrad_seconds = seconds(r, m, k, n, batch);
    g->bwd_seconds = g->dgrad_seconds + seconds(r, k, n, m, batch);
    return g;
}

/* Bytes Transformer Engine's fp8 Linear moves to cast a weight GEMM's bf16
 * input X (m x k) and its incoming gradient dY (m x n) to fp8 and to
 * transpose them for the backward's GEMMs (TE 1.x module/linear.py,
 * layernorm_linear.py, base.py grad_output_preprocess): a fused cast and
 * transpose reads 2 bytes and writes 1 + 1. Under sequence parallelism a
 * tensor that crosses the TP all-gather is cast on this rank's slice (read
 * 2, write 1) and transposed once gathered (read 1, write 1). A GEMM after
 * the all-gather (QKV, fc1) takes its input from the layer norm, which
 * writes it in fp8 itself (LayerNormLinear): only the transpose is left. */
static void add_fp8_casts(layer_builder* lb, const layer_kernel* g, double m, double n, double k, double batch)
{
    const parallel_spec* p = &lb->sc->par;
    int sp = p->sequence_parallel && p->tp > 1;
    double input = m * k * batch, gradient = m * n * batch;
    if (g->tp_side == TP_SIDE_GATHERED) {
        lb->cast_bwd += 2.0 * input;
    } else if (g->tp_side == TP_SIDE_SCATTERED && sp) {
        lb->cast_fwd += 3.0 * input;
        lb->cast_bwd += 2.0 * input;
    } else {
        lb->cast_fwd += 4.0 * input;
    }
    if (g->tp_side == TP_SIDE_SCATTERED && sp)
        lb->cast_bwd += 3.0 * gradient / p->tp + 2.0 * gradient;
    else
        lb->cast_bwd += 4.0 * gradient;
}

/* A weight GEMM (QKV, projection, the MLPs', the experts'), at the training
 * precision, on the side SIDE of the TP collectives; in fp8 with its casts. */
static layer_kernel* add_gemm(layer_builder* lb, const char* name, double m, double n, double k, double batch,
                              tp_side side)
{
    layer_kernel* g = add_gemm_in(lb, name, m, n, k, batch, 0);
    g->tp_side = side;
    if (lb->sc->train.precision == PREC_FP8)
        add_fp8_casts(lb, g, m, n, k, batch);
    return g;
}

/* A GEMM that stays in the half precision under fp8 (attention, router). */
static layer_kernel* add_half_gemm(layer_builder* lb, const char* name, double m, double n, double k, double batch)
{
    return add_gemm_in(lb, name, m, n, k, batch, 1);
}

/* A memory-bound kernel moving FWD bytes forward and BWD bytes backward. */
static void add_memory(layer_builder* lb, const char* name, double fwd, double bwd)
{
    layer_kernel* k = add_kernel(lb, name, KERNEL_MEMORY);
    k->fwd_seconds = kernel_memory_seconds(lb->rates, fwd);
    k->bwd_seconds = kernel_memory_seconds(lb->rates, bwd);
}

/* Layer norm: read and write the activation; backward reads input and
 * gradient and writes the gradient (1.5x). In fp8 training the norm before
 * a column-parallel GEMM (FP8_OUTPUT) writes its output in fp8. */
static void add_layer_norm(layer_builder* lb, const char* name, double elements, int fp8_output)
{
    double written = fp8_output && lb->sc->train.precision == PREC_FP8 ? 1.0 : ELEMENT;
    add_memory(lb, name, (ELEMENT + written) * elements, 6.0 * elements);
}

/* Megatron's fused bias-dropout-add: reads the branch and the residual,
 * writes the sum and a 1-byte mask; backward reads the gradient and the mask
 * and writes the branch gradient. Without dropout, a plain add whose
 * backward passes the gradient through. */
static void add_dropout_residual(layer_builder* lb, const char* name, double elements, int dropout)
{
    if (dropout)
        add_memory(lb, name, 7.0 * elements, 5.0 * elements);
    else
        add_memory(lb, name, 6.0 * elements, 0);
}

/* Attention core, unfused (Megatron-LM before FlashAttention): QK^T, a fused
 * scale-mask-softmax over the b*a'*(s/c)*s scores (read 2 + write 2 bytes,
 * backward 1.5x), attention dropout (5 bytes with the mask), and
 * probabilities x V. Korthikanti et al. 2022 recompute exactly these. */
static void add_attention_standard(layer_builder* lb, double heads, double queries, double keys,
                                   double head_size, int dropout)
{
    double b = lb->sc->par.micro_batch;
    double scores = b * heads * queries * keys;
    int first = lb->cost->count;
    add_half_gemm(lb, "attention scores QK^T", queries, keys, head_size, b * heads);
    add_memory(lb, "softmax", 4.0 * scores, 6.0 * scores);
    if (dropout)
        add_memory(lb, "attention dropout", 5.0 * scores, 5.0 * scores);
    add_half_gemm(lb, "attention x V", queries, head_size, keys, b * heads);
    for (int i = first; i < lb->cost->count; i++)
        lb->cost->kernel[i].attention_core = 1;
}

/* FlashAttention (Dao et al. 2022): one fused kernel that reads Q, K, V and
 * writes O; its backward recomputes the scores, 5 matmuls against the
 * forward's 2 (2.5x the FLOPs) and twice the traffic. Causal, as every
 * model here is a decoder: it skips the score tiles above the diagonal
 * (FlashAttention-2, Dao 2023, Sec. 3.1.1), half of the T x s scores, and
 * its efficiency is measured counting that half (flash-attention's
 * benchmarks/benchmark_flash_attention.py: 4 b s^2 a d / 2 when causal), so
 * its time is half the scores' FLOPs at that efficiency. The FLOPs it
 * counts towards the hardware FLOPs stay the full 4 b s^2 a d of the model
 * FLOPs' convention (Narayanan et al. 2021, Eq. 3; Korthikanti et al. 2022
 * define hardware FLOPs as model FLOPs plus what is recomputed), so that
 * HFU is never below MFU. With context parallelism the 2c load-balanced
 * chunks give every rank the same half (docs/model.md, "Context
 * parallelism"). The unfused core computes every score and masks them. */
static void add_attention_flash(layer_builder* lb, double heads, double kv_heads, double tokens,
                                double keys, double head_size)
{
    double b = lb->sc->par.micro_batch;
    double counted = 4.0 * b * heads * tokens / b * keys * head_size;
    double executed = counted / 2.0;   /* the causal half */
    double bytes = ELEMENT * tokens * head_size * (2.0 * heads + 2.0 * kv_heads);
    layer_kernel* k = add_kernel(lb, "flash attention", KERNEL_FLASH);
    k->flops = counted;
    k->fwd_seconds = kernel_flash_seconds(lb->rates, executed, bytes);
    k->bwd_flops = 2.5 * counted;
    k->bwd_seconds = kernel_flash_seconds(lb->rates, 2.5 * executed, 2.0 * bytes);
    k->attention_core = 1;
}

/* The kernel names of a dense MLP: a dense layer's, or an MoE layer's shared experts'. */
typedef struct {
    const char *fc1, *gelu, *swiglu, *fc2;
} mlp_names;

static const mlp_names dense_mlp_names = {
    .fc1 = "fc1",
    .gelu = "gelu",
    .swiglu = "swiglu",
    .fc2 = "fc2",
};
static const mlp_names shared_expert_names = {
    .fc1 = "shared expert fc1",
    .gelu = "shared expert gelu",
    .swiglu = "shared expert swiglu",
    .fc2 = "shared expert fc2",
};

/* A dense MLP over every token: fc1, the activation, fc2 (SwiGLU: gate and up
 * projections fused in fc1, the product of SiLU(gate) and up in between). */
static void add_dense_mlp(layer_builder* lb, const mlp_names* names, double tokens, double h, double f)
{
    int swiglu = lb->sc->model.ffn == FFN_SWIGLU, dense = names == &dense_mlp_names;
    add_gemm(lb, names->fc1, tokens, swiglu ? 2.0 * f : f, h, 1, dense ? TP_SIDE_GATHERED : TP_SIDE_NONE);
    if (swiglu)
        add_memory(lb, names->swiglu, 6.0 * tokens * f, 10.0 * tokens * f);
    else
        add_memory(lb, names->gelu, 4.0 * tokens * f, 6.0 * tokens * f);
    add_gemm(lb, names->fc2, tokens, h, f, 1, dense ? TP_SIDE_SCATTERED : TP_SIDE_NONE);
}

/* Transformer Engine's GroupedLinear (Megatron-Core's TEGroupedMLP, the
 * grouped GEMM of --moe-grouped-gemm) runs one cuBLAS GEMM per local expert,
 * cycling over this many CUDA streams (nvte_multi_stream_cublas_gemm,
 * transformer_engine/common/gemm/cublaslt_gemm.cu; num_streams = 4 in
 * transformer_engine/gemm.h, TE 1.11 to 2.x): at most 4 experts' GEMMs
 * share the SMs at a time. */
#define GROUPED_GEMM_STREAMS 4

/* GROUPS GEMMs of m x k by k x n on the streams: each round of up to
 * GROUPED_GEMM_STREAMS shares its waves, the rounds run one after the
 * other. */
static double grouped_seconds(const kernel_rates* r, double m, double n, double k, double groups)
{
    double rounds = floor(groups / GROUPED_GEMM_STREAMS), rest = groups - rounds * GROUPED_GEMM_STREAMS;
    return rounds * kernel_gemm_seconds(r, m, n, k, GROUPED_GEMM_STREAMS) + kernel_gemm_seconds(r, m, n, k, rest);
}

/* The local experts' GEMM Y = X W for each of GROUPS experts, m slots each
 * (forward, and dgrad and wgrad backward, each a grouped GEMM). */
static void add_grouped_gemm(layer_builder* lb, const char* name, double m, double n, double k, double groups)
{
    const kernel_rates* r = lb->rates;
    layer_kernel* g = add_gemm(lb, name, m, n, k, groups, TP_SIDE_NONE);
    g->fwd_seconds = grouped_seconds(r, m, n, k, groups);
    g->dgrad_seconds = grouped_seconds(r, m, k, n, groups);
    g->bwd_seconds = g->dgrad_seconds + grouped_seconds(r, k, n, m, groups);
}

/* The memory-bound passes that move tokens into expert order and back
 * (Transformer Engine's fused moe_permute / moe_unpermute under
 * --moe-permute-fusion: a permutation reads each source row once and writes
 * its slots; an unpermutation reads the slots and writes each token's
 * weighted sum; the backward of each moves the same rows the other way),
 * by dispatcher (token_dispatcher.py):
 *   alltoall: the N held tokens into R slots before the all-to-all, and
 *     back after it; with more than one local expert, the u R received slots
 *     sorted by local expert and back (sort_chunks_by_idxs: read and write);
 *   allgather: the gathered tokens with a local expert into the u R slots,
 *     and the slots back into all G N gathered rows;
 *   flex: the tokens DeepEP delivered into the slots and back (DeepEP reads
 *     the held tokens itself). */
typedef struct {
    double into, back;   /* rows a permutation reads and writes: into expert order, and back */
    double sorted;       /* bytes of the all-to-all dispatcher's sort by local expert (and of the unsort) */
} permutation_rows;

static permutation_rows permutations_of(const moe_slots* m, const moe_dispatch* d, double h)
{
    permutation_rows p;
    int alltoall = d->kind == DISPATCH_ALLTOALL;
    p.into = alltoall ? m->held + m->routed : d->received + m->gathered;
    p.back = alltoall ? m->routed + m->held : m->gathered + d->unpermuted;
    p.sorted = alltoall && m->local_experts > 1 ? 4.0 * m->gathered * h : 0;
    return p;
}

static void add_permutation_into_experts(layer_builder* lb, const permutation_rows* p, double h)
{
    add_memory(lb, "token permutation", 2.0 * p->into * h, 2.0 * p->into * h);
    if (p->sorted > 0)
        add_memory(lb, "sort by local expert", p->sorted, p->sorted);
}

static void add_permutation_back(layer_builder* lb, const permutation_rows* p, double h)
{
    if (p->sorted > 0)
        add_memory(lb, "unsort by local expert", p->sorted, p->sorted);
    add_memory(lb, "token unpermutation", 2.0 * p->back * h, 2.0 * p->back * h);
}

/* An MoE MLP (Fedus et al. 2021; Megatron-Core's MoE layer): the router
 * GEMM and its softmax in fp32 over the tokens the GPU holds, the
 * dispatcher's permutations (permutations_of), and the local experts'
 * grouped GEMMs over their slots, expert_ffn_hidden / etp wide
 * (layer_moe_slots). The dispatcher's exchanges and gathers are network
 * transfers, simulated by the iteration (model/moe_dispatch.h). Shared
 * experts (DeepSeekMoE, Dai et al. 2024, Sec. 3.2) see every token:
 * Megatron-Core runs them as one dense MLP, shared_experts x
 * expert_ffn_hidden wide and split by TP like the dense layers'
 * (moe_shared_expert_intermediate_size, SharedExpertMLP), with the dense
 * MLP's TP all-gather and reduce-scatter. */
static void add_moe_mlp(layer_builder* lb, double tokens, double h)
{
    const moe_spec* moe = &lb->sc->model.moe;
    int swiglu = lb->sc->model.ffn == FFN_SWIGLU;
    moe_slots m;
    moe_dispatch d;
    layer_moe_slots(lb->sc, &m);
    moe_dispatch_of(lb->sc, &d);
    permutation_rows rows = permutations_of(&m, &d, h);
    double f = m.width;
    add_half_gemm(lb, "router", m.held, moe->experts, h, 1);
    add_memory(lb, "router softmax and top-k", 8.0 * m.held * moe->experts, 8.0 * m.held * moe->experts);
    add_permutation_into_experts(lb, &rows, h);
    add_grouped_gemm(lb, "expert fc1", m.per_expert, swiglu ? 2.0 * f : f, h, m.local_experts);
    if (swiglu)
        add_memory(lb, "expert swiglu", 6.0 * m.gathered * f, 10.0 * m.gathered * f);
    else
        add_memory(lb, "expert gelu", 4.0 * m.gathered * f, 6.0 * m.gathered * f);
    add_grouped_gemm(lb, "expert fc2", m.per_expert, h, f, m.local_experts);
    add_permutation_back(lb, &rows, h);
    if (moe->shared_experts > 0)
        add_dense_mlp(lb, &shared_expert_names, tokens, h,
                      (double)moe->shared_experts * moe->expert_ffn_hidden / lb->sc->par.tp);
}

void layer_cost_build(const scenario* sc, const kernel_rates* rates, int moe, layer_cost* out)
{
    const model_spec* m = &sc->model;
    const parallel_spec* p = &sc->par;
    memset(out, 0, sizeof *out);
    layer_builder lb = {sc, rates, out, 0, 0};
    double h = m->hidden, d = m->head_dim;
    double tokens = (double)p->micro_batch * m->seq_len / p->cp;
    double norm_tokens = p->sequence_parallel ? tokens / p->tp : tokens;
    double heads = (double)m->heads / p->tp;
    double kv_heads = fmax(1.0, (double)m->kv_heads / p->tp);
    double f = (double)m->ffn_hidden / p->tp;
    int dropout = m->dropout > 0;
    int flash = p->flash_attention;

    add_layer_norm(&lb, "input layer norm", norm_tokens * h, 1);
    add_gemm(&lb, "QKV projection", tokens, (heads + 2.0 * kv_heads) * d, h, 1, TP_SIDE_GATHERED);
    if (flash)
        add_attention_flash(&lb, heads, kv_heads, tokens, m->seq_len, d);
    else
        add_attention_standard(&lb, heads, tokens / p->micro_batch, m->seq_len, d, dropout);
    add_gemm(&lb, "attention output projection", tokens, h, heads * d, 1, TP_SIDE_SCATTERED);
    add_dropout_residual(&lb, "dropout and residual (attention)", norm_tokens * h, dropout);
    add_layer_norm(&lb, "post-attention layer norm", norm_tokens * h, !moe);
    /* TP collectives: the attention's, and the dense MLP's or, in an MoE
     * layer, the shared experts' (the routed experts' are the dispatcher's). */
    out->tp_allreduces = 2;
    if (moe) {
        add_moe_mlp(&lb, tokens, h);
        out->tp_allreduces = 1 + (m->moe.shared_experts > 0);
    } else {
        add_dense_mlp(&lb, &dense_mlp_names, tokens, h, f);
    }
    add_dropout_residual(&lb, "dropout and residual (MLP)", norm_tokens * h, dropout);
    if (lb.cast_fwd + lb.cast_bwd > 0)
        add_memory(&lb, "fp8 casts and transposes", lb.cast_fwd, lb.cast_bwd);

    for (int i = 0; i < out->count; i++) {
        const layer_kernel* k = &out->kernel[i];
        out->fwd_seconds += k->fwd_seconds;
        out->bwd_seconds += k->bwd_seconds;
        out->fwd_flops += k->flops;
        out->bwd_flops += k->bwd_flops;
        if (k->attention_core) {
            out->core_seconds += k->fwd_seconds;
            out->core_flops += k->flops;
            out->core_bwd_seconds += k->bwd_seconds;
        }
    }
}
