/* cp_exchange: how context-parallel attention moves K and V between the cp
 * ranks of a sequence, per layer and pass, and what it exposes.
 *
 * With context parallelism each rank holds 2 of the sequence's 2c chunks,
 * chunk r and chunk 2c-1-r (causal load balancing: Megatron-Core's
 * get_batch_on_this_cp_rank, PyTorch's context_parallel with
 * enable_load_balance), so every rank does 1/c of the causal attention.
 * Its queries must meet every rank's keys and values. The methods
 * (parallelism.cp_comm):
 *  - p2p (Transformer Engine's cp_comm_type "p2p", Megatron-Core's default;
 *    AttnFuncWithCPAndKVP2P): c attention steps; before step i the rank
 *    sends the K,V chunk it holds to the next rank of the ring and receives
 *    the previous rank's, so step i+1's chunk travels while step i computes.
 *    Forward: c - 1 transfers of K,V, each beside one step. Backward: c
 *    steps, each beside one transfer: K,V at step 0, K,V with the dK,dV
 *    gathered so far at steps 1 .. c-2, dK,dV alone at step c-1.
 *  - all_gather (Transformer Engine's "all_gather", Llama 3's method): the
 *    K,V of every rank all-gathered before the attention, and in the
 *    backward gathered again and dK,dV reduce-scattered after: exposed.
 *  - torch_all_gather (PyTorch's context_parallel with its default rotate
 *    method, _RotateMethod.ALL_GATHER, TorchTitan's default): K,V
 *    all-gathered beside the first (local) step; the other steps read the
 *    gathered buffer. Backward: the gather beside step 0, then dK,dV in fp32
 *    passed on the ring after each step, beside the next step; the last
 *    pass waited for.
 * A pass's transfers come in sections of equal transfers beside equal
 * attention; a section takes max(its compute, its transfers) (sources and
 * forms in docs/model.md, "Context parallelism"). */
#ifndef TRAINSIM_CP_EXCHANGE_H
#define TRAINSIM_CP_EXCHANGE_H

#include "input/scenario.h"
#include "model/workload.h"

#define CP_MAX_SECTIONS 4

/* Per layer and micro-batch: TRANSFERS sends of BYTES from every CP rank to
 * the next one of its ring, all beside COMPUTE seconds of the layer's
 * attention (0: nothing beside them, the rank waits). */
typedef struct {
    int    transfers;
    double bytes;
    double compute;
} cp_section;

/* A pass of a virtual stage: its layers' sections, each repeated LAYERS
 * times per micro-batch (a backward pass under full recompute also has the
 * recomputed forward's). */
typedef struct {
    cp_section section[CP_MAX_SECTIONS];
    int        count;
    int        layers;
} cp_pass;

/* The K and V of one CP rank's chunk of one layer, per TP rank and
 * micro-batch, in 16 bits: 2 x b (s/c) k' d x 2 bytes. */
double cp_kv_bytes(const scenario* sc);

/* The forward and backward sections of one layer whose attention core
 * takes CORE_FWD and CORE_BWD seconds (all its c steps). cp = 1: none. */
void cp_layer_passes(const scenario* sc, double core_fwd, double core_bwd, cp_pass* fwd, cp_pass* bwd);

/* The passes of virtual stage ST of W: its layers' sections, and under
 * full recompute (or selective recompute of an unfused core) the
 * recomputed forward's in the backward pass. */
void cp_stage_passes(const scenario* sc, const workload* w, const stage_work* st, cp_pass* fwd, cp_pass* bwd);

/* Attention seconds of PASS per micro-batch that run beside its transfers. */
double cp_pass_overlapped(const cp_pass* pass);

/* What PASS adds to its micro-batch when a transfer of B bytes takes
 * TRANSFER(B) seconds alone: over its sections, layers x max(0,
 * transfers x TRANSFER(bytes) - compute). */
double cp_pass_exposed(const cp_pass* pass, double (*transfer)(double bytes, const void* arg), const void* arg);

/* Bytes a rank holds at once for the exchange of one layer beyond the K
 * and V it keeps for the backward pass, in chunks of cp_kv_bytes: p2p
 * keeps the copy it sends first and every chunk it receives until the
 * layer's forward attention ends (c), and two pairs of K,V and dK,dV
 * buffers in the backward (4): the larger; all_gather the gathered K,V
 * and the full-length dK,dV (2c); torch_all_gather the gathered K,V and
 * fp32 dK,dV: an accumulator, one in flight out, one in (c + 6). 0
 * without CP. */
double cp_buffer_bytes(const scenario* sc);

#endif
