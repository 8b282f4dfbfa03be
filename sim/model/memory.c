/* memory: model states, activations and workspace per GPU (see memory.h). */
#include "model/memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/cp_exchange.h"
#include "model/schedule.h"

/* Korthikanti et al. 2022, Sec. 4.1: per layer and micro-batch, the attention
 * block stores its layer-norm input (2sbh), the QKV input (2sbh), Q and K
 * (4sbh/t), the softmax output (2as^2b/t), the dropout mask (as^2b/t) and
 * output (2as^2b/t), V (2sbh/t), the projection input (2sbh/t) and a dropout
 * mask (sbh); the MLP stores its layer-norm input (2sbh), the fc1 input
 * (2sbh), the activation input (8sbh/t), the fc2 input (8sbh/t) and a dropout
 * mask (sbh). Tensors outside the TP region are divided by t only with
 * sequence parallelism. Summed: sbh(10 + 24/t + 5as/(ht)) without sequence
 * parallelism, sbh/t (34 + 5as/h) with it (their Table 2). Generalised here:
 * Q and the projection input at the attention width a*d (model.head_dim; h
 * by default), K and V at the KV-head width, the FFN width f instead of 4h (two fc1
 * outputs for SwiGLU), no masks without dropout, no score tensors with
 * FlashAttention (only its fp32 log-sum-exp) or selective recompute, and the
 * routed token slots its experts process (layer_moe_slots), each
 * expert_ffn_hidden / etp wide, and
 * its shared experts' activations (their fc1 reads the tensor the router
 * reads, stored once). Full recompute keeps only the layer
 * input (2sbh, divided by t with sequence parallelism).
 *
 * In fp8 the GEMMs keep their inputs for the backward pass as the fp8 copies
 * they computed with, one byte an element: Transformer Engine's Linear and
 * LayerNormLinear save the fp8 input (or its fp8 transpose) instead of the
 * bf16 one (transformer_engine/pytorch/module/linear.py, v1.8), as torchao's
 * Float8Linear does with tensorwise scaling (torchao/float8/
 * float8_linear.py, v0.7: input_fp8). So the QKV, fc1, fc2, expert and
 * shared-expert fc2 inputs take one byte; the layer-norm inputs, the router's
 * input and the activation function's input stay in bf16. FlashAttention
 * keeps its own bf16 output for its backward, so the projection's fp8 copy
 * comes on top of it (without it the projection's copy replaces it). */
double memory_layer_activations(const scenario* sc, int moe)
{
    const model_spec* m = &sc->model;
    const parallel_spec* p = &sc->par;
    double t = p->tp, b = p->micro_batch, h = m->hidden, a = m->heads;
    double s_rank = (double)m->seq_len / p->cp, s_keys = m->seq_len;
    double sbh = s_rank * b * h;
    double outside = (p->sequence_parallel && p->tp > 1) ? t : 1;   /* layer norms, dropout, residuals */
    int dropout = m->dropout > 0;
    int fp8 = sc->train.precision == PREC_FP8;
    double gemm_in = fp8 ? 1.0 : 2.0;                         /* bytes of a saved GEMM input */
    if (p->recompute == RECOMPUTE_FULL)
        return 2.0 * sbh / outside;

    double head = m->head_dim;
    double sbw = s_rank * b * (a * head);                     /* the attention width a*d: h by default */
    double kv_rank = fmax(1.0, (double)m->kv_heads / t) * head;
    double projection_in = !fp8 ? 2.0 : p->flash_attention ? 2.0 + 1.0 : 1.0;
    double attention = 2.0 * sbh / outside                    /* layer-norm input */
                     + gemm_in * sbh / outside                /* QKV input */
                     + 2.0 * sbw / t                          /* Q */
                     + 2.0 * 2.0 * s_rank * b * kv_rank       /* K and V */
                     + projection_in * sbw / t                /* projection input */
                     + (dropout ? sbh / outside : 0);         /* dropout mask */
    double scores = a / t * s_rank * s_keys * b;
    if (p->flash_attention)
        attention += 4.0 * b * (a / t) * s_rank;              /* fp32 log-sum-exp */
    else if (p->recompute != RECOMPUTE_SELECTIVE)
        attention += 2.0 * scores + (dropout ? 3.0 * scores : 0);   /* softmax; mask and output */

    double f = m->ffn_hidden / t;
    int swiglu = m->ffn == FFN_SWIGLU;
    double tokens = s_rank * b;
    double mlp = 2.0 * sbh / outside + (dropout ? sbh / outside : 0);   /* layer-norm input, mask */
    if (moe) {
        moe_slots slots;   /* the slots the GPU's experts process, slots.width wide */
        layer_moe_slots(sc, &slots);
        double routed = slots.gathered, fe = slots.width;
        double shared = m->moe.shared_experts * (m->moe.expert_ffn_hidden / t);
        mlp += 2.0 * sbh / outside                             /* router input */
             + 4.0 * slots.held * m->moe.experts               /* fp32 routing probabilities */
             + gemm_in * routed * h                            /* permuted tokens: expert fc1 input */
             + 2.0 * routed * fe * (swiglu ? 2 : 1)            /* activation input */
             + gemm_in * routed * fe                           /* fc2 input */
             + 2.0 * tokens * shared * (swiglu ? 2 : 1)        /* shared experts: activation input */
             + gemm_in * tokens * shared                       /* ... fc2 input (fc1's is the router's, */
             + (fp8 && shared > 0 ? sbh / outside : 0);        /* of which fp8 keeps its own copy) */
    } else {
        mlp += gemm_in * sbh / outside                         /* fc1 input */
             + 2.0 * tokens * f * (swiglu ? 2 : 1)             /* activation input */
             + gemm_in * tokens * f;                           /* fc2 input */
    }
    return attention + mlp;
}

/* Activations of one virtual stage per micro-batch: its layers, plus the
 * embedding dropout mask on the first and, on the last, the final layer-norm
 * input and the fp32 logits the cross-entropy keeps (4sbV/t). */
static double chunk_activations(const scenario* sc, const stage_work* st)
{
    const model_spec* m = &sc->model;
    const parallel_spec* p = &sc->par;
    double tokens = (double)p->micro_batch * m->seq_len / p->cp;
    double outside = (p->sequence_parallel && p->tp > 1) ? p->tp : 1;
    double dense = memory_layer_activations(sc, 0), moe = memory_layer_activations(sc, 1);
    double bytes = (st->layers - st->moe_layers) * dense + st->moe_layers * moe;
    if (st->has_embedding && m->dropout > 0)
        bytes += tokens * m->hidden / outside;
    if (st->has_head)
        bytes += 2.0 * tokens * m->hidden / outside + 4.0 * tokens * m->vocab / p->tp;
    return bytes;
}

/* The most activation bytes rank RANK holds at once: walk its schedule, adding
 * a chunk's activations at each forward and releasing them at its backward. */
static double peak_activations(const scenario* sc, const workload* w, int rank, double* in_flight)
{
    int m = (int)scenario_micro_batches(sc), v = w->chunks;
    pipeline_op* ops = xmalloc(2 * (size_t)m * v * sizeof *ops);
    int n = schedule_build(sc->par.schedule, w->pp, rank, m, v, ops);
    double* per_chunk = xcalloc((size_t)v, sizeof *per_chunk);
    double per_micro_batch = 0;
    for (int c = 0; c < v; c++) {
        per_chunk[c] = chunk_activations(sc, workload_chunk(w, rank, c));
        per_micro_batch += per_chunk[c];
    }
    double live = 0, peak = 0;
    for (int i = 0; i < n; i++) {
        live += (ops[i].kind == OP_FORWARD ? 1 : -1) * per_chunk[ops[i].chunk];
        peak = fmax(peak, live);
    }
    *in_flight = per_micro_batch > 0 ? peak / per_micro_batch : 0;
    free(per_chunk);
    free(ops);
    return peak;
}

/* With full recompute the backward pass rebuilds one layer's activations at a
 * time, on top of the stored layer inputs. */
static double recompute_buffer(const scenario* sc)
{
    if (sc->par.recompute != RECOMPUTE_FULL)
        return 0;
    scenario plain = *sc;
    plain.par.recompute = RECOMPUTE_NONE;
    return fmax(memory_layer_activations(&plain, 0), sc->model.moe.enabled ? memory_layer_activations(&plain, 1) : 0);
}

/* cp_buffer_bytes (model/cp_exchange.h): the exchange's buffers of one
 * layer at a time, like the rebuilt layer above, on top of the peak. */

/* Model states (Rajbhandari et al. 2020, Sec. 3.1 and 5): 2 bytes of weights,
 * G bytes of gradients and S bytes of Adam state per parameter (S = 12: fp32
 * master weights, momentum, variance; training.optimizer_precision, see
 * model/workload.c); ZeRO stage 1 shards the optimizer state over the
 * data-parallel group, stage 2 also the gradients, stage 3 also the weights
 * (keeping two gathered layers as a prefetch buffer). Dense states shard over
 * dp x cp (scenario_dense_replicas), experts over their own data-parallel
 * group, edp = tp x cp x dp / (etp x ep) (scenario_expert_replicas).
 *
 * Training in fp8, Transformer Engine casts each GEMM weight to fp8 with its
 * transpose (the forward and the backward GEMM operands) into a workspace it
 * keeps for the whole step: 2 bytes per parameter of the transformer layers
 * (transformer_engine/pytorch/module/linear.py, v1.8: get_fp8_workspace with
 * cache_name "weight" and with_transpose; Megatron-Core passes
 * is_first_microbatch so that it is cached, core_r0.8.0 transformer_engine.py,
 * TELinear.forward): training.fp8_weights cached. The LM head and the
 * embedding stay in bf16. With fp8 weights (primary: NeMo's fp8_params,
 * Megatron-Core's --fp8-param-gather) a GEMM weight is one fp8 byte and its
 * transpose another, in place of the two bf16 bytes, and the optimizer keeps
 * the master copy (model/workload.c); cast for each GEMM (per_gemm: torchao's
 * Float8Linear) nothing is kept between GEMMs. */
static void model_states(const scenario* sc, const workload* w, int rank, gpu_memory* g)
{
    const rank_work* r = &w->rank[rank];
    int zero = sc->par.zero;
    double dp = scenario_dense_replicas(sc), expert_dp = scenario_expert_replicas(sc);
    double dense = r->dense_params, experts = r->expert_params;
    g->weights = 2.0 * (dense / (zero >= 3 ? dp : 1) + experts / (zero >= 3 ? expert_dp : 1));
    g->gradients = w->grad_element_bytes * (dense / (zero >= 2 ? dp : 1) + experts / (zero >= 2 ? expert_dp : 1));
    g->optimizer = w->optimizer_state_bytes * (dense / (zero >= 1 ? dp : 1) + experts / (zero >= 1 ? expert_dp : 1));
    int cached = sc->train.precision == PREC_FP8 && sc->train.fp8_weights == FP8W_CACHED;
    g->fp8_weights = cached ? 2.0 * r->layer_params : 0;
    g->weights += g->fp8_weights;
    if (zero >= 3) {
        int layers = 0;
        for (int c = 0; c < w->chunks; c++)
            layers += workload_chunk(w, rank, c)->layers;
        g->weights += 2.0 * 2.0 * (dense + experts) / (layers > 0 ? layers : 1);
    }
}

double memory_chunk_activations(const scenario* sc, const workload* w, int rank, int chunk)
{
    return chunk_activations(sc, workload_chunk(w, rank, chunk));
}

double memory_activation_buffers(const scenario* sc)
{
    return recompute_buffer(sc) + cp_buffer_bytes(sc);
}

void memory_estimate(const scenario* sc, const workload* w, memory_report* out)
{
    out->ranks = w->pp;
    out->rank = xcalloc((size_t)w->pp, sizeof *out->rank);
    out->worst = 0;
    for (int s = 0; s < w->pp; s++) {
        gpu_memory* g = &out->rank[s];
        model_states(sc, w, s, g);
        g->activations = peak_activations(sc, w, s, &g->in_flight) + memory_activation_buffers(sc);
        g->workspace_parts = workspace_of_rank(sc, s);
        g->workspace = g->workspace_parts.total;
        g->total = g->weights + g->gradients + g->optimizer + g->activations + g->workspace;
        if (g->total > out->rank[out->worst].total)
            out->worst = s;
    }
}

void memory_report_free(memory_report* m)
{
    free(m->rank);
    memset(m, 0, sizeof *m);
}
