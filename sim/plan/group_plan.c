/* group_plan: collective groups to collective plans (see group_plan.h). */
#include "plan/group_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "plan/link_share.h"
#include "plan/rank_order.h"

/* Members per node of a group whose consecutive members are STRIDE GPUs
 * apart: 1 unless a node holds a whole number of them. */
static int members_per_node(const topology* t, int stride, int n)
{
    int g = t->gpus_per_node / stride;
    if (stride >= t->gpus_per_node || t->gpus_per_node % stride || n % g)
        return 1;
    return g;
}

/* Every flow of pattern K of SHAPE over the groups of G, the
 * representative's first and each from its member FIRST on (malloc'd,
 * *TOTAL of them). */
static flow* all_pattern_flows(const group_template* g, const collective_shape* shape, int k, int* total)
{
    flow* all = xmalloc((size_t)g->group_count * g->n * COLLECTIVE_MAX_PEERS * sizeof *all);
    int peers[COLLECTIVE_MAX_PEERS];
    *total = 0;
    for (int r = 0; r < g->group_count; r++) {
        const int* gpus = g->gpus + (size_t)r * g->n;
        for (int j = 0; j < g->n; j++) {
            int i = (g->first + j) % g->n, m = collective_peers(shape, k, i, peers);
            for (int q = 0; q < m; q++)
                all[(*total)++] = (flow){gpus[i], gpus[peers[q]]};
        }
    }
    return all;
}

/* The flows of pattern K of SHAPE over every group, so that ties go to the
 * representative's own flow: the slowest of them and every flow that
 * shares one of its links. */
static const flow* pattern_flows(const topology* t, group_template* g, const collective_shape* shape,
                                 int k, int* count)
{
    collective_pattern pattern = shape->phase[k].pattern;
    if (!g->built[pattern]) {
        int total;
        flow* all = all_pattern_flows(g, shape, k, &total);
        double chunk = g->payload * shape->phase[k].chunk;
        int slowest = slowest_flow(t, all, total, all, total, chunk);
        g->flows[pattern] = flows_with_sharers(t, &all[slowest], 1, all, total, 0, &g->count[pattern]);
        g->built[pattern] = 1;
        free(all);
    }
    *count = g->count[pattern];
    return g->flows[pattern];
}

/* How many nodes the representative's group spans, and the slowest route
 * latency between ring neighbours inside a node and across nodes: what no
 * NCCL step over those hops can beat. */
static void span_of(const topology* t, group_template* g)
{
    if (g->spanned)
        return;
    int* seen = xcalloc((size_t)t->nodes, sizeof *seen);
    g->nodes = 0;
    g->intra_floor = g->inter_floor = 0;
    for (int j = 0; j < g->n; j++) {
        int a = g->gpus[j], b = g->gpus[(j + 1) % g->n], node = topology_node_of(t, a);
        if (node >= 0 && node < t->nodes && !seen[node]++)
            g->nodes++;
        if (a == b)
            continue;
        route r;
        topology_route(t, a, b, &r);
        double* floor = node == topology_node_of(t, b) ? &g->intra_floor : &g->inter_floor;
        *floor = fmax(*floor, route_latency(&r));
    }
    if (g->nodes < 1)
        g->nodes = 1;
    free(seen);
    g->spanned = 1;
}

/* Phase K of SHAPE moving PAYLOAD over G's groups as an NCCL call: the
 * call, its bytes and its bytes' time at the Simple protocol, the slowest
 * flow at its fair share. */
static void phase_call(const topology* t, group_template* g, const collective_shape* shape, int k,
                       double payload, phase_plan* out)
{
    int count;
    const flow* flows = pattern_flows(t, g, shape, k, &count);
    span_of(t, g);
    out->call = collective_phase_call(shape, k, g->nodes, g->intra_floor, g->inter_floor);
    out->call_bytes = collective_phase_bytes(shape, k, payload);
    out->simple_seconds = bandwidth_time(t, flows, count, payload * shape->phase[k].chunk * shape->phase[k].steps);
}

/* What one collective of SHAPE moving PAYLOAD takes alone, as NCCL's tuner
 * predicts it: each phase its latency and its slowest flow at its fair
 * share, at the efficiency of the protocol it picks. */
static double predicted_time(const topology* t, group_template* g, const collective_shape* shape,
                             double payload)
{
    double seconds = 0;
    for (int k = 0; k < shape->phase_count; k++) {
        phase_plan ph;
        phase_call(t, g, shape, k, payload, &ph);
        seconds += phase_choice(&ph, 1).seconds;
    }
    return seconds;
}

/* `collective: auto`: as NCCL's tuner does (src/graph/tuning.cc: a latency
 * and bandwidth model per algorithm and protocol, the fastest wins), the
 * algorithm whose predicted time is lowest; the ring wins ties. */
static collective_kind cheapest(const topology* t, group_template* g, collective_op op, double payload,
                                double* predicted)
{
    collective_kind best = COLL_RING;
    for (collective_kind a = COLL_AUTO + 1; a < COLL_COUNT; a++) {
        if (!collective_applies(a, op, g->n, g->per_node))
            continue;
        collective_shape shape;
        collective_shape_of(a, op, g->n, g->per_node, payload, &shape);
        predicted[a] = predicted_time(t, g, &shape, payload);
        if (predicted[a] < predicted[best] * (1 - 1e-9))
            best = a;
    }
    return best;
}

void collective_from(const topology* t, group_template* g, collective_kind requested, collective_op op,
                     double payload, int repeat, collective_plan* out)
{
    memset(out, 0, sizeof *out);
    out->requested = requested;
    if (g->n < 2 || payload <= 0 || repeat <= 0)
        return;
    collective_kind algorithm = requested;
    if (requested == COLL_AUTO)
        algorithm = cheapest(t, g, op, payload, out->predicted);
    collective_shape_of(algorithm, op, g->n, g->per_node, payload, &out->shape);
    out->payload_bytes = payload;
    out->repeat = repeat;
    for (int k = 0; k < out->shape.phase_count; k++) {
        phase_plan* ph = &out->phase[k];
        phase_call(t, g, &out->shape, k, payload, ph);
        const flow* flows = pattern_flows(t, g, &out->shape, k, &ph->flow_count);
        ph->steps = out->shape.phase[k].steps;
        ph->chunk_bytes = payload * out->shape.phase[k].chunk;
        ph->flows = xmalloc((size_t)ph->flow_count * sizeof *ph->flows);
        memcpy(ph->flows, flows, (size_t)ph->flow_count * sizeof *ph->flows);
    }
}

double collective_phase_seconds(const topology* t, const collective_plan* c, int k, int repeat)
{
    const phase_plan* ph = &c->phase[k];
    int transfers = ph->steps * repeat;
    if (ph->call.ranks == 0)
        return closed_form(t, ph->flows, ph->flow_count, ph->chunk_bytes * transfers, transfers);
    nccl_choice nc = phase_choice(ph, 1);
    return closed_form_owing(t, ph->flows, ph->flow_count, ph->chunk_bytes * transfers / nc.efficiency,
                             nc.latency * repeat);
}

static int has_flow(const flow* flows, int n, flow f)
{
    for (int i = 0; i < n; i++)
        if (flows[i].src == f.src && flows[i].dst == f.dst)
            return 1;
    return 0;
}

void collective_add_sharers(const topology* t, const group_template* g, const flow* others, int other_count,
                            collective_plan* c)
{
    for (int k = 0; k < c->shape.phase_count && other_count > 0; k++) {
        int total, count;
        flow* all = all_pattern_flows(g, &c->shape, k, &total);
        flow* concurrent = xmalloc(((size_t)total + other_count) * sizeof *concurrent);
        memcpy(concurrent, all, (size_t)total * sizeof *all);
        memcpy(concurrent + total, others, (size_t)other_count * sizeof *others);
        flow* shared = flows_sharing(t, others, other_count, all, total, concurrent, total + other_count, 0, &count);
        phase_plan* ph = &c->phase[k];
        ph->flows = xrealloc(ph->flows, ((size_t)ph->flow_count + count) * sizeof *ph->flows);
        for (int i = other_count; i < count; i++)   /* the first OTHER_COUNT are the others themselves */
            if (!has_flow(ph->flows, ph->flow_count, shared[i]))
                ph->flows[ph->flow_count++] = shared[i];
        free(shared);
        free(concurrent);
        free(all);
    }
}

void group_template_free(group_template* g)
{
    for (int k = 0; k < PATTERN_COUNT; k++)
        free(g->flows[k]);
    free(g->gpus);
}

/* The groups of family F over pipeline rank S's GPUs, in the order of their
 * first GPU but with REP's group first, each from its member 0 on. */
static void family_groups(const scenario* sc, group_family f, int s, int rep, double payload,
                          group_template* out)
{
    const parallel_spec* p = &sc->par;
    int gpus = p->tp * p->cp * p->dp, first_gpu = s * gpus;
    memset(out, 0, sizeof *out);
    out->n = f.n;
    out->first = plan_member_index(sc, f, rep);
    out->payload = payload;
    out->group_count = gpus / f.n;
    out->gpus = xmalloc((size_t)gpus * sizeof *out->gpus);
    int mine = plan_group_base(sc, f, rep), r = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int g = first_gpu; g < first_gpu + gpus; g++) {
            if (plan_member_index(sc, f, g) != 0 || (pass == 0) != (g == mine))
                continue;
            for (int j = 0; j < f.n; j++)
                out->gpus[r * f.n + j] = g + j * f.stride;
            r++;
        }
}

/* The representative GPU of replica D on pipeline rank S: tp and cp rank 0. */
static int representative(const scenario* sc, int s, int d)
{
    return plan_rank(sc, 0, 0, d, s);
}

void tp_template(const scenario* sc, int s, int d, double payload, group_template* out)
{
    family_groups(sc, plan_tp_family(sc), s, representative(sc, s, d), payload, out);
    out->per_node = 1;
}

void dispatch_gather_template(const scenario* sc, int s, int d, double payload, group_template* out)
{
    family_groups(sc, plan_dispatch_gather_family(sc), s, representative(sc, s, d), payload, out);
    out->per_node = 1;
}

void cp_template(const scenario* sc, int s, int d, double payload, group_template* out)
{
    family_groups(sc, plan_cp_family(sc), s, representative(sc, s, d), payload, out);
    out->per_node = 1;
}

void ring_shift_from(const topology* t, group_template* g, double bytes, int transfers, int repeat,
                     collective_plan* out)
{
    collective_from(t, g, COLL_RING, ALL_GATHER, bytes * g->n, repeat, out);
    if (out->shape.phase_count == 0)
        return;
    out->shape.phase[0].steps = transfers;
    out->phase[0].steps = transfers;
    memset(&out->phase[0].call, 0, sizeof out->phase[0].call);   /* sends, not an NCCL collective */
}

void dp_template(const scenario* sc, const topology* t, int s, int d, double payload, group_template* out)
{
    group_family f = plan_dense_dp_family(sc);
    family_groups(sc, f, s, representative(sc, s, d), payload, out);
    out->per_node = members_per_node(t, f.stride, f.n);
}

void expert_dp_template(const scenario* sc, const topology* t, int s, int d, double payload,
                        group_template* out)
{
    group_family f = plan_edp_family(sc);
    family_groups(sc, f, s, representative(sc, s, d), payload, out);
    out->per_node = members_per_node(t, f.stride, f.n);
}

void amax_template(const scenario* sc, const topology* t, int s, int d, double payload, group_template* out)
{
    group_family f = plan_amax_family(sc);
    family_groups(sc, f, s, representative(sc, s, d), payload, out);
    out->per_node = members_per_node(t, f.stride, f.n);
}
