/* workload: kernels, FLOPs and bytes of a training step (see workload.h).
 * Notation follows docs/model.md: h hidden, a heads, k KV heads, d = h/a head
 * size, f FFN hidden, V vocabulary, s sequence length, b micro-batch, t TP,
 * c CP, E experts, K top-k, T = b*s/c tokens per rank and micro-batch.
 * FLOPs count a multiply-add as 2; tensors are 2-byte fp16/bf16 unless said. */
#include "model/workload.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ELEMENT 2.0   /* bytes of an fp16/bf16 activation */

/* ---- model FLOPs ------------------------------------------------------- */

/* The first first_dense layers are dense (DeepSeek-V3's first_k_dense_replace);
 * after them every N-th layer, counting from 1, is MoE. */
int workload_is_moe_layer(const scenario* sc, int layer)
{
    const moe_spec* moe = &sc->model.moe;
    return moe->enabled && layer >= moe->first_dense && (layer - moe->first_dense + 1) % moe->every == 0;
}

/* The attention width a*d (h unless model.head_dim says otherwise) and the
 * K and V width k*d. */
static double attention_width(const model_spec* m)
{
    return (double)m->heads * m->head_dim;
}

static double kv_width(const model_spec* m)
{
    return (double)m->kv_heads * m->head_dim;
}

/* Narayanan et al. 2021, Eq. 3 (and PaLM, Chowdhery et al. 2022, App. B) count
 * 4*s*h attention-core FLOPs per token per layer: QK^T and attention x V,
 * without halving for the causal mask. With a head_dim d, the core's
 * matmuls are a*d wide (4*s*a*d), Q and the output projection a*d by h
 * (Megatron-LM's kv_channels: query_projection_size = kv_channels * heads). */
layer_flops workload_layer_flops(const scenario* sc, int layer)
{
    const model_spec* m = &sc->model;
    double h = m->hidden, s = m->seq_len, f = m->ffn_hidden, width = attention_width(m);
    double gemms = m->ffn == FFN_SWIGLU ? 3.0 : 2.0;
    layer_flops out = {
        .qkv = 2.0 * h * (width + 2.0 * kv_width(m)),
        .attention_core = 4.0 * s * width,
        .projection = 2.0 * width * h,
        .mlp = gemms * 2.0 * h * f,
    };
    if (workload_is_moe_layer(sc, layer)) {
        /* each token visits top_k routed and every shared expert, each an
         * MLP of expert_ffn_hidden width */
        out.mlp = gemms * 2.0 * h * m->moe.expert_ffn_hidden * (m->moe.top_k + m->moe.shared_experts);
        out.router = 2.0 * h * m->moe.experts;        /* gating logits */
    }
    return out;
}

double layer_flops_total(layer_flops f)
{
    return f.qkv + f.attention_core + f.projection + f.mlp + f.router;
}

/* Whether SC states the layers of COUNT virtual stages (the checks have made
 * sure that its parallelism.stage_layers has pp x virtual_stages entries). */
static int split_given(const scenario* sc, int count)
{
    return sc->par.stage_layer_count > 0 && sc->par.stage_layer_count == count;
}

/* Layers of virtual stage STAGE of COUNT: as stated, or the even split. */
static int layers_of_stage(const scenario* sc, int stage, int count)
{
    if (split_given(sc, count))
        return sc->par.stage_layers[stage];
    int total = sc->model.layers;
    return total / count + (stage < total % count ? 1 : 0);
}

int workload_split_differs_from_even(const scenario* sc)
{
    const parallel_spec* p = &sc->par;
    int count = p->pp * p->virtual_stages;
    if (!split_given(sc, count))
        return 0;
    scenario even = *sc;
    even.par.stage_layer_count = 0;
    for (int i = 0; i < count; i++)
        if (p->stage_layers[i] != layers_of_stage(&even, i, count))
            return 1;
    return 0;
}

void workload_stage_layers(const scenario* sc, int stage, int count, int* first, int* layers)
{
    *layers = layers_of_stage(sc, stage, count);
    if (split_given(sc, count)) {
        *first = 0;
        for (int i = 0; i < stage; i++)
            *first += sc->par.stage_layers[i];
        return;
    }
    int total = sc->model.layers;
    int base = total / count, extra = total % count;
    *first = stage * base + (stage < extra ? stage : extra);
}

/* ---- the kernels of a layer -------------------------------------------- */

typedef struct {
    const scenario*     sc;
    const kernel_rates* rates;
    layer_cost*         cost;
} layer_builder;

static layer_kernel* add_kernel(layer_builder* lb, const char* name, kernel_kind kind)
{
    layer_kernel* k = &lb->cost->kernel[lb->cost->count++];
    memset(k, 0, sizeof *k);
    k->name = name;
    k->kind = kind;
    return k;
}

/* Y[m x n] = X[m x k] W[k x n], BATCH times; its backward computes
 * dX = dY W^T (m x k output, inner n) and dW = X^T dY (k x n output, inner m). */
static layer_kernel* add_gemm(layer_builder* lb, const char* name, double m, double n, double k, double batch)
{
    const kernel_rates* r = lb->rates;
    layer_kernel* g = add_kernel(lb, name, KERNEL_GEMM);
    g->flops = 2.0 * m * n * k * batch;
    g->fwd_seconds = kernel_gemm_seconds(r, m, n, k, batch);
    g->bwd_flops = 2.0 * g->flops;
    g->dgrad_seconds = kernel_gemm_seconds(r, m, k, n, batch);
    g->bwd_seconds = g->dgrad_seconds + kernel_gemm_seconds(r, k, n, m, batch);
    return g;
}

/* A memory-bound kernel moving FWD bytes forward and BWD bytes backward. */
static void add_memory(layer_builder* lb, const char* name, double fwd, double bwd)
{
    layer_kernel* k = add_kernel(lb, name, KERNEL_MEMORY);
    k->fwd_seconds = kernel_memory_seconds(lb->rates, fwd);
    k->bwd_seconds = kernel_memory_seconds(lb->rates, bwd);
}

/* Layer norm: read and write the activation; backward reads input and
 * gradient and writes the gradient (1.5x). */
static void add_layer_norm(layer_builder* lb, const char* name, double elements)
{
    add_memory(lb, name, 4.0 * elements, 6.0 * elements);
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
    add_gemm(lb, "attention scores QK^T", queries, keys, head_size, b * heads);
    add_memory(lb, "softmax", 4.0 * scores, 6.0 * scores);
    if (dropout)
        add_memory(lb, "attention dropout", 5.0 * scores, 5.0 * scores);
    add_gemm(lb, "attention x V", queries, head_size, keys, b * heads);
    for (int i = first; i < lb->cost->count; i++)
        lb->cost->kernel[i].attention_core = 1;
}

/* FlashAttention (Dao et al. 2022): one fused kernel that reads Q, K, V and
 * writes O; its backward recomputes the scores, 5 matmuls against the
 * forward's 2 (2.5x the FLOPs) and twice the traffic. */
static void add_attention_flash(layer_builder* lb, double heads, double kv_heads, double tokens,
                                double keys, double head_size)
{
    double b = lb->sc->par.micro_batch;
    double flops = 4.0 * b * heads * tokens / b * keys * head_size;
    double bytes = ELEMENT * tokens * head_size * (2.0 * heads + 2.0 * kv_heads);
    layer_kernel* k = add_kernel(lb, "flash attention", KERNEL_FLASH);
    k->flops = flops;
    k->fwd_seconds = kernel_flash_seconds(lb->rates, flops, bytes);
    k->bwd_flops = 2.5 * flops;
    k->bwd_seconds = kernel_flash_seconds(lb->rates, 2.5 * flops, 2.0 * bytes);
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
    add_gemm(lb, names->fc1, tokens, swiglu ? 2.0 * f : f, h, 1)->tp_side = dense ? TP_SIDE_GATHERED : TP_SIDE_NONE;
    if (swiglu)
        add_memory(lb, names->swiglu, 6.0 * tokens * f, 10.0 * tokens * f);
    else
        add_memory(lb, names->gelu, 4.0 * tokens * f, 6.0 * tokens * f);
    add_gemm(lb, names->fc2, tokens, h, f, 1)->tp_side = dense ? TP_SIDE_SCATTERED : TP_SIDE_NONE;
}

/* An MoE MLP (Fedus et al. 2021; Megatron-LM's token dispatcher): the router
 * GEMM and its softmax in fp32, the permutation of the routed tokens into
 * per-expert buffers and back, and the local experts' GEMMs, sized by the
 * tokens each receives: capacity_factor x top_k x tokens x ep / experts from
 * the ranks of its expert-parallel group. The all-to-alls are network
 * transfers, simulated by the iteration. Shared experts (DeepSeekMoE, Dai et
 * al. 2024, Sec. 3.2) see every token: Megatron-Core runs them as one dense
 * MLP, shared_experts x expert_ffn_hidden wide and split by TP like the
 * dense layers' (moe_shared_expert_intermediate_size, SharedExpertMLP); its
 * own TP reduction is not simulated (run/run.c lists it). */
static void add_moe_mlp(layer_builder* lb, double tokens, double h, double f)
{
    const moe_spec* moe = &lb->sc->model.moe;
    int ep = lb->sc->par.ep, swiglu = lb->sc->model.ffn == FFN_SWIGLU;
    double routed = tokens * moe->top_k * moe->capacity_factor;   /* token slots per rank */
    double local_experts = (double)moe->experts / ep;
    double per_expert = routed * ep / moe->experts;
    add_gemm(lb, "router", tokens, moe->experts, h, 1);
    add_memory(lb, "router softmax and top-k", 8.0 * tokens * moe->experts, 8.0 * tokens * moe->experts);
    add_memory(lb, "token permutation", 4.0 * routed * h, 4.0 * routed * h);
    add_gemm(lb, "expert fc1", per_expert, swiglu ? 2.0 * f : f, h, local_experts);
    if (swiglu)
        add_memory(lb, "expert swiglu", 6.0 * routed * f, 10.0 * routed * f);
    else
        add_memory(lb, "expert gelu", 4.0 * routed * f, 6.0 * routed * f);
    add_gemm(lb, "expert fc2", per_expert, h, f, local_experts);
    add_memory(lb, "token unpermutation", 4.0 * routed * h, 4.0 * routed * h);
    if (moe->shared_experts > 0)
        add_dense_mlp(lb, &shared_expert_names, tokens, h, moe->shared_experts * f);
}

void workload_layer_cost(const scenario* sc, const kernel_rates* rates, int moe, layer_cost* out)
{
    const model_spec* m = &sc->model;
    const parallel_spec* p = &sc->par;
    memset(out, 0, sizeof *out);
    layer_builder lb = {sc, rates, out};
    double h = m->hidden, d = m->head_dim;
    double tokens = (double)p->micro_batch * m->seq_len / p->cp;
    double norm_tokens = p->sequence_parallel ? tokens / p->tp : tokens;
    double heads = (double)m->heads / p->tp;
    double kv_heads = fmax(1.0, (double)m->kv_heads / p->tp);
    double f = (double)(moe ? m->moe.expert_ffn_hidden : m->ffn_hidden) / p->tp;
    int dropout = m->dropout > 0;
    int flash = p->flash_attention;

    add_layer_norm(&lb, "input layer norm", norm_tokens * h);
    add_gemm(&lb, "QKV projection", tokens, (heads + 2.0 * kv_heads) * d, h, 1)->tp_side = TP_SIDE_GATHERED;
    if (flash)
        add_attention_flash(&lb, heads, kv_heads, tokens, m->seq_len, d);
    else
        add_attention_standard(&lb, heads, tokens / p->micro_batch, m->seq_len, d, dropout);
    add_gemm(&lb, "attention output projection", tokens, h, heads * d, 1)->tp_side = TP_SIDE_SCATTERED;
    add_dropout_residual(&lb, "dropout and residual (attention)", norm_tokens * h, dropout);
    add_layer_norm(&lb, "post-attention layer norm", norm_tokens * h);
    if (moe)
        add_moe_mlp(&lb, tokens, h, f);
    else
        add_dense_mlp(&lb, &dense_mlp_names, tokens, h, f);
    add_dropout_residual(&lb, "dropout and residual (MLP)", norm_tokens * h, dropout);

    for (int i = 0; i < out->count; i++) {
        const layer_kernel* k = &out->kernel[i];
        out->fwd_seconds += k->fwd_seconds;
        out->bwd_seconds += k->bwd_seconds;
        out->fwd_flops += k->flops;
        out->bwd_flops += k->bwd_flops;
        if (k->attention_core) {
            out->core_seconds += k->fwd_seconds;
            out->core_flops += k->flops;
        }
    }
}

/* ---- parameters ---------------------------------------------------------- */

/* Parameters of one layer: attention, layer norms, and either the dense MLP
 * or, for MoE, one routed expert (returned apart) plus the router and the
 * shared experts, which are replicated like dense weights. Biases of the
 * linear layers are left out. */
static void layer_params(const scenario* sc, int layer, double* dense, double* expert_each)
{
    const model_spec* m = &sc->model;
    double h = m->hidden, width = attention_width(m);
    double attention = h * (width + 2.0 * kv_width(m)) + width * h;
    double norms = 4.0 * h;
    double gemms = m->ffn == FFN_SWIGLU ? 3.0 : 2.0;
    if (workload_is_moe_layer(sc, layer)) {
        double expert = gemms * h * m->moe.expert_ffn_hidden;
        *dense = attention + norms + h * m->moe.experts + m->moe.shared_experts * expert;
        *expert_each = expert;
    } else {
        *dense = attention + norms + gemms * h * m->ffn_hidden;
        *expert_each = 0;
    }
}

/* Vocabulary x hidden tables of the model: the input embedding, and the LM
 * head's own weight unless it is tied to the embedding (Press and Wolf 2017;
 * Megatron-LM's share_embeddings_and_output_weights). A tied model's copy on
 * the last pipeline stage is the same parameter, not counted again. */
static double vocab_tables(const model_spec* m)
{
    return m->tie_embeddings ? 1.0 : 2.0;
}

static void count_parameters(const scenario* sc, workload* w)
{
    const model_spec* m = &sc->model;
    double total = vocab_tables(m) * m->vocab * m->hidden, active = total;
    for (int l = 0; l < m->layers; l++) {
        double dense, expert_each;
        layer_params(sc, l, &dense, &expert_each);
        total += dense + expert_each * (m->moe.enabled ? m->moe.experts : 0);
        active += dense + expert_each * (workload_is_moe_layer(sc, l) ? m->moe.top_k : 0);
    }
    w->params_total = total;
    w->params_active = active;
}

/* Model FLOPs of the training step per token: 3x the forward pass (backward
 * is twice the forward), over all layers plus the LM head 2*h*V. */
static double model_flops_per_token(const scenario* sc)
{
    double forward = 2.0 * sc->model.hidden * sc->model.vocab;
    for (int l = 0; l < sc->model.layers; l++)
        forward += layer_flops_total(workload_layer_flops(sc, l));
    return 3.0 * forward;
}

/* training.grad_precision, or by default fp32 gradients when training in
 * bf16 or fp8 and fp16 when training in fp16: Megatron-LM's default
 * (accumulate_allreduce_grads_in_fp32 is forced on with --bf16). */
static double grad_element_bytes(const scenario* sc)
{
    switch (sc->train.grad_precision) {
    case GRAD_FP32: return 4.0;
    case GRAD_BF16:
    case GRAD_FP16: return 2.0;
    default:        return sc->train.precision == PREC_FP16 ? 2.0 : 4.0;
    }
}

/* ---- stages ------------------------------------------------------------ */

/* TP collectives per micro-batch (Shoeybi et al. 2019, Sec. 3; Korthikanti et
 * al. 2022, Sec. 4.2.2): two all-reduces per layer in the forward pass and two
 * in the backward pass; with sequence parallelism each becomes an all-gather
 * plus a reduce-scatter, the same ring traffic. Full recompute repeats the
 * forward ones in the backward pass. The vocabulary-parallel embedding adds
 * one forward all-reduce on the first stage, the LM head's input gradient one
 * backward all-reduce on the last. */
static void tp_collectives(const scenario* sc, stage_work* st)
{
    if (sc->par.tp == 1)
        return;
    st->tp_fwd_allreduces = 2 * st->layers + (st->has_embedding ? 1 : 0);
    st->tp_bwd_allreduces = 2 * st->layers + (st->has_head ? 1 : 0);
    if (sc->par.recompute == RECOMPUTE_FULL)
        st->tp_bwd_allreduces += 2 * st->layers;
}

/* Dispatch and combine all-to-all per MoE layer, forward and backward;
 * recomputed with the forward under full recompute. */
static void ep_collectives(const scenario* sc, stage_work* st)
{
    if (sc->par.ep == 1)
        return;
    st->ep_fwd_alltoalls = 2 * st->moe_layers;
    st->ep_bwd_alltoalls = 2 * st->moe_layers * (sc->par.recompute == RECOMPUTE_FULL ? 2 : 1);
}

/* The embedding lookup (word and position, with dropout) on the first stage:
 * reads rows and writes the activation; backward scatter-adds into an fp32
 * gradient table. */
static void embedding_cost(const scenario* sc, const workload* w, double tokens, double* fwd, double* bwd)
{
    double elements = tokens * sc->model.hidden;
    double bytes = (10.0 + (sc->model.dropout > 0 ? 5.0 : 0)) * elements;
    *fwd = kernel_memory_seconds(&w->rates, bytes);
    *bwd = kernel_memory_seconds(&w->rates, 10.0 * elements);
}

/* The final layer norm, the vocabulary-parallel LM head GEMM and the
 * cross-entropy over the T x V/t logits in fp32 (forward: read fp16 logits,
 * write and re-read fp32 exponentials, 10 bytes per logit; backward: read the
 * probabilities, write fp16 gradients, 6 bytes). */
static void head_cost(const scenario* sc, const workload* w, double tokens, double* fwd, double* bwd)
{
    const parallel_spec* p = &sc->par;
    double h = sc->model.hidden, vocab = (double)sc->model.vocab / p->tp;
    double norm = (p->sequence_parallel ? tokens / p->tp : tokens) * h;
    const kernel_rates* r = &w->rates;
    *fwd = kernel_memory_seconds(r, 4.0 * norm) + kernel_gemm_seconds(r, tokens, vocab, h, 1)
         + kernel_memory_seconds(r, 10.0 * tokens * vocab);
    *bwd = kernel_memory_seconds(r, 6.0 * norm) + kernel_gemm_seconds(r, tokens, h, vocab, 1)
         + kernel_gemm_seconds(r, h, vocab, tokens, 1) + kernel_memory_seconds(r, 6.0 * tokens * vocab);
}

/* Seconds and FLOPs recomputed per layer: the whole forward (full) or the
 * attention core (selective, Korthikanti et al. 2022, Sec. 4.2). FlashAttention
 * already recomputes its scores in its backward kernel. */
static void recompute_cost(const scenario* sc, const layer_cost* layer, double* seconds, double* flops)
{
    *seconds = *flops = 0;
    if (sc->par.recompute == RECOMPUTE_FULL) {
        *seconds = layer->fwd_seconds;
        *flops = layer->fwd_flops;
    } else if (sc->par.recompute == RECOMPUTE_SELECTIVE && !sc->par.flash_attention) {
        *seconds = layer->core_seconds;
        *flops = layer->core_flops;
    }
}

/* Vocabulary tables a stage holds, each split over the vocabulary by TP: the
 * input embedding on the first stage, the LM head's weight on the last.
 * Untied, these are two parameters. Tied, with the two ends on different
 * pipeline ranks the last stage holds a copy of the embedding whose gradients
 * Megatron-LM all-reduces with the first stage's
 * (megatron/core/distributed/finalize_model_grads.py,
 * _allreduce_word_embedding_grads), so it has weights, gradients and
 * optimizer state of its own; a stage that holds both ends (pp = 1) has
 * one table, which the head reads (its output layer allocates no weight). */
static double stage_vocab_tables(const scenario* sc, const stage_work* st)
{
    int head_shares_table = sc->model.tie_embeddings && st->has_embedding;
    return st->has_embedding + (st->has_head && !head_shares_table);
}

/* Virtual stage INDEX starts where the one before it ends (one pass over the
 * stages, however many they are). */
static void build_stage(const scenario* sc, const workload* w, int index, stage_work* st)
{
    const model_spec* m = &sc->model;
    const parallel_spec* p = &sc->par;
    double tokens = (double)p->micro_batch * m->seq_len / p->cp;   /* per rank per micro-batch */
    double dense = 0, experts = 0;

    st->first_layer = index == 0 ? 0 : w->stage[index - 1].first_layer + w->stage[index - 1].layers;
    st->layers = layers_of_stage(sc, index, w->stages);
    st->has_embedding = index == 0;
    st->has_head = index == w->stages - 1;
    for (int l = st->first_layer; l < st->first_layer + st->layers; l++) {
        int moe = workload_is_moe_layer(sc, l);
        const layer_cost* layer = moe ? &w->moe_layer : &w->dense_layer;
        double again_seconds, again_flops, layer_dense, expert_each;
        recompute_cost(sc, layer, &again_seconds, &again_flops);
        st->fwd_model_flops += tokens * layer_flops_total(workload_layer_flops(sc, l)) / p->tp;
        st->fwd_flops += layer->fwd_flops;
        st->bwd_flops += layer->bwd_flops + again_flops;
        st->fwd_seconds += layer->fwd_seconds;
        st->bwd_seconds += layer->bwd_seconds + again_seconds;
        st->recompute_seconds += again_seconds;
        st->moe_layers += moe;
        layer_params(sc, l, &layer_dense, &expert_each);
        dense += layer_dense;
        experts += expert_each * (m->moe.enabled ? (double)m->moe.experts / p->ep : 0);
    }
    double head = 2.0 * m->hidden * m->vocab;
    if (st->has_head) {
        double fwd, bwd;
        head_cost(sc, w, tokens, &fwd, &bwd);
        st->fwd_model_flops += tokens * head / p->tp;
        st->fwd_flops += tokens * head / p->tp;
        st->bwd_flops += 2.0 * tokens * head / p->tp;
        st->fwd_seconds += fwd;
        st->bwd_seconds += bwd;
    }
    if (st->has_embedding) {
        double fwd, bwd;
        embedding_cost(sc, w, tokens, &fwd, &bwd);
        st->fwd_seconds += fwd;
        st->bwd_seconds += bwd;
    }
    dense += stage_vocab_tables(sc, st) * (double)m->vocab * m->hidden;
    st->dense_params = dense / p->tp;
    st->expert_params = experts / p->tp;
    tp_collectives(sc, st);
    ep_collectives(sc, st);
}

/* The optimizer step, memory-bound (Adam with fp32 master weights): per
 * parameter of its shard it reads master weights, momentum, variance and the
 * gradient and writes the first three and the half-precision weights
 * (26 + G bytes), and the gradient-norm clip reads the gradients once more
 * (G). ZeRO stage >= 1 shards it over the data-parallel group. */
static void build_rank(const scenario* sc, const workload* w, int rank, rank_work* rw)
{
    for (int c = 0; c < w->chunks; c++) {
        const stage_work* st = workload_chunk(w, rank, c);
        rw->dense_params += st->dense_params;
        rw->expert_params += st->expert_params;
    }
    int sharded = sc->par.zero >= 1;
    double shard = rw->dense_params / (sharded ? sc->par.dp : 1)
                 + rw->expert_params / (sharded ? (double)sc->par.dp / sc->par.ep : 1);
    rw->optimizer_seconds = kernel_memory_seconds(&w->rates, (26.0 + 2.0 * w->grad_element_bytes) * shard);
}

/* Hardware FLOPs per token: what every stage executes per micro-batch,
 * recompute and capacity padding included, over the tokens of a micro-batch. */
static double hardware_flops_per_token(const scenario* sc, const workload* w)
{
    double per_micro_batch = 0;
    for (int i = 0; i < w->stages; i++)
        per_micro_batch += (w->stage[i].fwd_flops + w->stage[i].bwd_flops) * sc->par.tp;
    double tokens = (double)sc->par.micro_batch * sc->model.seq_len / sc->par.cp;
    return per_micro_batch / tokens;
}

const stage_work* workload_chunk(const workload* w, int rank, int chunk)
{
    return &w->stage[chunk * w->pp + rank];
}

int workload_build(const scenario* sc, workload* w)
{
    memset(w, 0, sizeof *w);
    const parallel_spec* p = &sc->par;
    const model_spec* m = &sc->model;
    kernel_rates_of(&sc->gpu, sc->train.precision, &w->rates);
    w->peak_flops = w->rates.peak_flops;
    w->grad_element_bytes = grad_element_bytes(sc);
    w->tokens_per_step = (double)sc->train.global_batch * m->seq_len;
    w->model_flops_per_token = model_flops_per_token(sc);
    count_parameters(sc, w);
    workload_layer_cost(sc, &w->rates, 0, &w->dense_layer);
    if (m->moe.enabled)
        workload_layer_cost(sc, &w->rates, 1, &w->moe_layer);

    double tokens = (double)p->micro_batch * m->seq_len / p->cp;
    w->tp_message_bytes = tokens * m->hidden * ELEMENT;
    /* Each TP rank sends its 1/t share of the stage output: a sequence shard
     * with sequence parallelism, Megatron's scatter-gather split without it
     * (Narayanan et al. 2021, Sec. 4.1). */
    w->pp_message_bytes = w->tp_message_bytes / p->tp;
    if (m->moe.enabled)
        w->ep_pair_bytes = tokens * m->moe.top_k * m->moe.capacity_factor * m->hidden * ELEMENT / p->ep;

    w->pp = p->pp;
    w->chunks = p->virtual_stages;
    w->stages = p->pp * p->virtual_stages;
    w->stage = xcalloc((size_t)w->stages, sizeof *w->stage);
    for (int i = 0; i < w->stages; i++)
        build_stage(sc, w, i, &w->stage[i]);
    w->rank = xcalloc((size_t)w->pp, sizeof *w->rank);
    for (int s = 0; s < w->pp; s++)
        build_rank(sc, w, s, &w->rank[s]);
    w->hardware_flops_per_token = hardware_flops_per_token(sc, w);
    return 0;
}

void workload_free(workload* w)
{
    free(w->stage);
    free(w->rank);
    memset(w, 0, sizeof *w);
}
