/* collective_plan: a collective as the iteration simulation runs it.
 *
 * Of a collective over many concurrent groups, the plan keeps each phase's
 * slowest flow and the flows of the other groups that share its links (the
 * steps of a phase run in lock step, so the slowest flow sets the pace of
 * the whole phase); of an expert-parallel all-to-all, the representative
 * GPU's flows and those leaving through the same links. group_plan.h and
 * ep_plan.h build them. */
#ifndef TRAINSIM_COLLECTIVE_PLAN_H
#define TRAINSIM_COLLECTIVE_PLAN_H

#include "model/collective.h"
#include "network/topology.h"

/* One phase of a collective reduced to its slowest flow: STEPS steps of
 * CHUNK_BYTES per flow, over FLOWS (flows[0] the slowest, the others the
 * flows of concurrent groups that share its links). The phase is the NCCL
 * call CALL (call.ranks 0: point-to-point sends, each step paying its
 * route's latency), which pays NCCL's latency per collective and sends its
 * bytes at the efficiency of the protocol NCCL's tuner picks by its size:
 * CALL_BYTES as the tuner counts them and SIMPLE_SECONDS, the phase's bytes
 * alone at the Simple protocol, for one collective of the whole payload. */
typedef struct {
    int       steps;
    double    chunk_bytes;
    int       flow_count;
    flow*     flows;
    nccl_call call;
    double    call_bytes;
    double    simple_seconds;
} phase_plan;

/* The protocol, latency and efficiency of phase PH when its collective
 * moves FRACTION of its payload (a bucket is a call of its own size). */
static inline nccl_choice phase_choice(const phase_plan* ph, double fraction)
{
    return nccl_choose(&ph->call, ph->call_bytes * fraction, ph->simple_seconds * fraction);
}

/* A collective (collective.h) reduced phase by phase: REPEAT collectives
 * back to back. PREDICTED holds, per algorithm (collective_kind), the time
 * of one collective alone on the platform that `auto` chose by; 0 where the
 * algorithm does not apply or was not asked about. */
typedef struct {
    collective_shape shape;
    collective_kind  requested;
    double           payload_bytes;  /* per rank, per collective */
    int              repeat;
    phase_plan       phase[COLLECTIVE_MAX_PHASES];
    double           predicted[COLL_COUNT];
} collective_plan;

/* Whether C has flows to simulate (not empty, not folded). */
static inline int collective_has_flows(const collective_plan* c)
{
    return c->shape.phase_count > 0 && c->repeat > 0 && c->phase[0].flow_count > 0;
}

/* An MoE dispatcher's exchange (an all-to-all, or DeepEP's): every flow
 * carries BYTES, or FLOW_BYTES[i] when given, per exchange, REPEAT times. */
typedef struct {
    int     flow_count;
    flow*   flows;
    double  bytes;
    double* flow_bytes;
    int     repeat;
} alltoall_plan;

#endif
