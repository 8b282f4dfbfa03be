/* explain_dispatch: the expert dispatch's closed forms (see explain_dispatch.h). */
#include "output/explain_dispatch.h"

#include <math.h>
#include <stdlib.h>

#include "model/collective.h"
#include "plan/ep_plan.h"
#include "core/strbuf.h"
#include "core/units.h"

/* Megatron-Core's MoEAlltoAllTokenDispatcher: the all-to-alls over the EP
 * group, each GPU's routed slots, an even share to each EP rank. */
static double alltoall_form(const explain_ctx* x, double exchanges, explain_term* t)
{
    const parallel_spec* p = &x->sc->par;
    double alpha, bandwidth;
    char a[32], s[32], b[32];
    explain_family_links(x, plan_ep_family(x->sc), &alpha, &bandwidth);
    double one = collective_alltoall_time(p->ep, x->r->work.ep_pair_bytes, alpha, bandwidth);
    strbuf_printf(&t->text,
                  "\n             m x all-to-alls per micro-batch x (alpha + (e-1) S/B), S = R h 2 / e (direct "
                  "exchange, Thakur et al. 2005;\n             B: the narrowest link between the group's GPUs, "
                  "%d apart) = %d x %.4g x (%s + %d x %s / %s/s)",
                  p->etp, x->m, exchanges, units_format_seconds(alpha, a, sizeof a), p->ep - 1,
                  units_format_bytes(x->r->work.ep_pair_bytes, s, sizeof s),
                  units_format_bytes(bandwidth, b, sizeof b));
    return x->m * exchanges * one;
}

/* The all-gather and reduce-scatter pairs on a ring of the dispatcher's
 * gather group: the ETP group's slots (alltoall), the expert group's hidden
 * states (allgather). */
static double gather_form(const explain_ctx* x, double pairs, explain_term* t)
{
    group_family f = plan_dispatch_gather_family(x->sc);
    double alpha, bandwidth, bytes = x->r->work.etp_message_bytes;
    char a[32], s[32], b[32], o[32];
    explain_family_links(x, f, &alpha, &bandwidth);
    nccl_choice c = collective_ring_choice(ALL_GATHER, f.n, explain_family_nodes(x, f), bytes, alpha, bandwidth);
    double one = 2 * c.seconds;
    int allgather = x->sc->model.moe.dispatcher == DISPATCH_ALLGATHER;
    strbuf_printf(&t->text,
                  "\n             %sm x %s all-gather and reduce-scatter pairs per micro-batch x 2 (L + (u-1) "
                  "S/(u B e)), %s;\n             L, e: NCCL's ring latency and the bandwidth share of its protocol "
                  "(%s)\n             = %d x %.4g x 2 x (%s + %d x %s / (%d x %s/s x %.2f)), %s a pair",
                  allgather ? "" : "+ ", allgather ? "expert group (u = etp x ep)" : "ETP",
                  allgather ? "S = u N h 2 (the hidden states of its u GPUs; B: the narrowest link of the ring)"
                            : "S = u R h 2",
                  nccl_protocol_names[c.protocol], x->m, pairs, units_format_seconds(c.latency, a, sizeof a), f.n - 1,
                  units_format_bytes(bytes, s, sizeof s), f.n, units_format_bytes(bandwidth, b, sizeof b),
                  c.efficiency, units_format_seconds(one, o, sizeof o));
    return x->m * pairs * one;
}

/* DeepEP (flex): pipeline rank 0's first GPU sends its own NVLink and NIC
 * what plan_dispatch_peers gives it; the exchange takes the slower of the
 * two, each at its narrowest link. */
static double flex_form(const explain_ctx* x, double exchanges, explain_term* t)
{
    const workload* w = &x->r->work;
    int* peers = xmalloc((size_t)w->dispatch.group * sizeof *peers);
    double* bytes = xmalloc((size_t)w->dispatch.group * sizeof *bytes);
    int n = plan_dispatch_peers(x->sc, &x->r->topo, &w->dispatch, 0, peers, bytes), local = 0, remote = 0;
    double sent[2] = {0, 0}, rate[2] = {INFINITY, INFINITY}, alpha = 0, node_share = 0;
    for (int i = 0; i < n; i++) {
        double a, b;
        int across = topology_node_of(&x->r->topo, peers[i]) != topology_node_of(&x->r->topo, 0);
        explain_hop(x, 0, peers[i], &a, &b);
        alpha = fmax(alpha, a);
        rate[across] = fmin(rate[across], b);
        sent[across] += bytes[i];
        local += !across;
        remote += across;
        if (across && node_share == 0)
            node_share = bytes[i] / w->dispatch.token_bytes;
    }
    free(peers);
    free(bytes);
    double one = alpha + fmax(local ? sent[0] / rate[0] : 0, remote ? sent[1] / rate[1] : 0);
    char a[32], s0[32], b0[32], s1[32], b1[32];
    strbuf_printf(&t->text,
                  "\n             DeepEP (flex): a token goes once to each GPU of its expert group holding one of its "
                  "experts,\n             P = 1 - C(E - E/e, K) / C(E, K) = %.3f of them; across nodes once per node, "
                  "to the GPU of\n             its own index there (P_node = %.3f), which forwards it over NVLink. "
                  "GPU 0: %d peers in its node, %d nodes away\n             = m x exchanges per micro-batch x "
                  "(alpha + max(NVLink bytes / B, NIC bytes / B)) = %d x %.4g x (%s + max(%s / %s/s, %s / %s/s))",
                  w->dispatch.to_gpu, node_share, local, remote, x->m, exchanges,
                  units_format_seconds(alpha, a, sizeof a), units_format_bytes(sent[0], s0, sizeof s0),
                  units_format_bytes(local ? rate[0] : 0, b0, sizeof b0), units_format_bytes(sent[1], s1, sizeof s1),
                  units_format_bytes(remote ? rate[1] : 0, b1, sizeof b1));
    return x->m * exchanges * one;
}

void explain_dispatch(const explain_ctx* x, explain_term* t)
{
    const workload* w = &x->r->work;
    moe_dispatcher kind = x->sc->model.moe.dispatcher;
    t->name = "Expert dispatch";
    t->simulated = x->r->profile.ep_comm;
    double exchanges = 0, pairs = 0;
    for (int s = 0; s < x->p; s++)
        for (int c = 0; c < x->v; c++) {
            const stage_work* sw = workload_chunk(w, s, c);
            exchanges += (double)(sw->ep_fwd_alltoalls + sw->ep_bwd_alltoalls) / x->p;
            pairs += (double)(sw->etp_fwd_allreduces + sw->etp_bwd_allreduces) / x->p;
        }
    if (exchanges + pairs <= 0) {
        strbuf_append(&t->text, x->sc->model.moe.enabled ? "an expert group of one GPU: no expert dispatch over "
                                                           "the network"
                                                         : "a dense model: no expert dispatch");
        return;
    }
    strbuf_printf(&t->text, "%s dispatcher (Megatron-Core's; docs/model.md): per GPU, N = T/t tokens held "
                            "(sequence-parallel), R = capacity_factor x top_k x N slots",
                  dispatcher_name(kind));
    if (exchanges > 0)
        t->formula += kind == DISPATCH_FLEX ? flex_form(x, exchanges, t) : alltoall_form(x, exchanges, t);
    if (pairs > 0)
        t->formula += gather_form(x, pairs, t);
    if (t->simulated > t->formula)
        snprintf(t->why, sizeof t->why,
                 "the exchange's flows share the NICs and the fabric with the other GPUs' exchanges");
    else if (kind == DISPATCH_FLEX)
        snprintf(t->why, sizeof t->why, "the formula takes each GPU's links alone; in the simulation they "
                                        "share the receiving side with the other GPUs' exchanges");
    else
        snprintf(t->why, sizeof t->why,
                 "the formula sends to every peer at the narrowest link; peers in the same node get NVLink");
}
