/* scenario: the validated contents of one scenario file (format 1).
 *
 * The loader (scenario_load.h) reads YAML strictly against the schema in
 * docs/scenario.md and fills these structs, defaults included; the checks in
 * scenario_check.c then test what no single key can show (tp divides heads,
 * the world fits in the cluster, ...). Everything downstream reads only these
 * structs, never YAML. All quantities are in base units: bytes, seconds,
 * bytes/s, FLOP/s, watts. */
#ifndef TRAINSIM_SCENARIO_H
#define TRAINSIM_SCENARIO_H

#include <stddef.h>

#include "core/diag.h"
#include "input/gpu_catalog.h"

#define SCENARIO_FORMAT 1

/* Limits the run level keeps fixed-size tables for; the checks reject more. */
#define SCENARIO_MAX_RAMP_PHASES         16   /* training.batch_ramp entries */
#define SCENARIO_MAX_FAILURE_COMPONENTS  8    /* failures.components entries */

/* The scenario's enumerated choices. Each ends with its count and has one
 * table of the names YAML spells it with, in scenario.c (X_names below):
 * the loader, the reports, the rows and the plan search all read that one.
 * A new value is a new member here (before the count) and a new name there. */
typedef enum { FFN_GELU, FFN_SWIGLU, FFN_COUNT } ffn_kind;
typedef enum { TOPO_FAT_TREE, TOPO_RAIL_OPTIMIZED, TOPO_ISLANDS, TOPO_COUNT } fabric_topology;
typedef enum { SCHED_GPIPE, SCHED_1F1B, SCHED_INTERLEAVED, SCHED_COUNT } schedule_kind;
typedef enum { RECOMPUTE_NONE, RECOMPUTE_SELECTIVE, RECOMPUTE_FULL, RECOMPUTE_COUNT } recompute_kind;
/* COLL_AUTO asks for the cheapest of the algorithms after it (plan/). */
typedef enum { COLL_AUTO, COLL_RING, COLL_TREE, COLL_HIERARCHICAL, COLL_COUNT } collective_kind;
typedef enum { DIST_EXPONENTIAL, DIST_WEIBULL, DIST_COUNT } failure_distribution;
typedef enum { OUTPUT_TEXT, OUTPUT_JSON, OUTPUT_FORMAT_COUNT } output_format;
typedef enum { GRAD_AUTO, GRAD_FP32, GRAD_BF16, GRAD_FP16, GRAD_COUNT } grad_precision_kind;
/* How context-parallel attention moves K and V (model/cp_exchange.h). */
typedef enum { CP_COMM_P2P, CP_COMM_ALL_GATHER, CP_COMM_TORCH_ALL_GATHER, CP_COMM_COUNT } cp_comm_kind;
/* The element of Adam's moments and, when it differs from the weights', of
 * the optimizer's master copy of the weights (model/workload.c). */
typedef enum { OPTIM_FP32, OPTIM_BF16, OPTIM_COUNT } optimizer_precision_kind;
/* Training in fp8, how the GEMM weights exist in fp8 (model/memory.c). */
typedef enum { FP8W_CACHED, FP8W_PRIMARY, FP8W_PER_GEMM, FP8W_COUNT } fp8_weights_kind;
/* How an MoE layer moves its tokens to the experts: Megatron-Core's token
 * dispatchers (model/moe_dispatch.h). */
typedef enum { DISPATCH_ALLGATHER, DISPATCH_ALLTOALL, DISPATCH_FLEX, DISPATCH_COUNT } moe_dispatcher;

/* An uncertain input's distribution (the `uncertain:` section). */
typedef enum { PRIOR_UNIFORM, PRIOR_LOGUNIFORM, PRIOR_TRIANGULAR, PRIOR_NORMAL, PRIOR_CHOICE, PRIOR_COUNT } prior_kind;
/* The run's figures an uncertainty study summarizes and `targets:` may
 * bound: each is a key of the JSON report (docs/output.md). */
typedef enum {
    OUTCOME_WALL_CLOCK_DAYS, OUTCOME_RUN_MFU, OUTCOME_STEP_MFU, OUTCOME_COST, OUTCOME_ENERGY_MWH,
    OUTCOME_GPU_HOURS, OUTCOME_STEP_TIME, OUTCOME_TOKENS_PER_S, OUTCOME_GOODPUT, OUTCOME_BUBBLE,
    OUTCOME_COUNT
} outcome_kind;

/* The component classes that fail. How many instances of each a job has is
 * the run level's rule (run/run.c, instances_of): a new kind is a member
 * here, its name in failure_kind_names and its rule there. */
typedef enum {
    FAIL_GPU, FAIL_HBM, FAIL_HOST, FAIL_NIC, FAIL_SWITCH, FAIL_LINK, FAIL_SOFTWARE,
    FAILURE_KIND_COUNT
} failure_kind;

extern const char* const ffn_names[FFN_COUNT];
extern const char* const topology_names[TOPO_COUNT];
extern const char* const schedule_names[SCHED_COUNT];
extern const char* const recompute_names[RECOMPUTE_COUNT];
extern const char* const collective_names[COLL_COUNT];
extern const char* const distribution_names[DIST_COUNT];
extern const char* const output_format_names[OUTPUT_FORMAT_COUNT];
extern const char* const grad_precision_names[GRAD_COUNT];
extern const char* const cp_comm_names[CP_COMM_COUNT];
extern const char* const optimizer_precision_names[OPTIM_COUNT];
extern const char* const fp8_weights_names[FP8W_COUNT];
extern const char* const dispatcher_names[DISPATCH_COUNT];
extern const char* const failure_kind_names[FAILURE_KIND_COUNT];
extern const char* const prior_names[PRIOR_COUNT];
extern const char* const outcome_names[OUTCOME_COUNT];

typedef struct {
    double bandwidth;   /* bytes/s, per direction: the line rate */
    double latency;     /* seconds, one way */
    double efficiency;  /* share of the line rate collectives achieve */
} link_spec;

typedef struct {
    int    enabled;          /* the moe section is present */
    int    experts;
    int    top_k;
    double capacity_factor;  /* tokens per expert = factor * top_k * tokens / experts */
    int    every;            /* an MoE MLP every N-th layer (after the first_dense) */
    int    expert_ffn_hidden;  /* width of each routed and shared expert's MLP */
    int    shared_experts;   /* experts every token visits besides its top_k */
    int    first_dense;      /* leading layers whose MLP is dense */
    moe_dispatcher dispatcher;   /* how tokens reach the experts and come back */
} moe_spec;

typedef struct {
    int      layers, hidden, heads, kv_heads, ffn_hidden;
    int      head_dim;        /* d: attention width is heads x head_dim */
    ffn_kind ffn;
    int      vocab, seq_len;
    double   dropout;         /* probability of the hidden and attention dropouts */
    int      tie_embeddings;  /* the LM head shares the input embedding's table */
    moe_spec moe;
} model_spec;

typedef struct {
    int             nodes, gpus_per_node;
    link_spec       nvlink;          /* per GPU, per direction, inside the node */
    int             nic_count;       /* NICs per node */
    link_spec       nic;             /* per NIC */
    fabric_topology topology;
    double          oversubscription;  /* leaf uplink:downlink, >= 1 */
    int             island_nodes;      /* nodes per island; 0 = one island */
    link_spec       inter_island;      /* per node, between islands */
    double          storage_write, storage_read;  /* aggregate bytes/s */
    char*           platform;          /* hand-written platform file, or "" */
} cluster_spec;

typedef struct {
    int             tp, pp, dp, ep, cp;
    int             etp;               /* expert tensor parallel: the experts' GEMMs split over etp ranks
                                        * (default tp; Megatron-Core's --expert-tensor-parallel-size) */
    int             dp_auto;           /* dp was "auto" */
    int             sequence_parallel;
    schedule_kind   schedule;
    int             virtual_stages;
    int             micro_batch;       /* sequences per micro-batch */
    int             zero;              /* ZeRO stage 0..3 */
    recompute_kind  recompute;
    int             dp_overlap;
    int             tp_comm_overlap;   /* TP all-gathers / reduce-scatters overlapped with their GEMMs */
    int             param_gather_overlap; /* ZeRO 1/2: the weight all-gather beside the next forward */
    collective_kind collective;
    cp_comm_kind    cp_comm;           /* how context-parallel attention exchanges K and V */
    int             flash_attention;   /* fused attention kernels (Dao et al. 2022) */
    int*            stage_layers;      /* layers of each model chunk in model order (chunk i on
                                        * rank i mod pp), pp * virtual_stages of them ... */
    int             stage_layer_count; /* ... or 0: the layers split evenly */
} parallel_spec;

typedef struct {
    double    tokens;        /* from this many tokens trained on ... */
    long long global_batch;  /* ... the batch is this many sequences */
} ramp_phase;

typedef struct {
    long long   global_batch;   /* sequences per step */
    double      global_batch_tokens;  /* as written, when given in tokens */
    double      tokens;         /* tokens to train on; 0 when iterations is set */
    long long   iterations;     /* steps to run; 0 when tokens is set */
    precision   precision;
    int         grad_precision;   /* GRAD_AUTO, GRAD_FP32, GRAD_BF16 or GRAD_FP16 */
    int         optimizer_precision;  /* OPTIM_FP32 or OPTIM_BF16 */
    int         fp8_weights;      /* FP8W_CACHED, FP8W_PRIMARY or FP8W_PER_GEMM */
    ramp_phase* ramp;
    size_t      ramp_count;
} training_spec;

typedef struct {
    failure_kind kind;
    double mtbf;       /* seconds, per component instance */
    double repair;     /* seconds */
} failure_component;

typedef struct {
    int                  enabled;   /* the failures section is present */
    failure_distribution distribution;
    double               weibull_shape;
    failure_component*   components;
    size_t               component_count;
    double               rate_scale;        /* every component's failure rate times this */
    double               detect, restart;   /* seconds */
    int                  spares;            /* spare nodes, beside the cluster's nodes */
} failure_spec;

typedef struct {
    int       interval_auto;        /* Young/Daly optimum */
    double    interval_seconds;     /* when given as a time */
    long long interval_iterations;  /* when given as a step count */
    int       async;
    int       size_auto;
    double    size_bytes;
} checkpoint_spec;

typedef struct {
    double gpu_hour;   /* currency per GPU-hour */
    double kwh;        /* currency per kWh of facility energy; 0: energy not priced */
} cost_spec;

typedef struct {
    int    enabled;   /* the power section is present */
    double gpu_busy, gpu_comm, gpu_idle, node_overhead, pue;   /* watts per GPU by state, per node; PUE */
} power_spec;

typedef struct {
    output_format format;
    char*         trace;
    int           replications;
    int           samples;   /* an uncertainty study's samples */
} output_spec;

/* How an uncertain key's values are written, so that a draw can be written
 * back: a plain number, an integer, a quantity with a unit, or anything else
 * (a name, a mapping: only a choice can give those). */
typedef enum { DRAW_NUMBER, DRAW_INTEGER, DRAW_QUANTITY, DRAW_OTHER, DRAW_KIND_COUNT } draw_kind;

/* One uncertain input: a key of the scenario and its distribution. */
typedef struct {
    char*      key;          /* the dotted path, as written under uncertain: */
    int        line, col;    /* where its distribution is written */
    prior_kind prior;
    double     param[3];     /* uniform, loguniform: lo, hi; triangular: lo, mode, hi; normal: mean, sd
                              * (base units) */
    draw_kind  draw;
    int        unit;         /* a quantity's unit_kind (core/units.h) */
    double     min, max;     /* the key's valid range, to which a normal is truncated */
    int        min_open;     /* min itself is not valid */
    int        choices;      /* choice: how many values, ... */
    char**     choice_text;  /* ... each as written (flow style), ... */
    double*    choice_value; /* ... the number each stands for (a numeric key's value, else its position) ... */
    double*    weight;       /* ... and their weights */
} uncertain_input;

/* A band of an outcome that a target asks for: LO <= value <= HI. */
typedef struct {
    outcome_kind outcome;
    double       lo, hi;
    int          line, col;
} target_band;

typedef struct {
    uncertain_input* inputs;
    int              input_count;
    target_band*     targets;
    int              target_count;
    int              targets_line, targets_col;   /* where targets: is written */
} uncertainty_spec;

/* Where a key was written, so that cross-field checks can point at it. */
typedef struct {
    char* path;
    char* file;   /* NULL: the scenario's own file; else where the value came from (a sweep) */
    int   line, col;
} key_mark;

typedef struct {
    char*              file;          /* path as given */
    char*              name;
    char*              description;
    unsigned long long seed;
    model_spec         model;
    gpu_spec           gpu;
    cluster_spec       cluster;
    parallel_spec      par;
    training_spec      train;
    failure_spec       failures;
    checkpoint_spec    checkpoint;
    cost_spec          cost;
    power_spec         power;
    output_spec        output;
    uncertainty_spec   uncertain;     /* uncertain: and targets: (docs/scenario.md) */
    key_mark*          marks;
    size_t             mark_count;
} scenario;

/* Frees what a scenario_load_* (scenario_load.h) left in SC, loaded or not. */
void scenario_free(scenario* sc);

/* GPUs the job uses: tp * pp * dp * cp. */
long long scenario_world_size(const scenario* sc);
/* The ranks that hold the same dense weights and reduce their gradients
 * together: dp * cp. Context-parallel ranks see different tokens of the same
 * sequences, so Megatron-Core reduces the dense gradients and shards the
 * distributed optimizer over data x context parallel
 * (parallel_state: the data-parallel group "with_context_parallel"), and
 * TorchTitan shards FSDP over dp_shard x cp. Experts keep their own group. */
int scenario_dense_replicas(const scenario* sc);
/* The ranks that hold the same experts and reduce their gradients together
 * (the expert data parallelism, edp): MoE parallel folding (Liu et al. 2025,
 * Megatron-Core's expert RankGenerator) lays the tp x cp x dp GPUs of a
 * pipeline rank out again as etp x ep x edp for the expert layers, so
 * edp = tp x cp x dp / (etp x ep). */
int scenario_expert_replicas(const scenario* sc);
/* Nodes the job uses: its GPUs over gpus_per_node, rounded up. */
long long scenario_job_nodes(const scenario* sc);
/* GPUs in the cluster: nodes * gpus_per_node. */
long long scenario_cluster_gpus(const scenario* sc);
/* Micro-batches each pipeline runs per step: global_batch / (dp * micro_batch). */
long long scenario_micro_batches(const scenario* sc);

/* Names of enum values, as written in YAML (the tables above). */
const char* schedule_name(schedule_kind k);
const char* recompute_name(recompute_kind k);
const char* topology_name(fabric_topology k);
const char* collective_name(collective_kind k);
const char* cp_comm_name(cp_comm_kind k);
const char* dispatcher_name(moe_dispatcher k);
const char* ffn_name(ffn_kind k);
const char* failure_kind_name(failure_kind k);
const char* prior_name(prior_kind k);
const char* outcome_name(outcome_kind k);

/* Where the key PATH ("parallelism.pp") was written, or NULL when it was
 * not: its default was used. */
const key_mark* scenario_find_mark(const scenario* sc, const char* path);

#endif
