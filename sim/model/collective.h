/* collective: the collective algorithms as phases of concurrent flows.
 *
 * A collective over a group of N members (indices 0..N-1, laid out PER_NODE
 * consecutive members to a node) runs as one to three phases; in each phase
 * every member sends CHUNK x payload bytes to each of its peers, STEPS times,
 * all members at once (docs/model.md, "Collectives"):
 *  - ring: one ring over all members; all-reduce 2(N-1) steps of S/N,
 *    reduce-scatter and all-gather N-1 (Patarasuk and Yuan 2009);
 *  - tree (all-reduce only): NCCL's double binary tree (Sanders, Speck and
 *    Traeff 2009): two in-order binary trees, the second the first shifted or
 *    mirrored, each reducing half the payload up to its root and broadcasting it
 *    back down, pipelined in chunks; every round moves one chunk over every
 *    edge of both trees in both directions;
 *  - hierarchical: reduce-scatter inside each node, the collective on the
 *    rails (member j of every node), all-gather inside each node.
 * The expert-parallel all-to-all, a direct exchange in one step, has no
 * phases to choose between; the plan builds its flows itself (plan/ep_plan.c).
 * The module knows members and nodes only; the plan maps members to GPUs and
 * the simulation loads the real links. Each phase is one NCCL call, whose
 * latency and protocol come from NCCL's own cost model (nccl_cost.h): a
 * hierarchical collective makes three. The closed forms here are the times
 * the tests compare the simulation with. */
#ifndef TRAINSIM_COLLECTIVE_H
#define TRAINSIM_COLLECTIVE_H

#include "input/scenario.h"
#include "model/nccl_cost.h"

#define COLLECTIVE_MAX_PHASES 3
#define COLLECTIVE_MAX_PEERS  6   /* tree: a parent and two children in each tree */

/* NCCL's pipelining chunk for the tree: its default 4 MiB buffer per channel
 * (NCCL_BUFFSIZE) in NCCL_STEPS = 8 slots. */
#define COLLECTIVE_TREE_CHUNK_BYTES (4.0 * 1048576.0 / 8.0)

typedef enum {
    PATTERN_RING,         /* one ring over all members */
    PATTERN_NODE_RINGS,   /* a ring inside each node */
    PATTERN_RAIL_RINGS,   /* a ring over member j of every node, for each j */
    PATTERN_TREES,        /* both binary trees, every edge both ways */
    PATTERN_COUNT
} collective_pattern;

typedef struct {
    collective_pattern pattern;
    int                steps;
    double             chunk;    /* share of the payload per flow and step */
} collective_phase;

typedef struct {
    collective_kind  algorithm;  /* what runs: ring, tree or hierarchical (never auto) */
    collective_op    op;
    int              members, per_node;
    int              phase_count;
    collective_phase phase[COLLECTIVE_MAX_PHASES];
} collective_shape;

/* The shape of OP over N members, PER_NODE to a node, moving PAYLOAD bytes
 * per member, with ALGORITHM (ring, tree or hierarchical). An algorithm that
 * does not apply falls back to the ring: the tree does only all-reduce, the
 * hierarchy needs more than one member per node and more than one node. */
void collective_shape_of(collective_kind algorithm, collective_op op, int n, int per_node,
                         double payload, collective_shape* out);

/* Whether ALGORITHM applies to OP over N members PER_NODE to a node. */
int collective_applies(collective_kind algorithm, collective_op op, int n, int per_node);

/* The members member I sends to in phase K, in PEERS (at most
 * COLLECTIVE_MAX_PEERS); returns how many. Every phase is symmetric: a
 * member hears from as many peers as it sends to. */
int collective_peers(const collective_shape* s, int k, int i, int* peers);

/* Depth of the deeper of the two trees over N members (0 for one member). */
int collective_tree_depth(int n);

/* The most flows any member sends in one round of the double binary tree. */
int collective_tree_fan_out(int n);

/* The NCCL call phase K of S is, for a group over NODES nodes whose hops
 * take at least INTRA_FLOOR inside a node and INTER_FLOOR between nodes
 * (their links' latencies): a ring or the tree over all members, a ring
 * inside each node (the hierarchy's reduce-scatter or all-gather) or over
 * the rails (one member a node). */
nccl_call collective_phase_call(const collective_shape* s, int k, int nodes, double intra_floor,
                                double inter_floor);

/* The bytes of that call as NCCL's tuner counts them (nBytes: the whole
 * buffer) when the collective moves PAYLOAD per member: the payload, or on
 * the rails its share 1/per_node. */
double collective_phase_bytes(const collective_shape* s, int k, double payload);

/* Closed forms on uniform links (every hop at least ALPHA; BANDWIDTH per
 * member and direction, the Simple ring's bus bandwidth), the group over
 * NODES nodes: each phase NCCL's latency and its bytes at the bandwidth
 * times the protocol's share, for the protocol NCCL's tuner picks
 * (nccl_cost.h). A ring (Patarasuk and Yuan 2009): L + steps x S / (n B e),
 * steps 2(n-1) for an all-reduce, n-1 for the others; the pipelined double
 * tree: L + rounds x fan-out x chunk / (B e). */
double collective_ring_time(collective_op op, int n, int nodes, double payload, double alpha, double bandwidth);
/* The ring's protocol, latency, efficiency and seconds (collective_ring_time). */
nccl_choice collective_ring_choice(collective_op op, int n, int nodes, double payload, double alpha,
                                   double bandwidth);
double collective_tree_time(int n, int nodes, double payload, double alpha, double bandwidth);

/* Hierarchical all-reduce, g members per node in m nodes: a reduce-scatter
 * ring in each node at B_NODE, an all-reduce ring over the rails at B_RAIL
 * moving S/g, an all-gather ring in each node, each an NCCL call with its
 * latency (hops in a node at least ALPHA_NODE, across nodes ALPHA_RAIL)
 * and protocol: without those, 2 (g-1) (alpha_n + S/(g B_n)) + 2 (m-1)
 * (alpha_r + S/(g m B_r)). */
double collective_hierarchical_time(int n, int per_node, double payload, double alpha_node,
                                    double b_node, double alpha_rail, double b_rail);

/* A ring of point-to-point sends that no NCCL collective makes (Transformer
 * Engine's userbuffers, context parallelism's exchange): each step its
 * link's latency, 2(N-1)(alpha + S/(N B)) for an all-reduce (Patarasuk and
 * Yuan 2009, Eq. 1), N-1 steps for the others. */
double collective_ring_sends_time(collective_op op, int n, double payload, double alpha, double bandwidth);

/* All-to-all by direct exchange: each of N members sends PAIR_BYTES to each
 * of the others at once through its one link (the all-at-once exchange of
 * Thakur et al. 2005), grouped point-to-point sends: alpha + (N-1)
 * pair_bytes / B. */
double collective_alltoall_time(int n, double pair_bytes, double alpha, double bandwidth);

#endif
