/* workload: kernels, FLOPs and bytes of a training step (see workload.h).
 * Notation follows docs/model.md: h hidden, a heads, k KV heads, d = h/a head
 * size, f FFN hidden, V vocabulary, s sequence length, b micro-batch, t TP,
 * c CP, E experts, K top-k, T = b*s/c tokens per rank and micro-batch.
 * FLOPs count a multiply-add as 2; tensors are 2-byte fp16/bf16 unless said. */
#include "model/workload.h"

#include "model/gpu_speed.h"

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
         * MLP of expert_ffn_hidden width; a capacity below 1 drops the
         * slots past it (Fedus et al. 2021, Sec. 2.2: a dropped token skips
         * the expert through the residual), so the model computes
         * min(1, capacity_factor) x top_k routed experts a token */
        double routed = m->moe.top_k * fmin(1.0, m->moe.capacity_factor);
        out.mlp = gemms * 2.0 * h * m->moe.expert_ffn_hidden * (routed + m->moe.shared_experts);
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

/* training.optimizer_precision: Adam's two moments in fp32 (4 + 4 bytes) or
 * bf16 (2 + 2), and a master copy of the weights in the optimizer's element
 * unless the weights already are in it (bf16 weights, also under fp8 unless
 * the weights themselves are fp8): Megatron-Core's distributed optimizer
 * keeps fp32 master weights (12 bytes, Rajbhandari et al. 2020, K = 12);
 * Apex's DistributedFusedAdam, which NeMo uses, keeps its state in
 * optim.dtype and stores no master copy when that is the model's dtype and
 * the parameters are not fp8 (NeMo v2.0.0rc0, megatron_base_model.py,
 * setup_optimization: store_params). */
static int optimizer_keeps_master(const scenario* sc)
{
    int fp8_primary = sc->train.precision == PREC_FP8 && sc->train.fp8_weights == FP8W_PRIMARY;
    return sc->train.optimizer_precision == OPTIM_FP32 || sc->train.precision == PREC_FP16 || fp8_primary;
}

static double optimizer_state_bytes(const scenario* sc)
{
    double element = sc->train.optimizer_precision == OPTIM_FP32 ? 4.0 : 2.0;
    return 2.0 * element + (optimizer_keeps_master(sc) ? element : 0);
}

/* ---- stages ------------------------------------------------------------ */

/* TP collectives per micro-batch (Shoeybi et al. 2019, Sec. 3; Korthikanti et
 * al. 2022, Sec. 4.2.2): two all-reduces per layer in the forward pass and two
 * in the backward pass; with sequence parallelism each becomes an all-gather
 * plus a reduce-scatter, the same ring traffic. An MoE layer's routed experts
 * have none (their tokens move by the dispatcher's collectives): only its
 * attention's and its shared experts' (LAYER_PAIRS, from the layers' costs).
 * Full recompute repeats the forward ones in the backward pass. The
 * vocabulary-parallel embedding adds one forward all-reduce on the first
 * stage, the LM head's input gradient one backward all-reduce on the last. */
static void tp_collectives(const scenario* sc, int layer_pairs, stage_work* st)
{
    if (sc->par.tp == 1)
        return;
    st->tp_fwd_allreduces = layer_pairs + (st->has_embedding ? 1 : 0);
    st->tp_bwd_allreduces = layer_pairs + (st->has_head ? 1 : 0);
    if (sc->par.recompute == RECOMPUTE_FULL)
        st->tp_bwd_allreduces += layer_pairs;
}

/* Per MoE layer, the dispatcher's exchanges (a dispatch and a combine:
 * all-to-alls, or DeepEP's) and its gather and scatter pairs (the ETP
 * group's under alltoall with etp > 1, the TP x EP group's under allgather),
 * forward and (as their gradients) backward; recomputed with the forward
 * under full recompute (model/moe_dispatch.h). */
static void ep_collectives(const scenario* sc, const workload* w, stage_work* st)
{
    int again = sc->par.recompute == RECOMPUTE_FULL ? 2 : 1;
    st->ep_fwd_alltoalls = w->dispatch.exchanges * st->moe_layers;
    st->ep_bwd_alltoalls = w->dispatch.exchanges * st->moe_layers * again;
    st->etp_fwd_allreduces = w->dispatch.gathers * st->moe_layers;
    st->etp_bwd_allreduces = w->dispatch.gathers * st->moe_layers * again;
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
 * cross-entropy over the T x V/t logits in fp32, as Megatron-Core's fused
 * vocab-parallel cross-entropy moves them (fusions/fused_cross_entropy.py,
 * core_v0.8.0, cross_entropy_loss_fusion): forward, the half-precision
 * logits cast to fp32 with their maximum (read 2, write 4), less the maximum
 * and exponentiated in place with their sum (read 4, write 4), divided by
 * the sum in place, the softmax kept for the backward (read 4, write 4): 22
 * bytes per logit; backward, the softmax times the loss gradient written
 * back in bf16 (read 4, write 2): 6 bytes. The LM head stays in the half
 * precision under fp8: Megatron-Core's output layer is its own
 * ColumnParallelLinear, not a Transformer Engine module, and TorchTitan
 * leaves "output" out of its float8 conversion. */
static void head_cost(const scenario* sc, const workload* w, double tokens, double* fwd, double* bwd)
{
    const parallel_spec* p = &sc->par;
    double h = sc->model.hidden, vocab = (double)sc->model.vocab / p->tp;
    double norm = (p->sequence_parallel ? tokens / p->tp : tokens) * h;
    const kernel_rates* r = &w->rates;
    *fwd = kernel_memory_seconds(r, 4.0 * norm) + kernel_half_gemm_seconds(r, tokens, vocab, h, 1)
         + kernel_memory_seconds(r, CROSS_ENTROPY_FWD_BYTES * tokens * vocab);
    *bwd = kernel_memory_seconds(r, 6.0 * norm) + kernel_half_gemm_seconds(r, tokens, h, vocab, 1)
         + kernel_half_gemm_seconds(r, h, vocab, tokens, 1)
         + kernel_memory_seconds(r, CROSS_ENTROPY_BWD_BYTES * tokens * vocab);
}

/* Seconds and FLOPs recomputed per layer: the whole forward (full) or the
 * attention core (selective, Korthikanti et al. 2022, Sec. 4.2). A fused
 * core is rerun too: Megatron-Core's selective recompute wraps the core
 * attention module, whichever kernel it runs, in a checkpoint
 * (transformer/attention.py, checkpoint_core_attention and
 * _checkpointed_attention_forward, core_v0.9.0), so the fused kernel's
 * forward runs again before its backward, which recomputes the scores once
 * more inside. */
static void recompute_cost(const scenario* sc, const layer_cost* layer, double* seconds, double* flops)
{
    *seconds = *flops = 0;
    if (sc->par.recompute == RECOMPUTE_FULL) {
        *seconds = layer->fwd_seconds;
        *flops = layer->fwd_flops;
    } else if (sc->par.recompute == RECOMPUTE_SELECTIVE) {
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
    int tp_pairs = 0;

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
        tp_pairs += layer->tp_allreduces;
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
    st->layer_params = dense / p->tp + experts / p->etp;
    dense += stage_vocab_tables(sc, st) * (double)m->vocab * m->hidden;
    st->dense_params = dense / p->tp;
    st->expert_params = experts / p->etp;
    tp_collectives(sc, tp_pairs, st);
    ep_collectives(sc, w, st);
}

/* The optimizer step, memory-bound (Adam): per parameter of its shard it
 * reads its state S (master weights, momentum, variance: 12 bytes in fp32)
 * and the gradient and writes the state and the half-precision weights
 * (2S + 2 + G bytes; without a master copy it reads the weights too, 2 more),
 * and the gradient-norm clip reads the gradients once more (G). ZeRO stage
 * >= 1 shards it over the data-parallel group: the dense weights' over dp x
 * cp, the experts' over the expert data parallelism. */
static void build_rank(const scenario* sc, const workload* w, int rank, rank_work* rw)
{
    for (int c = 0; c < w->chunks; c++) {
        const stage_work* st = workload_chunk(w, rank, c);
        rw->dense_params += st->dense_params;
        rw->expert_params += st->expert_params;
        rw->layer_params += st->layer_params;
    }
    int sharded = sc->par.zero >= 1;
    double shard = rw->dense_params / (sharded ? scenario_dense_replicas(sc) : 1)
                 + rw->expert_params / (sharded ? scenario_expert_replicas(sc) : 1);
    double bytes = 2.0 * w->optimizer_state_bytes + 2.0 + 2.0 * w->grad_element_bytes
                 + (w->optimizer_keeps_master ? 0 : 2.0);
    rw->optimizer_seconds = kernel_memory_seconds(&w->rates, bytes * shard);
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

double workload_gathered_weight_bytes(const scenario* sc, double params, double layer_params)
{
    int fp8_primary = sc->train.precision == PREC_FP8 && sc->train.fp8_weights == FP8W_PRIMARY;
    return fp8_primary ? 2.0 * params - layer_params : 2.0 * params;
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
    w->power_capped_clock = gpu_power_capped_clock(&sc->gpu);
    w->slowest_gpu_speed = gpu_slowest_speed(sc->gpu.speed_spread, sc->gpu.speed_cutoff, scenario_world_size(sc));
    kernel_rates_pace(&w->rates, w->power_capped_clock * w->slowest_gpu_speed);
    w->peak_flops = w->rates.gemm.peak_flops;
    w->grad_element_bytes = grad_element_bytes(sc);
    w->optimizer_state_bytes = optimizer_state_bytes(sc);
    w->optimizer_keeps_master = optimizer_keeps_master(sc);
    w->tokens_per_step = (double)sc->train.global_batch * m->seq_len;
    w->model_flops_per_token = model_flops_per_token(sc);
    count_parameters(sc, w);
    layer_cost_build(sc, &w->rates, 0, &w->dense_layer);
    if (m->moe.enabled)
        layer_cost_build(sc, &w->rates, 1, &w->moe_layer);

    double tokens = (double)p->micro_batch * m->seq_len / p->cp;
    w->tp_message_bytes = tokens * m->hidden * ELEMENT;
    /* Each TP rank sends its 1/t share of the stage output: a sequence shard
     * with sequence parallelism, Megatron's scatter-gather split without it
     * (Narayanan et al. 2021, Sec. 4.1). */
    w->pp_message_bytes = w->tp_message_bytes / p->tp;
    if (m->moe.enabled) {
        /* The dispatcher's messages (model/moe_dispatch.h). */
        moe_dispatch_of(sc, &w->dispatch);
        w->ep_pair_bytes = w->dispatch.pair_bytes;
        w->etp_message_bytes = w->dispatch.gather_bytes;
    }

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
