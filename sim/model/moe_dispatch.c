/* moe_dispatch: the token slots and dispatch traffic of an MoE layer (see
 * moe_dispatch.h). Notation of docs/model.md: N tokens held, K top_k, E
 * experts, e = ep, u = etp, G = u x e, cf capacity_factor, h hidden. */
#include "model/moe_dispatch.h"

#define ELEMENT 2.0   /* bytes of a bf16 / fp16 activation */

/* Megatron-Core's MoE layer takes the sequence-parallel shard a GPU holds
 * (T/t tokens); its router picks top_k experts per token; an expert's
 * slots come from the etp x ep GPUs of its expert group, so with etp > 1
 * each of its etp GPUs sees every slot of its experts (MoE parallel
 * folding). Balanced routing spreads the routed slots evenly over the
 * experts (capacity_factor pads for imbalance). */
void layer_moe_slots(const scenario* sc, moe_slots* out)
{
    const parallel_spec* p = &sc->par;
    const moe_spec* moe = &sc->model.moe;
    double tokens = (double)p->micro_batch * sc->model.seq_len / p->cp;
    out->held = p->sequence_parallel ? tokens / p->tp : tokens;
    out->routed = out->held * moe->top_k * moe->capacity_factor;
    out->gathered = out->routed * p->etp;
    out->local_experts = (double)moe->experts / p->ep;
    out->per_expert = out->gathered / out->local_experts;
    out->width = (double)moe->expert_ffn_hidden / p->etp;
}

/* Hypergeometric: none of the K draws (without repeats) among E lands in
 * the HELD: prod_{i<K} (E - held - i) / (E - i). */
double moe_token_reaches(int experts, int held, int top_k)
{
    double none = 1;
    for (int i = 0; i < top_k; i++) {
        double left = (double)experts - held - i;
        if (left <= 0)
            return 1;
        none *= left / (experts - i);
    }
    return 1 - none;
}

double moe_tokens_reaching(const scenario* sc, int ep_ranks)
{
    const moe_spec* moe = &sc->model.moe;
    return moe_token_reaches(moe->experts, ep_ranks * (moe->experts / sc->par.ep), moe->top_k);
}

/* MoEAlltoAllTokenDispatcher: each GPU permutes its R = cf K N slots into
 * expert order and sends each EP rank its share, R / e under balanced
 * routing (all_to_all over the EP group, e GPUs u apart); with etp > 1 it
 * all-gathers the received slots over the ETP group and reduce-scatters
 * the experts' output; the combine all-to-all takes them back. */
static void alltoall(const scenario* sc, const moe_slots* s, moe_dispatch* out)
{
    const parallel_spec* p = &sc->par;
    double h = sc->model.hidden;
    out->group = p->ep;
    out->exchanges = p->ep > 1 ? 2 : 0;
    out->pair_bytes = s->routed * h * ELEMENT / p->ep;
    out->gathers = p->etp > 1 ? 1 : 0;
    out->gather_bytes = s->gathered * h * ELEMENT;
    out->received = s->gathered;
    out->unpermuted = s->held;
}

/* MoEAllGatherTokenDispatcher: every GPU of the TP x EP group (the etp x ep
 * GPUs of an expert group, consecutive) all-gathers the hidden states of
 * all of them (gather_from_sequence_parallel_region over tp_ep_group),
 * picks the slots of its local experts out of the G N tokens, and
 * reduce-scatters the unpermuted output back to the tokens' owners. A
 * gathered token has a local expert with the chance that its top_k reach
 * the E/e experts of the GPU's EP rank. */
static void allgather(const scenario* sc, const moe_slots* s, moe_dispatch* out)
{
    const parallel_spec* p = &sc->par;
    const moe_spec* moe = &sc->model.moe;
    double h = sc->model.hidden, group = (double)p->etp * p->ep;
    out->group = p->etp * p->ep;
    out->gathers = out->group > 1 ? 1 : 0;
    out->gather_bytes = group * s->held * h * ELEMENT;
    out->received = moe->capacity_factor * group * s->held * moe_tokens_reaching(sc, 1);
    out->unpermuted = group * s->held;
}

/* MoEFlexTokenDispatcher with DeepEP (fused_dispatch over tp_ep_group): a
 * token goes once to each GPU of the group whose EP rank holds any of its
 * experts (every etp replica of it), not once per slot; across nodes once
 * per node (plan/ep_plan.c lays the flows out). The receiver permutes the
 * tokens it got into its experts' slots. No separate ETP collective. */
static void flex(const scenario* sc, const moe_slots* s, moe_dispatch* out)
{
    const parallel_spec* p = &sc->par;
    const moe_spec* moe = &sc->model.moe;
    out->group = p->etp * p->ep;
    out->exchanges = out->group > 1 ? 2 : 0;
    out->to_gpu = moe_tokens_reaching(sc, 1);
    out->received = moe->capacity_factor * out->group * s->held * out->to_gpu;
    out->unpermuted = out->received;
}

void moe_dispatch_of(const scenario* sc, moe_dispatch* out)
{
    moe_slots s;
    layer_moe_slots(sc, &s);
    *out = (moe_dispatch){.kind = sc->model.moe.dispatcher};
    out->token_bytes = sc->model.moe.capacity_factor * s.held * sc->model.hidden * ELEMENT;
    switch (out->kind) {
    case DISPATCH_ALLTOALL:  alltoall(sc, &s, out); break;
    case DISPATCH_ALLGATHER: allgather(sc, &s, out); break;
    case DISPATCH_FLEX:      flex(sc, &s, out); break;
    case DISPATCH_COUNT:     break;
    }
}
