/* workload: FLOPs, bytes and model-state memory of a training step (see
 * workload.h). Notation follows docs/model.md: h hidden, a heads, k KV heads,
 * d = h/a head size, f FFN hidden, V vocabulary, s sequence length, b
 * micro-batch, t TP, c CP, E experts, K top-k. FLOPs count a multiply-add as 2. */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

/* Bytes of an activation element: bf16/fp16 (fp8 training keeps bf16
 * activations between layers, as Transformer Engine does). */
#define ACTIVATION_BYTES 2.0

int workload_is_moe_layer(const scenario* sc, int layer)
{
    const moe_spec* moe = &sc->model.moe;
    return moe->enabled && (layer + 1) % moe->every == 0;
}

/* Narayanan et al. 2021, Eq. 3 (and PaLM, Chowdhery et al. 2022, App. B) count
 * 4*s*h attention-core FLOPs per token per layer: QK^T and attention x V,
 * without halving for the causal mask. */
layer_flops workload_layer_flops(const scenario* sc, int layer)
{
    const model_spec* m = &sc->model;
    double h = m->hidden, s = m->seq_len, f = m->ffn_hidden;
    double kv_width = (double)m->kv_heads * (m->hidden / m->heads);
    double gemms = m->ffn == FFN_SWIGLU ? 3.0 : 2.0;
    layer_flops out = {
        .qkv = 2.0 * h * (h + 2.0 * kv_width),
        .attention_core = 4.0 * s * h,
        .projection = 2.0 * h * h,
        .mlp = gemms * 2.0 * h * f,
    };
    if (workload_is_moe_layer(sc, layer)) {
        out.mlp *= m->moe.top_k;                      /* each token visits top_k experts */
        out.router = 2.0 * h * m->moe.experts;        /* gating logits */
    }
    return out;
}

double layer_flops_total(layer_flops f)
{
    return f.qkv + f.attention_core + f.projection + f.mlp + f.router;
}

void workload_stage_layers(const scenario* sc, int stage, int* first, int* count)
{
    int pp = sc->par.pp, layers = sc->model.layers;
    int base = layers / pp, extra = layers % pp;
    *count = base + (stage < extra ? 1 : 0);
    *first = stage * base + (stage < extra ? stage : extra);
}

/* Parameters of one layer: attention, layer norms, and the MLP (dense) or
 * experts plus router (MoE). Biases of the linear layers are left out. */
static void layer_params(const scenario* sc, int layer, double* dense, double* expert_each)
{
    const model_spec* m = &sc->model;
    double h = m->hidden, f = m->ffn_hidden;
    double kv_width = (double)m->kv_heads * (m->hidden / m->heads);
    double attention = h * (h + 2.0 * kv_width) + h * h;
    double norms = 4.0 * h;
    double mlp = (m->ffn == FFN_SWIGLU ? 3.0 : 2.0) * h * f;
    if (workload_is_moe_layer(sc, layer)) {
        *dense = attention + norms + h * m->moe.experts;
        *expert_each = mlp;
    } else {
        *dense = attention + norms + mlp;
        *expert_each = 0;
    }
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

/* FLOPs executed beyond the model FLOPs, per token of one layer's forward:
 * full recompute reruns the whole layer forward; selective recompute reruns
 * only the attention core (Korthikanti et al. 2022, Sec. 4.2); MoE capacity
 * padding runs capacity_factor x top_k expert slots per token. */
static double executed_layer_forward(const scenario* sc, int layer)
{
    layer_flops f = workload_layer_flops(sc, layer);
    if (workload_is_moe_layer(sc, layer))
        f.mlp *= sc->model.moe.capacity_factor;
    return layer_flops_total(f);
}

static double recompute_layer_forward(const scenario* sc, int layer)
{
    switch (sc->par.recompute) {
    case RECOMPUTE_FULL:
        return executed_layer_forward(sc, layer);
    case RECOMPUTE_SELECTIVE:
        return workload_layer_flops(sc, layer).attention_core;
    case RECOMPUTE_NONE:
        break;
    }
    return 0;
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

/* Model states per GPU (Rajbhandari et al. 2020, Sec. 3.1 and 5): 2 bytes of
 * weights, G bytes of gradients and 12 bytes of Adam state (fp32 master
 * weights, momentum, variance) per parameter; ZeRO stage 1 shards the
 * optimizer over the data-parallel group, stage 2 also the gradients, stage 3
 * also the weights. Experts shard over their own data-parallel group, dp/ep. */
static void model_states(const scenario* sc, double grad_bytes, stage_work* st)
{
    int zero = sc->par.zero;
    double dp = sc->par.dp, expert_dp = (double)sc->par.dp / sc->par.ep;
    double weights = 0, grads = 0, optimizer = 0;
    const double shards[2] = {dp, expert_dp};
    const double params[2] = {st->dense_params, st->expert_params};
    for (int i = 0; i < 2; i++) {
        weights += 2.0 * params[i] / (zero >= 3 ? shards[i] : 1.0);
        grads += grad_bytes * params[i] / (zero >= 2 ? shards[i] : 1.0);
        optimizer += 12.0 * params[i] / (zero >= 1 ? shards[i] : 1.0);
    }
    st->weight_bytes = weights;
    st->grad_bytes = grads;
    st->optimizer_bytes = optimizer;
}

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

static void build_stage(const scenario* sc, const workload* w, int index, stage_work* st)
{
    const model_spec* m = &sc->model;
    const parallel_spec* p = &sc->par;
    double tokens = (double)p->micro_batch * m->seq_len / p->cp;   /* per rank per micro-batch */
    double head = 2.0 * m->hidden * m->vocab;

    workload_stage_layers(sc, index, &st->first_layer, &st->layers);
    st->has_embedding = index == 0;
    st->has_head = index == p->pp - 1;

    double model_fwd = st->has_head ? head : 0;
    double executed_fwd = model_fwd, recompute = 0;
    double dense = 0, experts = 0;
    for (int l = st->first_layer; l < st->first_layer + st->layers; l++) {
        double layer_dense, expert_each;
        model_fwd += layer_flops_total(workload_layer_flops(sc, l));
        executed_fwd += executed_layer_forward(sc, l);
        recompute += recompute_layer_forward(sc, l);
        layer_params(sc, l, &layer_dense, &expert_each);
        dense += layer_dense;
        experts += expert_each * (m->moe.enabled ? (double)m->moe.experts / p->ep : 0);
        st->moe_layers += workload_is_moe_layer(sc, l);
    }
    /* The embedding table on the first stage and the LM head on the last
     * (a tied copy when both exist), split over the vocabulary by TP. */
    dense += (st->has_embedding + st->has_head) * (double)m->vocab * m->hidden;

    st->fwd_model_flops = tokens * model_fwd / p->tp;
    st->fwd_flops = tokens * executed_fwd / p->tp;
    st->bwd_flops = tokens * (2.0 * executed_fwd + recompute) / p->tp;
    double rate = w->peak_flops * w->efficiency;
    st->fwd_seconds = st->fwd_flops / rate;
    st->bwd_seconds = st->bwd_flops / rate;
    st->dense_params = dense / p->tp;
    st->expert_params = experts / p->tp;
    tp_collectives(sc, st);
    model_states(sc, w->grad_element_bytes, st);
}

static void count_parameters(const scenario* sc, workload* w)
{
    const model_spec* m = &sc->model;
    double total = (double)m->vocab * m->hidden, active = total;
    for (int l = 0; l < m->layers; l++) {
        double dense, expert_each;
        layer_params(sc, l, &dense, &expert_each);
        total += dense + expert_each * (m->moe.enabled ? m->moe.experts : 0);
        active += dense + expert_each * (workload_is_moe_layer(sc, l) ? m->moe.top_k : 0);
    }
    w->params_total = total;
    w->params_active = active;
}

/* Hardware FLOPs per token: the model FLOPs plus what recompute and MoE
 * capacity padding add, summed over every stage's work. */
static double hardware_flops_per_token(const scenario* sc, const workload* w)
{
    double per_micro_batch = 0;
    for (int i = 0; i < w->stages; i++)
        per_micro_batch += (w->stage[i].fwd_flops + w->stage[i].bwd_flops) * sc->par.tp;
    double tokens = (double)sc->par.micro_batch * sc->model.seq_len / sc->par.cp;
    return per_micro_batch / tokens;
}

int workload_build(const scenario* sc, workload* w)
{
    memset(w, 0, sizeof *w);
    const parallel_spec* p = &sc->par;
    const model_spec* m = &sc->model;
    w->peak_flops = sc->gpu.peak_flops[sc->train.precision];
    w->efficiency = sc->gpu.efficiency;
    w->grad_element_bytes = grad_element_bytes(sc);
    w->tokens_per_step = (double)sc->train.global_batch * m->seq_len;
    w->model_flops_per_token = model_flops_per_token(sc);
    count_parameters(sc, w);

    double activation = (double)p->micro_batch * m->seq_len / p->cp * m->hidden * ACTIVATION_BYTES;
    w->tp_message_bytes = activation;
    /* Each TP rank sends its 1/t share of the stage output: a sequence shard
     * with sequence parallelism, Megatron's scatter-gather split without it
     * (Narayanan et al. 2021, Sec. 4.1). */
    w->pp_message_bytes = activation / p->tp;

    w->stages = p->pp;
    w->stage = xcalloc((size_t)p->pp, sizeof *w->stage);
    for (int i = 0; i < p->pp; i++) {
        build_stage(sc, w, i, &w->stage[i]);
        const stage_work* worst = &w->stage[w->worst_memory_stage];
        const stage_work* st = &w->stage[i];
        if (st->weight_bytes + st->grad_bytes + st->optimizer_bytes
            > worst->weight_bytes + worst->grad_bytes + worst->optimizer_bytes)
            w->worst_memory_stage = i;
    }
    w->hardware_flops_per_token = hardware_flops_per_token(sc, w);
    return 0;
}

double workload_model_state_bytes(const workload* w)
{
    const stage_work* st = &w->stage[w->worst_memory_stage];
    return st->weight_bytes + st->grad_bytes + st->optimizer_bytes;
}

void workload_free(workload* w)
{
    free(w->stage);
    memset(w, 0, sizeof *w);
}
