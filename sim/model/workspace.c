/* workspace: what a rank holds besides its tensors (see workspace.h). */
#include "model/workspace.h"

/* A collective ring: on each channel the rank receives from one neighbour
 * and sends to the other, one set of buffers between the two ends. NCCL
 * 2.22 connects an algorithm when a collective first uses it
 * (NCCL_RUNTIME_CONNECT, src/init.cc), and the reduce-scatters and
 * all-gathers of data, tensor and sequence parallelism use the ring. */
double workspace_nccl_ring_bytes(int size)
{
    return size > 1 ? WORKSPACE_NCCL_CHANNELS * WORKSPACE_NCCL_CONNECTION_BYTES : 0;
}

/* Point-to-point: per peer a send and a receive connection on each of its
 * channels, many over NVLink, two over the network. The group's members in
 * one node are the consecutive ones that fit in it. */
double workspace_nccl_p2p_bytes(const scenario* sc, int peers, int size, int stride)
{
    if (size <= 1 || peers <= 0)
        return 0;
    int in_node = stride < sc->cluster.gpus_per_node ? sc->cluster.gpus_per_node / stride : 1;
    if (in_node > size)
        in_node = size;
    int local = peers < in_node - 1 ? peers : in_node - 1;
    int remote = peers - local;
    return (local * WORKSPACE_NCCL_CHANNELS + remote * WORKSPACE_NCCL_NET_PEER_CHANNELS)
         * WORKSPACE_NCCL_CONNECTION_BYTES;
}

/* The pipeline neighbours of rank RANK: the previous and the next rank, the
 * ends wrapping around under interleaving (the last chunk of rank p-1 feeds
 * chunk 1 of rank 0); with two ranks both are the same peer. */
static int pipeline_peers(const scenario* sc, int rank)
{
    int p = sc->par.pp, wraps = sc->par.schedule == SCHED_INTERLEAVED;
    if (p <= 1)
        return 0;
    if (p == 2)
        return 1;
    return (rank > 0 || wraps) + (rank < p - 1 || wraps);
}

/* The process groups rank RANK communicates in during a step (Megatron-Core's
 * groups, ranks ordered tp, cp, dp, pp): tensor parallel (a ring), context
 * parallel (ring attention exchanges with its two neighbours), data parallel
 * over dp x cp (a ring), pipeline (its neighbours), the tied embedding's
 * first and last ranks (a ring of two), and for MoE the expert-parallel
 * all-to-all (every other member, etp GPUs apart: MoE parallel folding), the
 * experts' tensor-parallel ring and their data-parallel ring over edp. */
static double nccl_bytes(const scenario* sc, int rank)
{
    const parallel_spec* p = &sc->par;
    double bytes = workspace_nccl_ring_bytes(p->tp);
    bytes += workspace_nccl_p2p_bytes(sc, p->cp == 2 ? 1 : 2, p->cp, p->tp);
    bytes += workspace_nccl_ring_bytes(scenario_dense_replicas(sc));
    bytes += workspace_nccl_p2p_bytes(sc, pipeline_peers(sc, rank), p->pp, p->tp * p->cp * p->dp);
    if (sc->model.tie_embeddings && p->pp > 1 && (rank == 0 || rank == p->pp - 1))
        bytes += workspace_nccl_ring_bytes(2);
    if (sc->model.moe.enabled) {
        bytes += workspace_nccl_p2p_bytes(sc, p->ep - 1, p->ep, p->etp);
        bytes += workspace_nccl_ring_bytes(p->etp);
        bytes += workspace_nccl_ring_bytes(scenario_expert_replicas(sc));
    }
    return bytes;
}

/* Transformer Engine's userbuffers, allocated once for all layers when the
 * TP collectives overlap their GEMMs; the shape is Megatron-Core's and
 * NeMo's (seq x micro-batch / cp, hidden). */
static double userbuffer_bytes(const scenario* sc)
{
    const parallel_spec* p = &sc->par;
    if (!p->tp_comm_overlap || p->tp <= 1)
        return 0;
    double elements = (double)sc->model.seq_len * p->micro_batch / p->cp * sc->model.hidden;
    double gather_element = sc->train.precision == PREC_FP8 ? 1.0 : 2.0;
    return elements * (WORKSPACE_UB_AG_BUFFERS * gather_element
                       + (WORKSPACE_UB_BUFFERS - WORKSPACE_UB_AG_BUFFERS) * 2.0);
}

workspace_bytes workspace_of_rank(const scenario* sc, int rank)
{
    workspace_bytes w;
    w.context = WORKSPACE_CUDA_CONTEXT_BYTES + WORKSPACE_CUBLAS_BYTES;
    w.nccl = nccl_bytes(sc, rank);
    w.userbuffers = userbuffer_bytes(sc);
    w.total = w.context + w.nccl + w.userbuffers;
    return w;
}
