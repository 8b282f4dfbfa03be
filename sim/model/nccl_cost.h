/* nccl_cost: NCCL's own cost model of a collective, the one its tuner picks
 * an algorithm and a protocol by (NVIDIA/nccl v2.21.5-1, src/graph/tuning.cc:
 * ncclTopoTuneModel and ncclTopoGetAlgoTime; the same figures from 2.19 to
 * 2.22). docs/model.md, "Collectives", has the equations.
 *
 * A collective call over RANKS ranks on NODES nodes costs NCCL's latency, a
 * base latency per call and a latency per step that depends on the step's
 * hop (inside a node over NVLink, or over the network), the algorithm and
 * the protocol, plus its bytes at the bus bandwidth times the protocol's
 * share of it. The protocols trade latency for bandwidth: LL (8-byte lines
 * of 4 data bytes and a flag: half the bandwidth, the least latency), LL128
 * (128-byte lines of 120 data bytes) and Simple (the whole bandwidth, the
 * most latency). trainsim's links give the Simple ring's bus bandwidth (line
 * rate x the NCCL efficiency the catalog measured); this module gives the
 * latencies and each protocol's share of that bandwidth, and picks the
 * protocol NCCL's tuner would. */
#ifndef TRAINSIM_NCCL_COST_H
#define TRAINSIM_NCCL_COST_H

#include "input/scenario.h"

/* The collective operations (NCCL's functions). */
typedef enum { ALL_REDUCE, REDUCE_SCATTER, ALL_GATHER, COLLECTIVE_OP_COUNT } collective_op;

/* NCCL's protocols, in its order (which wins ties). */
typedef enum { NCCL_LL, NCCL_LL128, NCCL_SIMPLE, NCCL_PROTOCOL_COUNT } nccl_protocol;
extern const char* const nccl_protocol_names[NCCL_PROTOCOL_COUNT];

/* One collective call as NCCL's tuner sees it. RANKS 0: no NCCL collective
 * (point-to-point sends, which pay their links' latency: nccl_choose gives
 * no latency and the whole bandwidth). A hop never takes less than the
 * latency of the links it crosses: INTRA_FLOOR and INTER_FLOOR are the
 * slowest route latencies of a step inside a node and between nodes. */
typedef struct {
    collective_kind algorithm;   /* COLL_RING or COLL_TREE (all-reduce only) */
    collective_op   op;
    int             ranks, nodes;
    double          intra_floor, inter_floor;   /* seconds */
} nccl_call;

/* NCCL's latency of call C with protocol P, in seconds. */
double nccl_latency(const nccl_call* c, nccl_protocol p);

/* The share of the Simple ring's bus bandwidth that call C moving BYTES
 * (NCCL's nBytes: the whole buffer, for an all-gather the gathered one)
 * reaches with protocol P. */
double nccl_efficiency(const nccl_call* c, nccl_protocol p, double bytes);

typedef struct {
    nccl_protocol protocol;
    double        latency;      /* seconds */
    double        efficiency;   /* of the Simple ring's bus bandwidth */
    double        seconds;      /* latency + simple_seconds / efficiency */
} nccl_choice;

/* The protocol NCCL's tuner picks for call C moving BYTES, whose bytes take
 * SIMPLE_SECONDS at the Simple ring's bus bandwidth: the least predicted
 * time, the first protocol on ties (topoGetAlgoInfo). */
nccl_choice nccl_choose(const nccl_call* c, double bytes, double simple_seconds);

#endif
