/* workspace: the GPU memory a training process holds besides its tensors,
 * per pipeline rank, from the scenario: the CUDA context, the cuBLAS
 * workspace, NCCL's connection buffers for each process group the rank
 * communicates in, and Transformer Engine's userbuffers when the TP
 * collectives overlap their GEMMs. Each constant is a library default or a
 * published measurement; sources and equations in docs/model.md, "Memory",
 * and docs/calibration.md. The caching allocator's fragmentation is not
 * counted: it depends on the allocator's settings and the allocation
 * pattern, not on the plan (docs/model.md). */
#ifndef TRAINSIM_WORKSPACE_H
#define TRAINSIM_WORKSPACE_H

#include "input/scenario.h"

/* A CUDA context with lazy module loading (CUDA_MODULE_LOADING=LAZY, the
 * default since PyTorch 1.13 and CUDA 12.2), measured by the PyTorch pull
 * request that made it the default (pytorch/pytorch#86509). */
#define WORKSPACE_CUDA_CONTEXT_BYTES 287047680.0

/* PyTorch's cuBLAS workspace on Hopper and later (aten/src/ATen/cuda/
 * CublasHandlePool.cpp, ":4096:8", 32 MiB; 8.125 MiB on earlier parts). */
#define WORKSPACE_CUBLAS_BYTES (4096.0 * 8 * 1024)

/* NCCL 2.22.3's buffers of one connection, one per protocol (src/init.cc,
 * DEFAULT_LL_BUFFSIZE, DEFAULT_LL128_BUFFSIZE, DEFAULT_BUFFSIZE; the sizes
 * from src/include/device.h): LL 8 lines x 512 threads x 8 steps x 16 bytes,
 * LL128 120 elements x 640 threads x 8 steps x 8 bytes, Simple 4 MiB. The
 * two ends of a connection hold them between them (src/transport/p2p.cc):
 * a rank that receives on one connection and sends on another holds one
 * set. */
#define WORKSPACE_NCCL_LL_BYTES    (8.0 * 512 * 8 * 16)
#define WORKSPACE_NCCL_LL128_BYTES (120.0 * 640 * 8 * 8)
#define WORKSPACE_NCCL_SIMPLE_BYTES 4194304.0
#define WORKSPACE_NCCL_CONNECTION_BYTES \
    (WORKSPACE_NCCL_LL_BYTES + WORKSPACE_NCCL_LL128_BYTES + WORKSPACE_NCCL_SIMPLE_BYTES)

/* Channels: a collective ring uses up to MAXCHANNELS (32, src/include/
 * device.h), which NCCL opens on NVLink; point-to-point over NVLink
 * 2 x (path bandwidth / one link's), capped at 32; over the network 2 per
 * peer (src/graph/paths.cc, ncclTopoGetNchannels). */
#define WORKSPACE_NCCL_CHANNELS          32
#define WORKSPACE_NCCL_NET_PEER_CHANNELS 2

/* Transformer Engine's userbuffers (transformer_engine/pytorch/module/
 * base.py, initialize_ub, v1.8): ten buffers of (seq x micro-batch / cp) x
 * hidden elements, the six all-gather ones in fp8 when training in fp8. */
#define WORKSPACE_UB_BUFFERS    10
#define WORKSPACE_UB_AG_BUFFERS 6

typedef struct {
    double context;       /* CUDA context and cuBLAS workspace */
    double nccl;          /* connection buffers of the rank's process groups */
    double userbuffers;   /* TE's TP-overlap buffers */
    double total;
} workspace_bytes;

/* What pipeline rank RANK holds besides its tensors. */
workspace_bytes workspace_of_rank(const scenario* sc, int rank);

/* NCCL buffers a rank holds for a process group of SIZE ranks: as a
 * collective ring, or exchanging point-to-point with PEERS of its members
 * when consecutive members are STRIDE ranks apart (ranks numbered tp first,
 * then cp, dp, pp; a node holds gpus_per_node consecutive ranks). */
double workspace_nccl_ring_bytes(int size);
double workspace_nccl_p2p_bytes(const scenario* sc, int peers, int size, int stride);

#endif
