/* explain: every loss term's closed form beside the simulated value (see explain.h). */
#include "output/explain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/explain_dispatch.h"
#include "output/explain_memory.h"
#include "output/explain_run.h"
#include "output/explain_term.h"
#include "output/report_rows.h"
#include "model/collective.h"
#include "model/cp_exchange.h"
#include "model/param_gather.h"
#include "model/tp_overlap.h"
#include "core/strbuf.h"
#include "core/units.h"

double explain_bubble_fraction(int p, int m, int v)
{
    return (double)(p - 1) / ((double)v * m + p - 1);
}

const char* explain_bubble_form(int v)
{
    return v > 1 ? "(p - 1) / (v m + p - 1)" : "(p - 1) / (m + p - 1)";
}

void explain_bubble_numbers(int p, int m, int v, strbuf* out)
{
    if (v > 1)
        strbuf_printf(out, "%d / (%d x %d + %d)", p - 1, v, m, p - 1);
    else
        strbuf_printf(out, "%d / (%d + %d)", p - 1, m, p - 1);
}

/* ---- the step ------------------------------------------------------------------------ */

static void explain_compute(const explain_ctx* x, explain_term* t)
{
    const workload* w = &x->r->work;
    double flops = w->hardware_flops_per_token * w->tokens_per_step / (double)x->r->world_gpus;
    t->name = "Compute";
    t->simulated = x->r->profile.compute;
    t->formula = flops / w->peak_flops;
    strbuf_printf(&t->text, "FLOPs executed per GPU per step / peak FLOP/s = %.4g / %.4g", flops, w->peak_flops);
    if (w->hardware_flops_per_token > w->model_flops_per_token * 1.001)
        strbuf_printf(&t->text, "\n             (recompute: %.3g FLOP per token executed against %.3g of the model)",
                      w->hardware_flops_per_token, w->model_flops_per_token);
    snprintf(t->why, sizeof t->why,
             "kernels reach %.0f %% of peak on average: memory-bound kernels (norms, activations, "
             "softmax), the GEMMs' best sustained rate (x %.3f for the slowest of %lld GPUs, x %.3f "
             "for the power limit) and their tile and wave quantization (docs/model.md, \"Kernels and "
             "their time\")",
             100 * t->formula / t->simulated, w->slowest_gpu_speed, x->r->world_gpus, w->power_capped_clock);
}

static void explain_bubble(const explain_ctx* x, explain_term* t)
{
    const step_profile* pr = &x->r->profile;
    double f = explain_bubble_fraction(x->p, x->m, x->v);
    t->name = "Pipeline bubble";
    t->simulated = pr->bubble;
    t->formula = f * pr->pipeline_time;
    strbuf_printf(&t->text, "%s x pipeline time = ", explain_bubble_form(x->v));
    explain_bubble_numbers(x->p, x->m, x->v, &t->text);
    strbuf_printf(&t->text, " x %.4g s", pr->pipeline_time);
    strbuf_append(&t->text, "\n             (Narayanan et al. 2021, Sec. 2.2; `trainsim schedule` draws it)");
    snprintf(t->why, sizeof t->why,
             "the formula assumes equal stages and free hand-overs: the first and last ranks also hold the "
             "embedding and the output layer, and each hand-over's time in flight delays the next rank's pass");
}

/* tp_comm_overlap: the exposed part of every pair of a collective of
 * GATHER seconds and its GEMM (model/tp_overlap.h), over the m micro-batches
 * of a pipeline rank, the mean over ranks. */
static void explain_tp_overlap(const explain_ctx* x, explain_term* t, double gather)
{
    const workload* w = &x->r->work;
    double exposed = 0, alone = 0;
    for (int s = 0; s < x->p; s++)
        for (int c = 0; c < x->v; c++) {
            tp_overlap_time o;
            tp_overlap_stage(x->sc, w, workload_chunk(w, s, c), gather, &o);
            exposed += o.fwd_exposed + o.bwd_exposed;
            alone += o.fwd_alone + o.bwd_alone;
        }
    t->formula = x->m * exposed / x->p;
    char g[32], a[32];
    strbuf_printf(&t->text,
                  "m x the pairs' excess over their GEMMs g, each collective c = (t-1)(alpha + S/(t B)) = %s:\n"
                  "             all-gather: max(g, c + g/t) - g (ring exchange on the copy engines);\n"
                  "             reduce-scatter: max(g', c) + min(g', c)/%d - g, or beside the wgrad max(g', c) - g,\n"
                  "             g' = g x SMs/(SMs - %d) (Transformer Engine's userbuffers defaults)\n"
                  "             blocking, the same collectives would take %s",
                  units_format_seconds(gather, g, sizeof g), TP_OVERLAP_PIPELINE_SPLITS, TP_OVERLAP_COMM_SMS,
                  units_format_seconds(x->m * alone / x->p, a, sizeof a));
    snprintf(t->why, sizeof t->why, "the simulation takes the same closed form, on the TP ring's own links");
}

static void explain_tp(const explain_ctx* x, explain_term* t)
{
    const workload* w = &x->r->work;
    t->name = "Tensor-parallel communication";
    t->simulated = x->r->profile.tp_comm;
    if (x->t < 2) {
        strbuf_append(&t->text, "TP 1: no tensor-parallel collectives");
        return;
    }
    int collectives = 0;
    for (int s = 0; s < x->p; s++)
        for (int c = 0; c < x->v; c++) {
            const stage_work* sw = workload_chunk(w, s, c);
            collectives += sw->tp_fwd_allreduces + sw->tp_bwd_allreduces;
        }
    int* g = xmalloc((size_t)x->t * sizeof *g);   /* the TP group of rank 0: GPUs 0 .. t-1 */
    for (int j = 0; j < x->t; j++)
        g[j] = j;
    double alpha, bandwidth;
    explain_ring_links(x, g, x->t, &alpha, &bandwidth);
    int nodes = explain_nodes(x, g, x->t);
    free(g);
    if (x->sc->par.tp_comm_overlap) {
        explain_tp_overlap(x, t, collective_ring_sends_time(ALL_GATHER, x->t, w->tp_message_bytes, alpha, bandwidth));
        return;
    }
    /* With sequence parallelism an all-reduce's worth is an all-gather and a reduce-scatter: two NCCL calls. */
    int sp = x->sc->par.sequence_parallel;
    nccl_choice c = collective_ring_choice(sp ? ALL_GATHER : ALL_REDUCE, x->t, nodes, w->tp_message_bytes, alpha,
                                           bandwidth);
    double one = (sp ? 2 : 1) * c.seconds, per_rank = (double)collectives / x->p;
    t->formula = x->m * per_rank * one;
    char s[32], a[32], b[32], o[32];
    strbuf_printf(&t->text,
                  "m x all-reduces per micro-batch x %s(L + %s(t-1) S/(t B e)) (NCCL's ring, Patarasuk and Yuan 2009;\n"
                  "             L: NCCL's latency, e: the bandwidth share of the protocol its tuner picks, %s;\n"
                  "             B: the narrowest link of the ring%s)\n"
                  "             = %d x %.4g x %s(%s + %s%d x %s / (%d x %s/s x %.2f)), %s per all-reduce",
                  sp ? "2 " : "", sp ? "" : "2 ", nccl_protocol_names[c.protocol],
                  sp ? "; sequence parallelism: an all-gather and a reduce-scatter" : "", x->m, per_rank,
                  sp ? "2 x " : "", units_format_seconds(c.latency, a, sizeof a), sp ? "" : "2 x ", x->t - 1,
                  units_format_bytes(w->tp_message_bytes, s, sizeof s), x->t, units_format_bytes(bandwidth, b, sizeof b),
                  c.efficiency, units_format_seconds(one, o, sizeof o));
    strbuf_printf(&t->text, "\n             (Megatron-LM: 2 all-reduces per layer forward, 2 backward%s%s)",
                  x->sc->par.recompute == RECOMPUTE_FULL ? ", 2 more in the recomputed forward" : "",
                  x->sc->model.moe.enabled ? "; an MoE layer 1, 2 with shared experts: its routed experts' tokens "
                                             "move by the expert dispatch" : "");
    snprintf(t->why, sizeof t->why,
             "the TP group %s: its rings share links with other groups' traffic",
             x->t > x->r->topo.gpus_per_node ? "leaves the NVLink island" : "shares the node");
}

static void explain_pp(const explain_ctx* x, explain_term* t)
{
    const workload* w = &x->r->work;
    t->name = "Pipeline communication";
    t->simulated = x->r->profile.pp_comm;
    if (x->p < 2) {
        strbuf_append(&t->text, "PP 1: no pipeline sends");
        return;
    }
    double alpha = 0, bandwidth = INFINITY;   /* the slowest boundary between neighbouring ranks */
    for (int s = 0; s + 1 < x->p; s++) {
        double a, b;
        explain_hop(x, plan_rank(x->sc, 0, 0, 0, s), plan_rank(x->sc, 0, 0, 0, s + 1), &a, &b);
        if (a + w->pp_message_bytes / b > alpha + w->pp_message_bytes / bandwidth) {
            alpha = a;
            bandwidth = b;
        }
    }
    double one = alpha + w->pp_message_bytes / bandwidth;
    t->formula = 2.0 * x->m * x->v * (x->p - 1) / x->p * one;
    char a[32], s[32], b[32];
    strbuf_printf(&t->text,
                  "2 v m (p-1)/p hand-overs per rank x (alpha + S/B), each waited for in full (B, alpha: the "
                  "slowest boundary)\n             = 2 x %d x %d x %d/%d x (%s + %s / %s/s)",
                  x->v, x->m, x->p - 1, x->p, units_format_seconds(alpha, a, sizeof a),
                  units_format_bytes(w->pp_message_bytes, s, sizeof s), units_format_bytes(bandwidth, b, sizeof b));
    if (t->simulated > t->formula)
        snprintf(t->why, sizeof t->why,
                 "the TP ranks of a node hand over at once, each its own part, and share the node's links (and an "
                 "island link where the pipeline crosses one): each flow gets a share of B%s",
                 x->sc->par.sequence_parallel ? "" : "; without sequence parallelism a received activation is "
                                                     "also all-gathered inside the TP group");
    else
        snprintf(t->why, sizeof t->why,
                 "a rank waits only for what is still in flight when it needs it: in the steady state a hand-over "
                 "travels while the receiver finishes its other pass");
}

/* The first N GPUs of the dense DP group of pipeline rank 0 (TP rank 0). */
static int* dp_group(const explain_ctx* x, int n)
{
    int* g = xmalloc((size_t)n * sizeof *g);
    int cp = x->sc->par.cp;   /* the dense group spans dp x cp: member c + cp * d */
    for (int j = 0; j < n; j++)
        g[j] = plan_rank(x->sc, 0, j % cp, j / cp, 0);
    return g;
}

/* One data-parallel collective of the reducing rank in textbook form:
 * appends its line and returns its seconds. */
static double dp_collective(const char* what, const collective_plan* c, collective_op op, double alpha,
                            double bandwidth, int nodes, strbuf* text)
{
    if (c->repeat <= 0 || c->payload_bytes <= 0 || c->shape.members < 2)
        return 0;
    int n = c->shape.members;
    nccl_choice nc = collective_ring_choice(op, n, nodes, c->payload_bytes, alpha, bandwidth);
    double seconds = c->repeat * nc.seconds;
    char a[32], s[32], b[32], r[32];
    strbuf_printf(text, "\n             %s: %s + %s(%d-1) x %s / (%d x %s/s x %.2f) = %s (%s)", what,
                  units_format_seconds(nc.latency, a, sizeof a), op == ALL_REDUCE ? "2 x " : "", n,
                  units_format_bytes(c->payload_bytes, s, sizeof s), n, units_format_bytes(bandwidth, b, sizeof b),
                  nc.efficiency, units_format_seconds(seconds, r, sizeof r), nccl_protocol_names[nc.protocol]);
    return seconds;
}

/* What trainsim's predictor gives the same collectives, each link shared by
 * the concurrent groups' flows (collective: auto chooses by it). */
static double predicted(const stage_plan* sp)
{
    const collective_plan* all[] = {&sp->dp_reduce, &sp->dp_gather, &sp->expert_reduce, &sp->expert_gather};
    double total = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i]->repeat > 0 && all[i]->payload_bytes > 0)
            total += all[i]->predicted[all[i]->shape.algorithm];
    return total;
}

/* param_gather_overlap: what the first forward passes wait for the weight
 * buckets, each a ring all-gather of its own (model/param_gather.h), as a
 * rank waits that no activation holds up. */
static double gather_ahead(const stage_plan* sp, int chunks, double alpha, double bandwidth, int nodes,
                           strbuf* text)
{
    const collective_plan* c = &sp->dp_gather;
    int n = c->shape.members, buckets = 0;
    double exposed = 0, full = collective_ring_time(ALL_GATHER, n, nodes, c->payload_bytes, alpha, bandwidth);
    for (int ch = 0; ch < chunks; ch++) {
        const chunk_plan* cp = &sp->chunk[ch];
        const weight_buckets* b = &cp->weight_buckets;
        double* gather = xmalloc(((size_t)b->count + 1) * 2 * sizeof *gather);
        double* forward = gather + b->count + 1;
        for (int k = 0; k < b->count; k++) {
            double share = param_gather_share(b, k);
            gather[k] = collective_ring_time(ALL_GATHER, n, nodes, c->payload_bytes * cp->gather_share * share,
                                             alpha, bandwidth);
            forward[k] = cp->fwd_seconds * share;
        }
        exposed += param_gather_exposed(gather, forward, b->count);
        free(gather);
        buckets += b->count;
    }
    char a[32], r[32];
    strbuf_printf(text,
                  "\n             weights, all-gather in %d buckets beside the first forward passes "
                  "(param_gather_overlap): g_1 + sum max(0, g_k - f_(k-1)) per chunk = %s of %s",
                  buckets, units_format_seconds(exposed, r, sizeof r), units_format_seconds(full, a, sizeof a));
    return exposed;
}

/* With interleaving, the part of a stage's collective C that is chunk 0's:
 * what the rank waits for at the step's end (its gradients) or before its
 * first forward pass (its weights); the other chunks' run beside passes. */
static collective_plan chunk0_part(const stage_plan* sp, const collective_plan* c)
{
    collective_plan part = *c;
    part.payload_bytes *= c == &sp->dp_gather ? sp->chunk[0].gather_share : sp->chunk[0].weight_share;
    return part;
}

/* The expert gradients' reduction and weights' gather, over the ranks
 * holding the same experts (the expert data parallelism, edp GPUs etp x ep
 * apart): appends their lines and returns their seconds. */
static double expert_collectives(const explain_ctx* x, const stage_plan* sp, strbuf* text)
{
    if (scenario_expert_replicas(x->sc) < 2)
        return 0;
    double alpha, bandwidth;
    explain_family_links(x, plan_edp_family(x->sc), &alpha, &bandwidth);
    int nodes = explain_family_nodes(x, plan_edp_family(x->sc));
    return dp_collective("expert gradients", &sp->expert_reduce,
                         sp->expert_gather.repeat > 0 ? REDUCE_SCATTER : ALL_REDUCE, alpha, bandwidth, nodes, text)
         + dp_collective("expert weights, all-gather", &sp->expert_gather, ALL_GATHER, alpha, bandwidth, nodes,
                         text);
}

/* fp8 with Transformer Engine: the amax all-reduces that end every pass of
 * a chunk, over the pipeline rank's tp x dp x cp GPUs (2 v m a step), each
 * as NCCL's tuner predicts it alone for the algorithm that runs (a ring's
 * closed form when none was predicted): appends their line, returns their
 * seconds. */
static double amax_collectives(const explain_ctx* x, const stage_plan* sp, strbuf* text)
{
    const collective_plan* c[2] = {&sp->amax_fwd, &sp->amax_bwd};
    if (!collective_has_flows(c[0]))
        return 0;
    group_family f = plan_amax_family(x->sc);
    double alpha, bandwidth, one[2];
    explain_family_links(x, f, &alpha, &bandwidth);
    int nodes = explain_family_nodes(x, f);
    for (int i = 0; i < 2; i++) {
        double predicted = c[i]->predicted[c[i]->shape.algorithm];
        one[i] = predicted > 0 ? predicted
                               : collective_ring_time(ALL_REDUCE, f.n, nodes, c[i]->payload_bytes, alpha, bandwidth);
    }
    double seconds = x->v * x->m * (one[0] + one[1]);
    char a[32], b[32], r[32];
    strbuf_printf(text,
                  "\n             fp8 amax all-reduces (Transformer Engine), one at the end of every forward and "
                  "backward pass over %d GPUs, %s %s:\n             v m x (forward + backward) = %d x %d x (%s + %s) "
                  "= %s",
                  f.n, collective_name(c[0]->shape.algorithm), report_protocol(c[0], 0), x->v, x->m,
                  units_format_seconds(one[0], a, sizeof a), units_format_seconds(one[1], b, sizeof b),
                  units_format_seconds(seconds, r, sizeof r));
    return seconds;
}

static void explain_dp(const explain_ctx* x, explain_term* t)
{
    int stage = run_last_reduction_stage(x->r);
    const stage_plan* sp = &x->r->plan.stage[stage];
    t->name = "Data-parallel communication, exposed";
    t->simulated = x->r->profile.dp_comm_exposed;
    int members = scenario_dense_replicas(x->sc);
    if (members < 2) {
        strbuf_append(&t->text, "DP 1: no gradient reduction");
        t->formula = amax_collectives(x, sp, &t->text);
        return;
    }
    int* g = dp_group(x, members);
    double alpha, bandwidth;
    explain_ring_links(x, g, members, &alpha, &bandwidth);
    int nodes = explain_nodes(x, g, members);
    free(g);
    int zero = sp->dp_gather.repeat > 0 && sp->dp_gather.payload_bytes > 0;
    strbuf_printf(&t->text,
                  "ring collectives of pipeline rank %d (the last to finish reducing), all exposed:\n"
                  "             all-reduce L + 2(n-1) S/(n B e), reduce-scatter and all-gather L + (n-1) S/(n B e) "
                  "each\n             (Patarasuk and Yuan 2009; L: NCCL's latency, e: the bandwidth share of the "
                  "protocol its tuner picks;\n             B: the narrowest link of a lone ring)",
                  stage);
    collective_plan reduce = sp->reduce_by_chunk ? chunk0_part(sp, &sp->dp_reduce) : sp->dp_reduce;
    collective_plan weights = chunk0_part(sp, &sp->dp_gather);
    const char* reduced = sp->reduce_by_chunk ? (zero ? "chunk 0's gradients, reduce-scatter after the pipeline"
                                                      : "chunk 0's gradients, all-reduce after the pipeline")
                                              : (zero ? "gradients, reduce-scatter" : "gradients, all-reduce");
    t->formula = dp_collective(reduced, &reduce, zero ? REDUCE_SCATTER : ALL_REDUCE, alpha, bandwidth, nodes,
                               &t->text)
               + (sp->gather_by_chunk ? dp_collective("chunk 0's weights, all-gather before the first forward pass",
                                                      &weights, ALL_GATHER, alpha, bandwidth, nodes, &t->text)
                  : sp->gather_ahead  ? gather_ahead(sp, x->v, alpha, bandwidth, nodes, &t->text)
                                      : dp_collective("weights, all-gather", &sp->dp_gather, ALL_GATHER, alpha,
                                                      bandwidth, nodes, &t->text))
               + expert_collectives(x, sp, &t->text) + amax_collectives(x, sp, &t->text);
    double traffic = 2 * (sp->dp_reduce.payload_bytes + sp->expert_reduce.payload_bytes);
    for (int c = 0; c < x->v && x->sc->par.zero == 3; c++) {   /* per pass: gathers forward and backward, a scatter */
        const chunk_plan* ch = &sp->chunk[c];
        double gather = dp_collective("chunk weights, all-gather per pass", &ch->zero_gather, ALL_GATHER, alpha,
                                      bandwidth, nodes, &t->text);
        double scatter = dp_collective("chunk gradients, reduce-scatter per backward", &ch->zero_scatter,
                                       REDUCE_SCATTER, alpha, bandwidth, nodes, &t->text);
        t->formula += x->m * (2 * gather + scatter);
        traffic += x->m * (2 * ch->zero_gather.payload_bytes + ch->zero_scatter.payload_bytes);
    }
    if (x->sc->par.zero == 3)
        strbuf_printf(&t->text, "\n             x m = %d passes for the per-pass collectives", x->m);
    char s[32], b[32];
    strbuf_printf(&t->text,
                  "\n             ZeRO %d: each GPU sends about %s per step (Rajbhandari et al. 2020, Sec. 7: 2 x "
                  "its gradients, 3 x with ZeRO 3, which gathers the weights again for the backward pass)",
                  x->sc->par.zero, units_format_bytes(traffic, s, sizeof s));
    double shared = predicted(sp);
    int n = 0;
    if (shared > 0)
        n += snprintf(t->why + n, sizeof t->why - (size_t)n,
                      "the rings of a node's %d TP ranks run at once and share its links: with each link shared "
                      "so, the same formulas give %s; ",
                      x->t, units_format_seconds(shared, b, sizeof b));
    if (x->sc->par.zero == 3)
        snprintf(t->why + n, sizeof t->why - (size_t)n,
                 "ZeRO 3 gathers a chunk's weights while the previous pass computes: only the waits show");
    else if (sp->reduce_by_chunk || sp->gather_by_chunk)
        snprintf(t->why + n, sizeof t->why - (size_t)n,
                 "interleaving: a chunk at a time, the other chunks' beside passes (grad_sync_func, "
                 "param_sync_func); rank 0's wait for weights delays the others: their bubble");
    else if (x->sc->par.dp_overlap)
        snprintf(t->why + n, sizeof t->why - (size_t)n,
                 "dp_overlap: all but the last %s bucket reduces during the last backward pass, hidden",
                 units_format_bytes(sp->dp_bucket_bytes, s, sizeof s));
    else
        snprintf(t->why + n, sizeof t->why - (size_t)n, "nothing overlaps the backward pass (dp_overlap: false)");
}

/* One send of BYTES on a lone ring hop of latency and bandwidth LINK[0], LINK[1]. */
static double ring_send(double bytes, const void* link)
{
    const double* l = link;
    return l[0] + bytes / l[1];
}

static const char* cp_method_text(cp_comm_kind k)
{
    switch (k) {
    case CP_COMM_P2P:
        return "p2p ring (Transformer Engine): c steps; before each but the last, K,V sent on; backward K,V\n"
               "             and the dK,dV so far (2K) at each step";
    case CP_COMM_ALL_GATHER:
        return "all-gather of K,V before the attention, again backward with a reduce-scatter of dK,dV\n"
               "             (Transformer Engine's all_gather): nothing beside them, C = 0";
    case CP_COMM_TORCH_ALL_GATHER:
        return "PyTorch's all-gather rotater: the gather beside the local step; backward dK,dV in fp32 (2K)\n"
               "             passed on after each step, beside the next, the last waited for";
    case CP_COMM_COUNT:
        break;
    }
    return "?";
}

static void explain_cp(const explain_ctx* x, explain_term* t)
{
    const workload* w = &x->r->work;
    int c = x->sc->par.cp;
    t->name = "Context-parallel K,V exchange, exposed";
    t->simulated = x->r->profile.cp_comm;
    if (c < 2) {
        strbuf_append(&t->text, "CP 1: no K,V exchange");
        return;
    }
    int* g = xmalloc((size_t)c * sizeof *g);   /* the CP ring of rank 0: TP rank 0, replica 0 */
    for (int j = 0; j < c; j++)
        g[j] = plan_rank(x->sc, 0, j, 0, 0);
    double link[2];
    explain_ring_links(x, g, c, &link[0], &link[1]);
    free(g);
    double exposed = 0;
    for (int s = 0; s < x->p; s++)
        for (int ch = 0; ch < x->v; ch++) {
            cp_pass fwd, bwd;
            cp_stage_passes(x->sc, w, workload_chunk(w, s, ch), &fwd, &bwd);
            exposed += cp_pass_exposed(&fwd, ring_send, link) + cp_pass_exposed(&bwd, ring_send, link);
        }
    t->formula = x->m * exposed / x->p;
    double kv = cp_kv_bytes(x->sc);
    char k[32], a[32], b[32], s1[32], f[32], bw[32];
    strbuf_printf(&t->text,
                  "m x layers x, per section of n sends beside C of attention, max(0, n (alpha + S/B) - C)\n"
                  "             %s;\n"
                  "             K = 2 b (s/c) k' d x 2 bytes = %s, one send %s + %s / %s/s = %s (B: the narrowest\n"
                  "             link of the CP ring); a step's attention C_f = %s forward, C_b = %s backward",
                  cp_method_text(x->sc->par.cp_comm), units_format_bytes(kv, k, sizeof k),
                  units_format_seconds(link[0], a, sizeof a), k, units_format_bytes(link[1], b, sizeof b),
                  units_format_seconds(ring_send(kv, link), s1, sizeof s1),
                  units_format_seconds(w->dense_layer.core_seconds / c, f, sizeof f),
                  units_format_seconds(w->dense_layer.core_bwd_seconds / c, bw, sizeof bw));
    snprintf(t->why, sizeof t->why,
             "the simulation sends the same bytes as flows on the CP ring, beside the same attention: they share "
             "links with the other rings, pipeline sends and gradient reductions%s",
             c * x->t > x->r->topo.gpus_per_node ? ", and cross the NICs" : "");
}

static void explain_optimizer(const explain_ctx* x, explain_term* t)
{
    const workload* w = &x->r->work;
    double most = 0;
    for (int s = 0; s < x->p; s++)
        most = fmax(most, w->rank[s].optimizer_seconds);
    char b[32];
    t->name = "Optimizer step";
    t->simulated = x->r->profile.optimizer;
    t->formula = most;
    strbuf_printf(&t->text,
                  "(26 + 2g) bytes per parameter of the GPU's shard / HBM bandwidth (Adam reads and writes "
                  "its states: memory-bound)\n             = the largest shard's, at %s/s",
                  units_format_bytes(w->rates.hbm_bandwidth, b, sizeof b));
    snprintf(t->why, sizeof t->why,
             "only the part after the last rank's pipeline and gradient reduction shows in the step");
}

static void step_terms(const explain_ctx* x, strbuf* out)
{
    void (*const explainers[])(const explain_ctx*, explain_term*) = {explain_compute, explain_bubble, explain_tp,
                                                                     explain_pp,      explain_dispatch, explain_cp,
                                                                     explain_dp,      explain_optimizer};
    for (size_t i = 0; i < sizeof explainers / sizeof *explainers; i++) {
        explain_term t = {.per = "per step", .share = -1};
        explainers[i](x, &t);
        t.share = t.simulated / x->step;
        explain_print_term(&t, out);
    }
}

void explain_report(const scenario* sc, const run_result* r, strbuf* out)
{
    const iteration_plan* plan = &r->plan;
    explain_ctx x = {sc, r, r->profile.step_time, plan->stages, plan->micro_batches, plan->chunks, sc->par.tp,
                     sc->par.dp};
    char step[32];
    strbuf_printf(out,
                  "%s: every term of the breakdown, its closed form with this scenario's numbers beside the "
                  "simulated value\n(step: %s, TP %d x PP %d x DP %d, %d micro-batches; times are means over "
                  "pipeline ranks; sources in docs/model.md)\n\nThe step",
                  sc->name, units_format_seconds(x.step, step, sizeof step), x.t, x.p, x.d, x.m);
    step_terms(&x, out);
    explain_memory(&x, out);
    explain_run(&x, out);
}
