/* cp_exchange: context parallelism's K,V exchange per layer and pass (see
 * cp_exchange.h). Notation as in docs/model.md: c CP ranks, b micro-batch,
 * s sequence, k' KV heads per TP rank, d head size, K the K,V chunk bytes. */
#include "model/cp_exchange.h"

#include <math.h>
#include <string.h>

#define ELEMENT 2.0   /* bytes of a bf16 K or V element */

double cp_kv_bytes(const scenario* sc)
{
    const model_spec* m = &sc->model;
    const parallel_spec* p = &sc->par;
    double kv_heads = fmax(1.0, (double)m->kv_heads / p->tp);
    return 2.0 * p->micro_batch * ((double)m->seq_len / p->cp) * kv_heads * m->head_dim * ELEMENT;
}

static void add(cp_pass* pass, int transfers, double bytes, double compute)
{
    if (transfers <= 0)
        return;
    pass->section[pass->count++] = (cp_section){transfers, bytes, compute};
}

/* Transformer Engine's p2p ring (AttnFuncWithCPAndKVP2P): the causal steps
 * are equal, 1/c of the core each (every step meets half a chunk pair:
 * the diagonal pair causally, then one half of the other rank's chunks). */
static void p2p(int c, double kv, double step_fwd, double step_bwd, cp_pass* fwd, cp_pass* bwd)
{
    add(fwd, c - 1, kv, (c - 1) * step_fwd);       /* the last step has nothing left to receive */
    add(bwd, 2, kv, 2 * step_bwd);                 /* K,V at step 0, dK,dV alone at step c-1 */
    add(bwd, c - 2, 2 * kv, (c - 2) * step_bwd);   /* K,V and dK,dV in between */
}

/* Transformer Engine's all_gather (AttnFuncWithCPAndKVAllGather): ring
 * all-gathers and a reduce-scatter of c-1 steps of one chunk each, nothing
 * beside them. */
static void all_gather(int c, double kv, cp_pass* fwd, cp_pass* bwd)
{
    add(fwd, c - 1, kv, 0);
    add(bwd, 2 * (c - 1), kv, 0);   /* K,V gathered again, dK,dV reduce-scattered */
}

/* PyTorch's context_parallel, all-gather rotater (torch/distributed/tensor/
 * experimental/_attention.py, _templated_ring_attention and its backward):
 * the all-gather beside the local step; dK,dV in fp32 (convert_to_f32),
 * twice the bytes, sent after each step and received during the next; the
 * last one waited for. */
static void torch_all_gather(int c, double kv, double step_fwd, double step_bwd, cp_pass* fwd, cp_pass* bwd)
{
    add(fwd, c - 1, kv, step_fwd);
    add(bwd, c - 1, kv, step_bwd);
    add(bwd, c - 1, 2 * kv, (c - 1) * step_bwd);
    add(bwd, 1, 2 * kv, 0);
}

void cp_layer_passes(const scenario* sc, double core_fwd, double core_bwd, cp_pass* fwd, cp_pass* bwd)
{
    memset(fwd, 0, sizeof *fwd);
    memset(bwd, 0, sizeof *bwd);
    fwd->layers = bwd->layers = 1;
    int c = sc->par.cp;
    if (c < 2)
        return;
    double kv = cp_kv_bytes(sc), step_fwd = core_fwd / c, step_bwd = core_bwd / c;
    switch (sc->par.cp_comm) {
    case CP_COMM_P2P:
        p2p(c, kv, step_fwd, step_bwd, fwd, bwd);
        break;
    case CP_COMM_ALL_GATHER:
        all_gather(c, kv, fwd, bwd);
        break;
    case CP_COMM_TORCH_ALL_GATHER:
        torch_all_gather(c, kv, step_fwd, step_bwd, fwd, bwd);
        break;
    case CP_COMM_COUNT:
        break;
    }
}

/* Whether the backward pass reruns the attention core's forward: full
 * recompute reruns the layer, selective recompute the core, fused or not
 * (model/workload.c, recompute_cost). */
static int recomputes_core(const scenario* sc)
{
    return sc->par.recompute == RECOMPUTE_FULL || sc->par.recompute == RECOMPUTE_SELECTIVE;
}

void cp_stage_passes(const scenario* sc, const workload* w, const stage_work* st, cp_pass* fwd, cp_pass* bwd)
{
    /* every layer's attention is the same, dense or MoE */
    const layer_cost* layer = &w->dense_layer;
    cp_layer_passes(sc, layer->core_seconds, layer->core_bwd_seconds, fwd, bwd);
    if (recomputes_core(sc))
        for (int i = 0; i < fwd->count && bwd->count < CP_MAX_SECTIONS; i++)
            bwd->section[bwd->count++] = fwd->section[i];
    fwd->layers = bwd->layers = st->layers;
}

double cp_pass_overlapped(const cp_pass* pass)
{
    double seconds = 0;
    for (int i = 0; i < pass->count; i++)
        seconds += pass->section[i].compute;
    return pass->layers * seconds;
}

double cp_pass_exposed(const cp_pass* pass, double (*transfer)(double bytes, const void* arg), const void* arg)
{
    double exposed = 0;
    for (int i = 0; i < pass->count; i++) {
        const cp_section* s = &pass->section[i];
        exposed += fmax(0, s->transfers * transfer(s->bytes, arg) - s->compute);
    }
    return pass->layers * exposed;
}

double cp_buffer_bytes(const scenario* sc)
{
    double c = sc->par.cp, chunks = 0;
    if (c < 2)
        return 0;
    switch (sc->par.cp_comm) {
    case CP_COMM_P2P:              chunks = fmax(c, 4); break;
    case CP_COMM_ALL_GATHER:       chunks = 2 * c; break;
    case CP_COMM_TORCH_ALL_GATHER: chunks = c + 6; break;
    case CP_COMM_COUNT:            break;
    }
    return chunks * cp_kv_bytes(sc);
}
