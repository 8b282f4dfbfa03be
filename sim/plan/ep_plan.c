/* ep_plan: the MoE dispatcher's exchanges as flows (see ep_plan.h). */
#include "plan/ep_plan.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "plan/link_share.h"
#include "plan/rank_order.h"

/* An expert group (rank_order.h): members 0 .. n-1 on GPUs base + k. Its
 * members on one node are consecutive: nodes hold consecutive GPUs. */
typedef struct {
    const topology* t;
    int             base, n, etp;
} expert_group;

static expert_group group_of(const scenario* sc, const topology* t, int gpu)
{
    group_family f = plan_expert_group_family(sc);
    return (expert_group){t, plan_group_base(sc, f, gpu), f.n, sc->par.etp};
}

/* The members [*LO, *HI) of the group on the node of member K. */
static void node_members(const expert_group* g, int k, int* lo, int* hi)
{
    int gpn = g->t->gpus_per_node, node = (g->base + k) / gpn;
    int first = node * gpn - g->base, last = first + gpn;
    *lo = first > 0 ? first : 0;
    *hi = last < g->n ? last : g->n;
}

/* The member that takes member K's tokens for the node of member J:
 * DeepEP sends across nodes only to the GPU of the same index within its
 * node (internode.cu: the RDMA rank of the same NVLink rank), which
 * forwards them over NVLink; the index is taken modulo the node's members
 * when the group's nodes hold different numbers of them. */
static int proxy_for(const expert_group* g, int k, int j)
{
    int klo, khi, jlo, jhi;
    node_members(g, k, &klo, &khi);
    node_members(g, j, &jlo, &jhi);
    return jlo + (k - klo) % (jhi - jlo);
}

/* How many members of other nodes send member K's node their tokens
 * through K: the tokens K forwards to each member of its node. */
static int forwarded_through(const expert_group* g, int k)
{
    int lo, hi, count = 0;
    node_members(g, k, &lo, &hi);
    for (int x = 0; x < g->n; x++)
        count += (x < lo || x >= hi) && proxy_for(g, x, k) == k;
    return count;
}

/* The EP ranks among members [LO, HI): member k is EP rank k / etp. */
static int ep_ranks_in(const expert_group* g, int lo, int hi)
{
    return (hi - 1) / g->etp - lo / g->etp + 1;
}

/* DeepEP's flows from GPU (docs/model.md, the expert dispatch): to each
 * other member of its node, the tokens that need that GPU, its own and
 * those it forwards for the other nodes' members whose proxy it is; to its
 * proxy on each other node, once, the tokens with an expert on that node. */
static int flex_peers(const scenario* sc, const topology* t, const moe_dispatch* d, int gpu, int* peers,
                      double* bytes)
{
    expert_group g = group_of(sc, t, gpu);
    int k = gpu - g.base, lo, hi, count = 0;
    node_members(&g, k, &lo, &hi);
    double local = d->token_bytes * d->to_gpu * (1 + forwarded_through(&g, k));
    for (int j = lo; j < hi; j++)
        if (j != k) {
            peers[count] = g.base + j;
            bytes[count++] = local;
        }
    for (int j = 0; j < g.n;) {
        int jlo, jhi;
        node_members(&g, j, &jlo, &jhi);
        if (jlo != lo) {
            peers[count] = g.base + proxy_for(&g, k, j);
            bytes[count++] = d->token_bytes * moe_tokens_reaching(sc, ep_ranks_in(&g, jlo, jhi));
        }
        j = jhi;
    }
    return count;
}

/* The all-to-all: an even share of the slots to each other EP rank (ep
 * GPUs etp apart). */
static int alltoall_peers(const scenario* sc, const moe_dispatch* d, int gpu, int* peers, double* bytes)
{
    group_family f = plan_ep_family(sc);
    int base = plan_group_base(sc, f, gpu), count = 0;
    for (int k = 0; k < f.n; k++)
        if (base + k * f.stride != gpu) {
            peers[count] = base + k * f.stride;
            bytes[count++] = d->pair_bytes;
        }
    return count;
}

int plan_dispatch_peers(const scenario* sc, const topology* t, const moe_dispatch* d, int gpu, int* peers,
                        double* bytes)
{
    if (d->exchanges == 0)
        return 0;
    return d->kind == DISPATCH_FLEX ? flex_peers(sc, t, d, gpu, peers, bytes)
                                    : alltoall_peers(sc, d, gpu, peers, bytes);
}

/* Every flow of the GPUS (COUNT of them). */
static flow* exchange_flows(const scenario* sc, const topology* t, const moe_dispatch* d, const int* gpus, int count,
                            int* n)
{
    int most = d->group;
    flow* out = xmalloc((size_t)count * most * sizeof *out);
    int* peers = xmalloc((size_t)most * sizeof *peers);
    double* bytes = xmalloc((size_t)most * sizeof *bytes);
    *n = 0;
    for (int i = 0; i < count; i++) {
        int m = plan_dispatch_peers(sc, t, d, gpus[i], peers, bytes);
        for (int k = 0; k < m; k++)
            out[(*n)++] = (flow){gpus[i], peers[k]};
    }
    free(bytes);
    free(peers);
    return out;
}

/* The bytes of each of FLOWS (N of them), from its source's peers, which
 * are listed again only when the source changes. */
static double* bytes_of_flows(const scenario* sc, const topology* t, const moe_dispatch* d, const flow* flows, int n)
{
    double* out = xmalloc((size_t)n * sizeof *out);
    int* peers = xmalloc((size_t)d->group * sizeof *peers);
    double* bytes = xmalloc((size_t)d->group * sizeof *bytes);
    int src = -1, count = 0;
    for (int i = 0; i < n; i++) {
        if (flows[i].src != src) {
            src = flows[i].src;
            count = plan_dispatch_peers(sc, t, d, src, peers, bytes);
        }
        out[i] = 0;
        for (int k = 0; k < count; k++)
            if (peers[k] == flows[i].dst)
                out[i] = bytes[k];
    }
    free(bytes);
    free(peers);
    return out;
}

/* The representative (tp 0, cp 0, replica D) sends its exchange; every GPU
 * of pipeline rank S does the same at once: the plan keeps its flows and
 * those of the others that leave through the same links. */
void plan_alltoall(const scenario* sc, const topology* t, const moe_dispatch* d, int s, int rd, alltoall_plan* out)
{
    const parallel_spec* p = &sc->par;
    memset(out, 0, sizeof *out);
    if (d->exchanges == 0)
        return;
    int gpus = p->tp * p->cp * p->dp, rep = plan_rank(sc, 0, 0, rd, s), mine_count, all_count;
    int* stage = xmalloc((size_t)gpus * sizeof *stage);
    for (int i = 0; i < gpus; i++)
        stage[i] = s * gpus + i;
    flow* mine = exchange_flows(sc, t, d, &rep, 1, &mine_count);
    flow* all = exchange_flows(sc, t, d, stage, gpus, &all_count);
    out->flows = flows_with_sharers(t, mine, mine_count, all, all_count, 1, &out->flow_count);
    out->bytes = d->pair_bytes;
    if (d->kind == DISPATCH_FLEX)
        out->flow_bytes = bytes_of_flows(sc, t, d, out->flows, out->flow_count);
    free(all);
    free(mine);
    free(stage);
}

void alltoall_from(const alltoall_plan* template, int repeat, alltoall_plan* out)
{
    *out = *template;
    out->repeat = repeat;
    out->flows = NULL;
    out->flow_bytes = NULL;
    if (repeat <= 0 || template->flow_count == 0) {
        out->flow_count = 0;
        return;
    }
    out->flows = xmalloc((size_t)template->flow_count * sizeof *out->flows);
    memcpy(out->flows, template->flows, (size_t)template->flow_count * sizeof *out->flows);
    if (template->flow_bytes) {
        out->flow_bytes = xmalloc((size_t)template->flow_count * sizeof *out->flow_bytes);
        memcpy(out->flow_bytes, template->flow_bytes, (size_t)template->flow_count * sizeof *out->flow_bytes);
    }
}

void alltoall_free(alltoall_plan* a)
{
    free(a->flows);
    free(a->flow_bytes);
    memset(a, 0, sizeof *a);
}
