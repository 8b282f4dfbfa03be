/* collective: ring, double binary tree and hierarchical collectives as
 * phases of member-to-member flows (see collective.h). */
#include "model/collective.h"

#include <math.h>

/* ---- the double binary tree ---------------------------------------------- */

/* Tree 0 is the balanced in-order binary tree over positions 0..n-1: the
 * root of a range [lo, hi) is its middle, its subtrees the two halves. */
static void tree_locate(int n, int p, int* lo, int* hi, int* parent)
{
    int l = 0, h = n, up = -1;
    for (;;) {
        int mid = l + (h - l) / 2;
        if (mid == p)
            break;
        up = mid;
        if (p < mid)
            h = mid;
        else
            l = mid + 1;
    }
    *lo = l;
    *hi = h;
    *parent = up;
}

/* Tree 1 puts member i where tree 0 has another: shifted by one for odd N,
 * mirrored for even N, as NCCL's double tree does, so that most interior
 * members of one tree are leaves of the other. */
static int position_of(int tree, int n, int member)
{
    if (tree == 0)
        return member;
    return n % 2 ? (member + 1) % n : n - 1 - member;
}

static int member_at(int tree, int n, int position)
{
    if (tree == 0)
        return position;
    return n % 2 ? (position + n - 1) % n : n - 1 - position;
}

/* Parent and children of member I in TREE, appended to PEERS. */
static int tree_neighbours(int tree, int n, int i, int* peers)
{
    int lo, hi, parent, count = 0, p = position_of(tree, n, i);
    tree_locate(n, p, &lo, &hi, &parent);
    if (parent >= 0)
        peers[count++] = member_at(tree, n, parent);
    if (p > lo)
        peers[count++] = member_at(tree, n, lo + (p - lo) / 2);
    if (hi > p + 1)
        peers[count++] = member_at(tree, n, p + 1 + (hi - p - 1) / 2);
    return count;
}

int collective_tree_depth(int n)
{
    return n <= 1 ? 0 : 1 + collective_tree_depth(n / 2);
}

int collective_tree_fan_out(int n)
{
    int most = 0, peers[COLLECTIVE_MAX_PEERS];
    for (int i = 0; i < n; i++) {
        int count = tree_neighbours(0, n, i, peers);
        count += tree_neighbours(1, n, i, peers + count);
        if (count > most)
            most = count;
    }
    return most;
}

/* Each tree carries half the payload in chunks of COLLECTIVE_TREE_CHUNK_BYTES;
 * the last chunk leaves a leaf K - 1 rounds after the first and needs depth
 * rounds up and depth down. */
static void tree_rounds(int n, double payload, int* rounds, double* chunk)
{
    double half = payload / 2;
    int k = (int)ceil(half / COLLECTIVE_TREE_CHUNK_BYTES);
    if (k < 1)
        k = 1;
    *rounds = k + 2 * collective_tree_depth(n) - 1;
    *chunk = 1.0 / (2.0 * k);
}

/* ---- shapes -------------------------------------------------------------- */

int collective_applies(collective_kind algorithm, collective_op op, int n, int per_node)
{
    switch (algorithm) {
    case COLL_TREE:
        return op == ALL_REDUCE && n >= 2;
    case COLL_HIERARCHICAL:
        return per_node > 1 && n > per_node && n % per_node == 0;
    default:
        return n >= 2;
    }
}

static void add_phase(collective_shape* s, collective_pattern pattern, int steps, double chunk)
{
    if (steps > 0)
        s->phase[s->phase_count++] = (collective_phase){pattern, steps, chunk};
}

void collective_shape_of(collective_kind algorithm, collective_op op, int n, int per_node,
                         double payload, collective_shape* out)
{
    *out = (collective_shape){.op = op, .members = n, .per_node = per_node, .algorithm = COLL_RING};
    if (n < 2)
        return;
    if (!collective_applies(algorithm, op, n, per_node))
        algorithm = COLL_RING;
    out->algorithm = algorithm;
    int g = per_node, m = n / (per_node > 0 ? per_node : 1);
    if (algorithm == COLL_TREE) {
        int rounds;
        double chunk;
        tree_rounds(n, payload, &rounds, &chunk);
        add_phase(out, PATTERN_TREES, rounds, chunk);
    } else if (algorithm == COLL_HIERARCHICAL) {
        if (op != ALL_GATHER)
            add_phase(out, PATTERN_NODE_RINGS, g - 1, 1.0 / g);
        add_phase(out, PATTERN_RAIL_RINGS, op == ALL_REDUCE ? 2 * (m - 1) : m - 1, 1.0 / (g * m));
        if (op != REDUCE_SCATTER)
            add_phase(out, PATTERN_NODE_RINGS, g - 1, 1.0 / g);
    } else {
        add_phase(out, PATTERN_RING, op == ALL_REDUCE ? 2 * (n - 1) : n - 1, 1.0 / n);
    }
}

/* ---- peers --------------------------------------------------------------- */

int collective_peers(const collective_shape* s, int k, int i, int* peers)
{
    int n = s->members, g = s->per_node;
    switch (s->phase[k].pattern) {
    case PATTERN_RING:
        peers[0] = (i + 1) % n;
        return 1;
    case PATTERN_NODE_RINGS:
        peers[0] = i / g * g + (i % g + 1) % g;
        return 1;
    case PATTERN_RAIL_RINGS:
        peers[0] = (i + g) % n;
        return 1;
    case PATTERN_TREES: {
        int count = tree_neighbours(0, n, i, peers);
        return count + tree_neighbours(1, n, i, peers + count);
    }
    case PATTERN_COUNT:
        break;
    }
    return 0;
}

/* ---- NCCL calls ---------------------------------------------------------- */

nccl_call collective_phase_call(const collective_shape* s, int k, int nodes, double intra_floor,
                                double inter_floor)
{
    nccl_call c = {COLL_RING, s->op, s->members, nodes, intra_floor, inter_floor};
    int g = s->per_node > 0 ? s->per_node : 1;
    switch (s->phase[k].pattern) {
    case PATTERN_RING:
        break;
    case PATTERN_TREES:
        c.algorithm = COLL_TREE;
        break;
    case PATTERN_NODE_RINGS:   /* the hierarchy's first phase reduces, its last gathers */
        c.op = k == 0 && s->op != ALL_GATHER ? REDUCE_SCATTER : ALL_GATHER;
        c.ranks = g;
        c.nodes = 1;
        break;
    case PATTERN_RAIL_RINGS:
        c.ranks = c.nodes = s->members / g;
        break;
    case PATTERN_COUNT:
        break;
    }
    return c;
}

double collective_phase_bytes(const collective_shape* s, int k, double payload)
{
    int g = s->per_node > 0 ? s->per_node : 1;
    return s->phase[k].pattern == PATTERN_RAIL_RINGS ? payload / g : payload;
}

/* ---- closed forms -------------------------------------------------------- */

/* Phase K of S alone on uniform links: its NCCL latency and its bytes, every
 * flow at BANDWIDTH over the fan-out of the pattern, at the protocol's share. */
static nccl_choice phase_choice_of(const collective_shape* s, int k, int nodes, double payload, double intra,
                                   double inter, double bandwidth)
{
    int fan_out = s->phase[k].pattern == PATTERN_TREES ? collective_tree_fan_out(s->members) : 1;
    double simple = s->phase[k].steps * fan_out * s->phase[k].chunk * payload / bandwidth;
    nccl_call c = collective_phase_call(s, k, nodes, intra, inter);
    return nccl_choose(&c, collective_phase_bytes(s, k, payload), simple);
}

static double phase_time(const collective_shape* s, int k, int nodes, double payload, double alpha,
                         double bandwidth)
{
    return phase_choice_of(s, k, nodes, payload, alpha, alpha, bandwidth).seconds;
}

nccl_choice collective_ring_choice(collective_op op, int n, int nodes, double payload, double alpha,
                                   double bandwidth)
{
    collective_shape s;
    collective_shape_of(COLL_RING, op, n, 1, payload, &s);
    if (s.phase_count == 0)
        return (nccl_choice){NCCL_SIMPLE, 0, 1, 0};
    return phase_choice_of(&s, 0, nodes, payload, alpha, alpha, bandwidth);
}

double collective_ring_time(collective_op op, int n, int nodes, double payload, double alpha, double bandwidth)
{
    return collective_ring_choice(op, n, nodes, payload, alpha, bandwidth).seconds;
}

double collective_tree_time(int n, int nodes, double payload, double alpha, double bandwidth)
{
    if (n < 2)
        return 0;
    collective_shape s;
    collective_shape_of(COLL_TREE, ALL_REDUCE, n, 1, payload, &s);
    return phase_time(&s, 0, nodes, payload, alpha, bandwidth);
}

double collective_hierarchical_time(int n, int per_node, double payload, double alpha_node,
                                    double b_node, double alpha_rail, double b_rail)
{
    collective_shape s;
    collective_shape_of(COLL_HIERARCHICAL, ALL_REDUCE, n, per_node, payload, &s);
    double seconds = 0;
    for (int k = 0; k < s.phase_count; k++) {
        int rails = s.phase[k].pattern == PATTERN_RAIL_RINGS;
        seconds += phase_choice_of(&s, k, n / per_node, payload, alpha_node, alpha_rail, rails ? b_rail : b_node)
                       .seconds;
    }
    return seconds;
}

double collective_ring_sends_time(collective_op op, int n, double payload, double alpha, double bandwidth)
{
    if (n < 2)
        return 0;
    int steps = op == ALL_REDUCE ? 2 * (n - 1) : n - 1;
    return steps * (alpha + payload / (n * bandwidth));
}

double collective_alltoall_time(int n, double pair_bytes, double alpha, double bandwidth)
{
    return n < 2 ? 0 : alpha + (n - 1) * pair_bytes / bandwidth;
}
