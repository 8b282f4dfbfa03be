/* tp_overlap: what the TP collectives of a pass cost when they overlap the
 * GEMMs beside them (parallelism.tp_comm_overlap, Megatron-Core's
 * --tp-comm-overlap over Transformer Engine's userbuffers), in closed form.
 *
 * With sequence parallelism each dense layer's pass has four TP
 * collectives, an all-gather or a reduce-scatter each, and each runs chunked
 * beside one GEMM: forward, the all-gather with the column-parallel GEMM
 * that reads it (QKV, fc1) and the reduce-scatter with the row-parallel GEMM
 * that writes it (projection, fc2); backward, the all-gather of the output
 * gradient with the row-parallel GEMM's dgrad, and the reduce-scatter of the
 * column-parallel GEMM's dgrad output with its wgrad. What shows is the
 * time the pair takes beyond the GEMM alone: the communication the GEMM is
 * too short to hide, one chunk of pipeline fill, and the GEMM's slowdown on
 * the SMs the communication kernels take. The forms and their constants
 * (Transformer Engine's defaults) are in docs/model.md and
 * docs/calibration.md. */
#ifndef TRAINSIM_TP_OVERLAP_H
#define TRAINSIM_TP_OVERLAP_H

#include "model/workload.h"

/* Seconds per micro-batch of one virtual stage's passes. */
typedef struct {
    double fwd_exposed, bwd_exposed;   /* what the TP collectives add to the pass */
    double fwd_alone, bwd_alone;       /* what they would take back to back, not overlapped */
} tp_overlap_time;

/* Transformer Engine's userbuffers defaults (transformer_engine/pytorch/
 * module/base.py, initialize_ub): the pipelined and bulk overlaps run their
 * communication kernels on 16 SMs that the GEMM gives up (set_sm_margin),
 * the pipelined one in 4 chunks; the ring exchange moves its chunks with
 * the copy engines (use_ce) and leaves the GEMM every SM, in tp chunks. */
#define TP_OVERLAP_COMM_SMS       16
#define TP_OVERLAP_PIPELINE_SPLITS 4

/* Time of an all-gather with its GEMM as a ring exchange in T chunks, the
 * local chunk first: max(g, c + g/T). */
double tp_overlap_ring_exchange(double gemm, double comm, int t);

/* Time of a reduce-scatter pipelined with its GEMM in N chunks, the GEMM on
 * SMS - COMM_SMS SMs: max(g', c) + min(g', c)/N with g' = g SMS / (SMS - COMM_SMS). */
double tp_overlap_pipelined(double gemm, double comm, int sms, int splits);

/* Time of a collective beside an independent GEMM on SMS - COMM_SMS SMs: max(g', c). */
double tp_overlap_bulk(double gemm, double comm, int sms);

/* The passes of virtual stage ST of W when each TP all-gather or
 * reduce-scatter takes COLLECTIVE seconds alone on its ring. The MLP of an
 * MoE layer, the embedding's and the LM head's all-reduces are not
 * overlapped (Transformer Engine's userbuffers serve its own linear layers):
 * they cost their full time, two collectives per all-reduce. */
void tp_overlap_stage(const scenario* sc, const workload* w, const stage_work* st, double collective,
                      tp_overlap_time* out);

#endif
