/* nccl_cost: NCCL's latencies, protocol bandwidths and protocol choice (see
 * nccl_cost.h). Every figure is NCCL's own, read in NVIDIA/nccl at tag
 * v2.21.5-1 (commit ab2b89c), src/graph/tuning.cc; the line of each is
 * given next to it and in docs/calibration.md. */
#include "model/nccl_cost.h"

#include <math.h>

const char* const nccl_protocol_names[NCCL_PROTOCOL_COUNT] = {"LL", "LL128", "Simple"};

enum { ALGO_TREE, ALGO_RING, ALGO_COUNT };   /* NCCL's order of the two */
enum { HOP_NVLINK, HOP_NET, HOP_COUNT };

#define US 1e-6

/* baseLat, tuning.cc:56-59: per call, microseconds. */
static const double base_latency[ALGO_COUNT][NCCL_PROTOCOL_COUNT] = {
    {6.8, 14.0, 0},     /* tree: LL, LL128, Simple */
    {6.6, 14.0, 8.4},   /* ring */
};

/* hwLat, tuning.cc:65-78: per step, microseconds, over NVLink (inside a
 * node) and over the network. */
static const double hop_latency[HOP_COUNT][ALGO_COUNT][NCCL_PROTOCOL_COUNT] = {
    {{0.6, 1.25, 28}, {0.6, 1.9, 3.4}},    /* NVLink: tree, ring */
    {{5.0, 8.5, 28}, {2.7, 4.0, 14.0}},    /* network */
};

/* getNetOverhead, tuning.cc:111-118: launching a network step costs 1 us
 * on x86 hosts of Intel (2 us on AMD's; the scenario does not say, and
 * NCCL takes 1 us for any other), three times that with Simple
 * (tuning.cc:245). Once a ring leaves the node every step costs at least
 * that (tuning.cc:247). */
#define NET_OVERHEAD_US 1.0
#define SIMPLE_OVERHEAD_TIMES 3.0

/* "Plateau effect of ring", tuning.cc:436-439: a Simple ring all-reduce
 * across nodes has its latency multiplied by 1.4 on compute capability 8.0
 * and later (every GPU of the catalog), once it moves 64 bytes per channel
 * and rank; trainsim applies it at every size (NCCL's channel count is not
 * modelled; below a few MB at thousands of ranks LL or LL128 wins anyway). */
#define RING_PLATEAU 1.4

/* treeCorrectionFactor, tuning.cc:412-416: the tree's measured share of its
 * modelled bandwidth, by protocol and log2(bytes / 64), 64 B to 256 MB. */
#define TREE_CORRECTION_SIZES 23
static const double tree_correction[NCCL_PROTOCOL_COUNT][TREE_CORRECTION_SIZES] = {
    {1.0, 1.0, 1.0, 1.0, .9, .8, .7, .7, .7, .7, .6, .5, .4, .4, .5, .6, .7, .8, .9, 1.0, 1.0, 1.0, 1.0},
    {1.0, 1.0, 1.0, 1.0, 1.0, .9, .8, .8, .8, .7, .6, .6, .6, .6, .6, .6, .8, .9, .9, .9, .9, 1.0, 1.0},
    {.9, .9, .9, .9, .9, .9, .9, .8, .7, .6, .6, .5, .5, .5, .5, .6, .7, .8, .7, .7, .8, .9, .9},
};

/* NCCL's log2i (src/include/utils.h): floor(log2 n), 0 for n <= 1. */
static int log2i(long long n)
{
    int l = 0;
    while (n >>= 1)
        l++;
    return l;
}

static int algorithm_index(const nccl_call* c)
{
    return c->algorithm == COLL_TREE ? ALGO_TREE : ALGO_RING;
}

/* tuning.cc:158-163 and 240-248: the steps a ring takes, nInterSteps across
 * nodes, the rest inside one. */
static double ring_latency(const nccl_call* c, nccl_protocol p)
{
    int n = c->ranks, nodes = c->nodes, all_reduce = c->op == ALL_REDUCE;
    int steps = all_reduce ? 2 * (n - 1) : n - 1;
    int inter_steps = all_reduce ? (nodes > 1 ? 2 * nodes : 0) : nodes - 1;
    double intra = fmax(hop_latency[HOP_NVLINK][ALGO_RING][p] * US, c->intra_floor);
    if (nodes > 1)
        intra = fmax(intra, NET_OVERHEAD_US * (p == NCCL_SIMPLE ? SIMPLE_OVERHEAD_TIMES : 1) * US);
    double inter = fmax(hop_latency[HOP_NET][ALGO_RING][p] * US, c->inter_floor);
    double latency = base_latency[ALGO_RING][p] * US + (steps - inter_steps) * intra + inter_steps * inter;
    if (all_reduce && nodes > 1 && p == NCCL_SIMPLE)
        latency *= RING_PLATEAU;
    return latency;
}

/* tuning.cc:250-252: up and down a chain inside each node and a tree over
 * the nodes. */
static double tree_latency(const nccl_call* c, nccl_protocol p)
{
    double intra = fmax(hop_latency[HOP_NVLINK][ALGO_TREE][p] * US, c->intra_floor);
    double inter = fmax(hop_latency[HOP_NET][ALGO_TREE][p] * US, c->inter_floor);
    return base_latency[ALGO_TREE][p] * US
         + 2 * ((c->ranks / c->nodes - 1) * intra + log2i(c->nodes) * inter);
}

double nccl_latency(const nccl_call* c, nccl_protocol p)
{
    if (c->ranks < 2 || c->nodes < 1)
        return 0;
    return algorithm_index(c) == ALGO_TREE ? tree_latency(c, p) : ring_latency(c, p);
}

/* tuning.cc:180-185, relative to the Simple ring's bus bandwidth. */
double nccl_efficiency(const nccl_call* c, nccl_protocol p, double bytes)
{
    if (c->ranks < 2 || c->nodes < 1)
        return 1;
    int one_per_node = c->ranks == c->nodes;
    if (algorithm_index(c) == ALGO_RING) {
        double ppn = (double)c->ranks / c->nodes;
        const double ring[NCCL_PROTOCOL_COUNT] = {0.5, ppn < 2 ? 0.7 : 0.92, 1.0};
        return ring[p];
    }
    const double tree[NCCL_PROTOCOL_COUNT] = {1.0 / 3.8, c->nodes == 1 ? 7.0 / 9.0 : 120.0 / 128.0, 1.0};
    double e = 0.92 * tree[p];
    if (one_per_node)   /* search.cc:897: one GPU a node makes the tree's pattern NCCL_TOPO_PATTERN_TREE */
        e *= 0.85;
    int size = log2i((long long)bytes >> 6);   /* ncclTopoGetAlgoTime, tuning.cc:433-434 */
    if (size < TREE_CORRECTION_SIZES)
        e *= tree_correction[p][size];
    return e;
}

nccl_choice nccl_choose(const nccl_call* c, double bytes, double simple_seconds)
{
    nccl_choice best = {NCCL_SIMPLE, 0, 1, simple_seconds};
    if (c->ranks < 2 || c->nodes < 1)
        return best;
    for (nccl_protocol p = NCCL_LL; p < NCCL_PROTOCOL_COUNT; p++) {
        double latency = nccl_latency(c, p), efficiency = nccl_efficiency(c, p, bytes);
        double seconds = latency + simple_seconds / efficiency;
        if (p == NCCL_LL || seconds < best.seconds)
            best = (nccl_choice){p, latency, efficiency, seconds};
    }
    return best;
}
