/* scenario_check: a scenario's defaults, where each key was written, and the
 * cross-field checks that no single key can make (see scenario_check.h).
 * Each check points at the key a user would change, with the numbers that
 * make the combination invalid. */
#include "input/scenario_check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Simulation size limits: past these a run would take hours or exhaust
 * memory, so the scenario is refused up front (docs/scenario.md, "Limits"). */
#define MAX_CLUSTER_GPUS    10000000LL
#define MAX_MICRO_BATCHES   1000000LL
#define MAX_PIPELINE_OPS    1000000LL    /* micro-batches x stages per step: ~1.5 min */

/* Defaults are the values of the format's own example (docs/scenario.md);
 * the NIC default is a DGX A100's 8 x 200 Gb/s HDR InfiniBand, and NVLink's
 * bandwidth comes from the GPU catalog (check_cluster). */
void scenario_set_defaults(scenario* sc)
{
    memset(sc, 0, sizeof *sc);
    sc->description = xstrdup("");
    sc->seed = 1;

    sc->model.ffn = FFN_GELU;
    sc->model.dropout = 0.1;     /* Megatron-LM's --hidden-dropout and --attention-dropout */
    sc->model.tie_embeddings = 1;   /* Megatron-LM's GPT default (--untie-embeddings-and-output-weights unset) */
    sc->model.moe.capacity_factor = 1.0;
    sc->model.moe.every = 1;
    /* Megatron-Core's --moe-token-dispatcher-type defaults to allgather, and
     * its help says "We recommend using 'alltoall' when applying expert
     * parallelism" (megatron/training/arguments.py; core/transformer/moe/
     * README.md): trainsim's scenarios apply it, so alltoall. */
    sc->model.moe.dispatcher = DISPATCH_ALLTOALL;

    sc->cluster.gpus_per_node = 8;
    sc->cluster.nvlink.latency = 1e-6;   /* bandwidth and efficiency: the GPU catalog's */
    sc->cluster.nic_count = 8;
    sc->cluster.nic = (link_spec){200e9 / 8, 2e-6, 0.91};      /* 200 Gb/s HDR InfiniBand */
    sc->cluster.topology = TOPO_FAT_TREE;
    sc->cluster.oversubscription = 1.0;
    sc->cluster.inter_island = (link_spec){400e9 / 8, 5e-6, 0};   /* efficiency: the NIC's */
    sc->cluster.storage_write = 200e9;
    sc->cluster.storage_read = 400e9;
    sc->cluster.platform = xstrdup("");

    sc->par = (parallel_spec){
        .tp = 1, .pp = 1, .dp_auto = 1, .ep = 1, .etp = 1, .cp = 1, .sequence_parallel = 1,
        .schedule = SCHED_1F1B, .virtual_stages = 1, .micro_batch = 1, .zero = 1,
        .recompute = RECOMPUTE_SELECTIVE, .dp_overlap = 1, .collective = COLL_AUTO,
        .cp_comm = CP_COMM_P2P,
    };
    sc->train.precision = PREC_BF16;
    sc->train.optimizer_precision = OPTIM_FP32;
    sc->train.fp8_weights = FP8W_CACHED;

    sc->failures.distribution = DIST_EXPONENTIAL;
    sc->failures.weibull_shape = 1.0;
    sc->failures.rate_scale = 1.0;
    sc->failures.detect = 5 * 60;
    sc->failures.restart = 15 * 60;

    sc->checkpoint.interval_auto = 1;
    sc->checkpoint.size_auto = 1;
    sc->cost = (cost_spec){.gpu_hour = 1.0};
    sc->power = (power_spec){.node_overhead = 1500, .pue = 1.2};
    sc->output = (output_spec){.format = OUTPUT_TEXT, .trace = xstrdup(""), .replications = 20, .samples = 64};
}

void scenario_mark(scenario* sc, const char* path, const char* file, int line, int col)
{
    sc->marks = xrealloc(sc->marks, (sc->mark_count + 1) * sizeof *sc->marks);
    sc->marks[sc->mark_count++] = (key_mark){xstrdup(path), file ? xstrdup(file) : NULL, line, col};
}

/* ---- cross-field checks ------------------------------------------------ */

/* Reports "PATH: expected EXPECTED, found FOUND" at the key PATH, or at the
 * first of the fallbacks that was written, or at the top of the file. */
static int reject(const scenario* sc, diag* d, const char* path, const char* fallback,
                  const char* expected, const char* found_fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int reject(const scenario* sc, diag* d, const char* path, const char* fallback,
                  const char* expected, const char* found_fmt, ...)
{
    const key_mark* m = scenario_find_mark(sc, path);
    if (!m && fallback)
        m = scenario_find_mark(sc, fallback);
    char found[512];
    va_list ap;
    va_start(ap, found_fmt);
    vsnprintf(found, sizeof found, found_fmt, ap);
    va_end(ap);
    diag_expected_in(d, m ? m->file : NULL, m ? m->line : 1, m ? m->col : 1, path, expected, found);
    return -1;
}

static int given(const scenario* sc, const char* path)
{
    return scenario_find_mark(sc, path) != NULL;
}

static void fill_model_defaults(scenario* sc)
{
    model_spec* m = &sc->model;
    if (!given(sc, "model.kv_heads"))
        m->kv_heads = m->heads;
    if (!given(sc, "model.ffn_hidden"))
        m->ffn_hidden = 4 * m->hidden;
    if (!given(sc, "model.head_dim") && m->hidden % m->heads == 0)
        m->head_dim = m->hidden / m->heads;
    if (!given(sc, "model.moe.expert_ffn_hidden"))
        m->moe.expert_ffn_hidden = m->ffn_hidden;
}

static int check_model(const scenario* sc, diag* d)
{
    const model_spec* m = &sc->model;
    char expected[128];
    /* Heads split the width evenly unless head_dim says how wide each is
     * (Megatron-LM's kv_channels; Qwen3: 64 heads of 128 on a 4096 width). */
    if (!given(sc, "model.head_dim") && m->hidden % m->heads) {
        snprintf(expected, sizeof expected, "a divisor of model.hidden (%d)", m->hidden);
        return reject(sc, d, "model.heads", NULL, expected, "%d", m->heads);
    }
    if (m->kv_heads > m->heads || m->heads % m->kv_heads) {
        snprintf(expected, sizeof expected, "a divisor of model.heads (%d)", m->heads);
        return reject(sc, d, "model.kv_heads", NULL, expected, "%d", m->kv_heads);
    }
    if (m->moe.enabled && m->moe.top_k > m->moe.experts) {
        snprintf(expected, sizeof expected, "at most model.moe.experts (%d)", m->moe.experts);
        return reject(sc, d, "model.moe.top_k", NULL, expected, "%d", m->moe.top_k);
    }
    if (m->moe.enabled && m->moe.every > m->layers) {
        snprintf(expected, sizeof expected, "at most model.layers (%d)", m->layers);
        return reject(sc, d, "model.moe.every", NULL, expected, "%d", m->moe.every);
    }
    if (m->moe.enabled && m->moe.first_dense > m->layers - m->moe.every) {
        snprintf(expected, sizeof expected,
                 "at most model.layers - model.moe.every (%d - %d = %d), so that some layer is MoE",
                 m->layers, m->moe.every, m->layers - m->moe.every);
        return reject(sc, d, "model.moe.first_dense", NULL, expected, "%d", m->moe.first_dense);
    }
    return 0;
}

/* The spread between identical GPUs and the screening of the slowest hold
 * for every part (gpu_catalog.h, [SPREAD]). A sustained clock comes with
 * the power limit it was measured at: the base's, or, when the scenario
 * states the clock itself, the scenario's own limit unless it says which. */
static void fill_gpu_defaults(scenario* sc)
{
    gpu_spec* g = &sc->gpu;
    if (!given(sc, "gpu.speed_spread"))
        g->speed_spread = GPU_SPEED_SPREAD;
    if (!given(sc, "gpu.speed_cutoff"))
        g->speed_cutoff = GPU_SPEED_CUTOFF;
    if (!given(sc, "gpu.sustained_clock_tdp") && (given(sc, "gpu.sustained_clock") || g->clock_tdp_watts <= 0))
        g->clock_tdp_watts = g->tdp_watts;
}

/* Below the limit its clock was measured at, a GPU slows until its power
 * fits (model/gpu_speed.h); a limit at or under its power at rest leaves
 * nothing to run the SMs on. */
static int check_gpu_power(const scenario* sc, diag* d)
{
    const gpu_spec* g = &sc->gpu;
    double at_rest = GPU_IDLE_SHARE_OF_TDP * g->clock_tdp_watts;
    if (g->tdp_watts <= 0 || g->tdp_watts >= g->clock_tdp_watts || g->tdp_watts > at_rest)
        return 0;
    char expected[200];
    snprintf(expected, sizeof expected,
             "more than the GPU's power at rest (%.1f %% of the %.15g W its sustained clock holds at: %.1f W)",
             100 * GPU_IDLE_SHARE_OF_TDP, g->clock_tdp_watts, at_rest);
    return reject(sc, d, "gpu.tdp", "gpu", expected, "%.15g W", g->tdp_watts);
}

static int check_gpu(scenario* sc, diag* d)
{
    const gpu_spec* g = &sc->gpu;
    if (check_gpu_power(sc, d))
        return -1;
    if (g->peak_flops[sc->train.precision] > 0)
        return 0;
    strbuf supported = {0};
    for (int p = 0; p < PREC_COUNT; p++)
        if (g->peak_flops[p] > 0)
            strbuf_printf(&supported, "%s%s", supported.len ? ", " : "", precision_name((precision)p));
    char expected[256];
    snprintf(expected, sizeof expected, "a precision that %s supports (%s)", g->name,
             strbuf_text(&supported));
    strbuf_free(&supported);
    return reject(sc, d, "training.precision", NULL, expected, "%s", precision_name(sc->train.precision));
}

static int check_cluster(scenario* sc, diag* d)
{
    cluster_spec* c = &sc->cluster;
    char expected[160];
    if (!given(sc, "cluster.nvlink.bandwidth"))
        c->nvlink.bandwidth = sc->gpu.nvlink_bandwidth;
    /* NCCL reaches a share of the line rate: NVLink's from the GPU catalog;
     * InfiniBand's 0.91 from nccl-tests issue #100 (91 of 100 GB/s bus
     * bandwidth over HDR); island links are InfiniBand too. */
    if (!given(sc, "cluster.nvlink.efficiency"))
        c->nvlink.efficiency = sc->gpu.nvlink_efficiency > 0 ? sc->gpu.nvlink_efficiency : 1.0;
    if (!given(sc, "cluster.fabric.inter_island.efficiency"))
        c->inter_island.efficiency = c->nic.efficiency;
    if (c->nvlink.bandwidth <= 0 && c->gpus_per_node > 1)
        return reject(sc, d, "cluster.nvlink.bandwidth", "cluster", "a value (gpu has no nvlink_bandwidth to default to)",
                      "nothing");
    if (scenario_cluster_gpus(sc) > MAX_CLUSTER_GPUS) {
        snprintf(expected, sizeof expected, "a cluster of at most %lld GPUs (nodes x gpus_per_node)",
                 MAX_CLUSTER_GPUS);
        return reject(sc, d, "cluster.nodes", NULL, expected, "%d x %d = %lld GPUs", c->nodes,
                      c->gpus_per_node, scenario_cluster_gpus(sc));
    }
    if (c->island_nodes > c->nodes) {
        snprintf(expected, sizeof expected, "at most cluster.nodes (%d)", c->nodes);
        return reject(sc, d, "cluster.fabric.island_nodes", NULL, expected, "%d", c->island_nodes);
    }
    if (c->topology == TOPO_ISLANDS && c->island_nodes == 0)
        return reject(sc, d, "cluster.fabric.island_nodes", "cluster.fabric.topology",
                      "a positive number of nodes per island when topology is islands", "%d",
                      c->island_nodes);
    return 0;
}

static int check_divisors(const scenario* sc, diag* d)
{
    const parallel_spec* p = &sc->par;
    const model_spec* m = &sc->model;
    char expected[200];
    if (m->heads % p->tp) {
        snprintf(expected, sizeof expected, "a divisor of model.heads (%d)", m->heads);
        return reject(sc, d, "parallelism.tp", NULL, expected, "%d", p->tp);
    }
    if (m->kv_heads % p->tp && p->tp % m->kv_heads) {
        snprintf(expected, sizeof expected,
                 "a divisor or a multiple of model.kv_heads (%d), so that KV heads split or replicate evenly",
                 m->kv_heads);
        return reject(sc, d, "parallelism.tp", NULL, expected, "%d", p->tp);
    }
    if (m->seq_len % p->cp) {
        snprintf(expected, sizeof expected, "a divisor of model.seq_len (%d)", m->seq_len);
        return reject(sc, d, "parallelism.cp", NULL, expected, "%d", p->cp);
    }
    if (p->sequence_parallel && p->tp > 1 && (m->seq_len / p->cp) % p->tp) {
        snprintf(expected, sizeof expected,
                 "a divisor of the sequence length per rank (seq_len / cp = %d) with sequence_parallel",
                 m->seq_len / p->cp);
        return reject(sc, d, "parallelism.tp", NULL, expected, "%d", p->tp);
    }
    /* Megatron-Core's --tp-comm-overlap requires --sequence-parallel: the
     * overlapped collectives are sequence parallelism's all-gathers and
     * reduce-scatters (megatron/training/arguments.py, validate_args). */
    if (p->tp_comm_overlap && p->tp > 1 && !p->sequence_parallel)
        return reject(sc, d, "parallelism.tp_comm_overlap", NULL,
                      "false without parallelism.sequence_parallel (the overlapped collectives are sequence "
                      "parallelism's all-gathers and reduce-scatters)", "true");
    if (p->pp > m->layers) {
        snprintf(expected, sizeof expected, "at most model.layers (%d) pipeline stages", m->layers);
        return reject(sc, d, "parallelism.pp", NULL, expected, "%d", p->pp);
    }
    return 0;
}

/* Interleaving needs at least two chunks per rank, layers that split evenly
 * into the p x v virtual stages, and micro-batches in whole groups of p: the
 * requirements of Megatron-LM's interleaved schedule. A split given in
 * parallelism.stage_layers replaces the even one (as Megatron-Core's
 * --pipeline-model-parallel-layout and TorchTitan's split points do), so the
 * layers need not divide then; the micro-batch condition stays. */
static int check_schedule(const scenario* sc, diag* d)
{
    const parallel_spec* p = &sc->par;
    char expected[200];
    if (p->schedule != SCHED_INTERLEAVED) {
        if (p->virtual_stages != 1)
            return reject(sc, d, "parallelism.virtual_stages", NULL,
                          "1 (virtual stages need schedule: interleaved)", "%d", p->virtual_stages);
        return 0;
    }
    if (p->virtual_stages < 2)
        return reject(sc, d, "parallelism.virtual_stages", "parallelism.schedule",
                      "at least 2 model chunks per rank with schedule: interleaved", "%d", p->virtual_stages);
    if (p->stage_layer_count == 0 && sc->model.layers % (p->pp * p->virtual_stages)) {
        snprintf(expected, sizeof expected,
                 "a divisor of model.layers / pp (%d layers over %d stages) with schedule: interleaved",
                 sc->model.layers, p->pp);
        return reject(sc, d, "parallelism.virtual_stages", "parallelism.schedule", expected, "%d",
                      p->virtual_stages);
    }
    return 0;
}

/* parallelism.stage_layers, when given: one entry per model chunk
 * (pp x virtual_stages) and every layer in exactly one chunk. */
static int check_stage_layers(const scenario* sc, diag* d)
{
    const parallel_spec* p = &sc->par;
    char expected[200];
    if (p->stage_layer_count == 0)
        return 0;
    int chunks = p->pp * p->virtual_stages;
    if (p->stage_layer_count != chunks) {
        snprintf(expected, sizeof expected, "pp x virtual_stages (%d x %d = %d) entries, one per model chunk",
                 p->pp, p->virtual_stages, chunks);
        return reject(sc, d, "parallelism.stage_layers", NULL, expected, "%d entries", p->stage_layer_count);
    }
    long long sum = 0;
    for (int i = 0; i < chunks; i++)
        sum += p->stage_layers[i];
    if (sum != sc->model.layers) {
        snprintf(expected, sizeof expected, "entries adding up to model.layers (%d)", sc->model.layers);
        return reject(sc, d, "parallelism.stage_layers", NULL, expected, "entries adding up to %lld", sum);
    }
    return 0;
}

static int check_interleaved_batch(const scenario* sc, diag* d, const char* path, long long micro)
{
    if (sc->par.schedule != SCHED_INTERLEAVED || micro % sc->par.pp == 0)
        return 0;
    char expected[200];
    snprintf(expected, sizeof expected,
             "a number of micro-batches per pipeline that is a multiple of pp (%d) with schedule: "
             "interleaved",
             sc->par.pp);
    return reject(sc, d, path, NULL, expected, "%lld micro-batches", micro);
}

/* dp: auto takes every whole replica the cluster holds; a given dp must fit. */
static int resolve_world(scenario* sc, diag* d)
{
    parallel_spec* p = &sc->par;
    long long gpus = scenario_cluster_gpus(sc);
    long long per_replica = (long long)p->tp * p->pp * p->cp;
    char expected[200];
    if (p->dp_auto) {
        if (per_replica > gpus) {
            snprintf(expected, sizeof expected,
                     "tp x pp x cp to fit in the cluster's %lld GPUs (%d nodes x %d)", gpus,
                     sc->cluster.nodes, sc->cluster.gpus_per_node);
            return reject(sc, d, "parallelism.pp", "parallelism.tp", expected,
                          "%d x %d x %d = %lld GPUs", p->tp, p->pp, p->cp, per_replica);
        }
        p->dp = (int)(gpus / per_replica);
        return 0;
    }
    if (per_replica * p->dp > gpus) {
        snprintf(expected, sizeof expected,
                 "at most %lld replicas (the cluster's %lld GPUs / (tp x pp x cp = %lld))",
                 gpus / per_replica, gpus, per_replica);
        return reject(sc, d, "parallelism.dp", NULL, expected, "%d (%lld GPUs)", p->dp,
                      per_replica * p->dp);
    }
    return 0;
}

/* The experts' tensor parallelism defaults to the layers' (Megatron-LM's
 * --expert-tensor-parallel-size, set to --tensor-model-parallel-size when
 * absent). Filled at validation, so that a plan that changes tp (best's
 * candidates) changes it too. */
static void fill_parallel_defaults(scenario* sc)
{
    if (!given(sc, "parallelism.etp"))
        sc->par.etp = sc->par.tp;
}

/* A dense model has no experts to spread: ep 1, and etp, if given, the
 * layers' own tp (keys are never silently ignored). */
static int check_dense_experts(const scenario* sc, diag* d)
{
    const parallel_spec* p = &sc->par;
    char expected[160];
    if (p->ep != 1)
        return reject(sc, d, "parallelism.ep", NULL, "1 for a dense model (no model.moe section)", "%d", p->ep);
    if (p->etp != p->tp) {
        snprintf(expected, sizeof expected, "tp (%d) or no etp for a dense model (no model.moe section)", p->tp);
        return reject(sc, d, "parallelism.etp", NULL, expected, "%d", p->etp);
    }
    return 0;
}

/* MoE parallel folding (Liu et al. 2025; Megatron-Core's
 * initialize_model_parallel): the expert layers lay the tp x cp x dp GPUs of
 * a pipeline rank out again as etp x ep x edp, so etp x ep must divide them;
 * ep need not divide dp. Experts split evenly over ep, their FFN width over
 * etp. Megatron-Core's MoE layer refuses tensor parallelism without sequence
 * parallelism in training (megatron/core/transformer/moe/moe_layer.py). */
static int check_expert_parallel(const scenario* sc, diag* d)
{
    const parallel_spec* p = &sc->par;
    const moe_spec* moe = &sc->model.moe;
    char expected[200];
    if (!moe->enabled)
        return check_dense_experts(sc, d);
    if (moe->experts % p->ep) {
        snprintf(expected, sizeof expected, "a divisor of model.moe.experts (%d)", moe->experts);
        return reject(sc, d, "parallelism.ep", NULL, expected, "%d", p->ep);
    }
    if (moe->expert_ffn_hidden % p->etp) {
        snprintf(expected, sizeof expected, "a divisor of the experts' FFN width (model.moe.expert_ffn_hidden: %d)",
                 moe->expert_ffn_hidden);
        return reject(sc, d, "parallelism.etp", "parallelism.tp", expected, "%d", p->etp);
    }
    long long ranks = (long long)p->tp * p->cp * p->dp, expert = (long long)p->etp * p->ep;
    if (ranks % expert) {
        snprintf(expected, sizeof expected,
                 "ep x etp dividing the tp x cp x dp = %d x %d x %d = %lld GPUs of a pipeline stage (MoE "
                 "parallel folding)",
                 p->tp, p->cp, p->dp, ranks);
        return reject(sc, d, "parallelism.ep", "parallelism.etp", expected, "%d x %d = %lld", p->ep, p->etp,
                      expert);
    }
    if (p->tp > 1 && !p->sequence_parallel)
        return reject(sc, d, "parallelism.sequence_parallel", NULL,
                      "true for an MoE model with tp > 1 (Megatron-Core's MoE layer needs sequence parallelism "
                      "with tensor parallelism)",
                      "false");
    /* MoEFlexTokenDispatcher asserts etp x ep > 1 (token_dispatcher.py). */
    if (moe->dispatcher == DISPATCH_FLEX && expert == 1)
        return reject(sc, d, "model.moe.dispatcher", NULL,
                      "allgather or alltoall when ep x etp = 1 (Megatron-Core's flex dispatcher needs an "
                      "expert group of more than one GPU)",
                      "flex");
    return 0;
}

/* A batch must split into whole micro-batches on every replica. */
static int check_batch_split(const scenario* sc, diag* d, const char* path, long long batch)
{
    long long unit = (long long)sc->par.dp * sc->par.micro_batch;
    char expected[200];
    if (batch % unit) {
        long long below = batch / unit * unit;
        snprintf(expected, sizeof expected, "a multiple of dp x micro_batch (%d x %d = %lld sequences)",
                 sc->par.dp, sc->par.micro_batch, unit);
        if (below > 0)
            return reject(sc, d, path, NULL, expected, "%lld (nearest: %lld or %lld)", batch, below,
                          below + unit);
        return reject(sc, d, path, NULL, expected, "%lld (smallest valid: %lld)", batch, unit);
    }
    long long micro = batch / unit;
    if (micro > MAX_MICRO_BATCHES || micro * sc->par.pp * sc->par.virtual_stages > MAX_PIPELINE_OPS) {
        snprintf(expected, sizeof expected,
                 "at most %lld micro-batches per pipeline and %lld micro-batch x stage pairs per step",
                 MAX_MICRO_BATCHES, MAX_PIPELINE_OPS);
        return reject(sc, d, path, NULL, expected, "%lld micro-batches x %d stages", micro,
                      sc->par.pp * sc->par.virtual_stages);
    }
    return check_interleaved_batch(sc, d, path, micro);
}

static int resolve_batch(scenario* sc, diag* d)
{
    training_spec* t = &sc->train;
    int by_sequences = given(sc, "training.global_batch");
    int by_tokens = given(sc, "training.global_batch_tokens");
    if (by_sequences && by_tokens)
        return reject(sc, d, "training.global_batch_tokens", NULL,
                      "either global_batch or global_batch_tokens", "both");
    if (!by_sequences && !by_tokens)
        return reject(sc, d, "training.global_batch", "training",
                      "a value (global_batch in sequences, or global_batch_tokens)", "nothing");
    const char* path = "training.global_batch";
    if (by_tokens) {
        /* Tokens are rounded to whole sequences. */
        path = "training.global_batch_tokens";
        t->global_batch = llround(t->global_batch_tokens / sc->model.seq_len);
        if (t->global_batch < 1)
            return reject(sc, d, path, NULL, "at least one sequence of model.seq_len tokens",
                          "%.15g tokens", t->global_batch_tokens);
    }
    return check_batch_split(sc, d, path, t->global_batch);
}

static int check_length(const scenario* sc, diag* d)
{
    int by_tokens = given(sc, "training.tokens");
    int by_steps = given(sc, "training.iterations");
    if (by_tokens && by_steps)
        return reject(sc, d, "training.iterations", NULL, "either tokens or iterations", "both");
    if (!by_tokens && !by_steps)
        return reject(sc, d, "training.tokens", "training",
                      "a value (tokens to train on, or iterations)", "nothing");
    return 0;
}

/* Keys are never ignored: a key that another key's value makes
 * meaningless is refused, saying which. */
static int check_failures(const scenario* sc, diag* d)
{
    if (given(sc, "failures.shape") && sc->failures.distribution != DIST_WEIBULL)
        return reject(sc, d, "failures.shape", NULL,
                      "no shape unless failures.distribution is weibull (a shape is the Weibull distribution's)",
                      "%.15g", sc->failures.weibull_shape);
    size_t n = sc->failures.component_count;
    if (n > SCENARIO_MAX_FAILURE_COMPONENTS) {
        char expected[64];
        snprintf(expected, sizeof expected, "at most %d components", SCENARIO_MAX_FAILURE_COMPONENTS);
        return reject(sc, d, "failures.components", NULL, expected, "%zu", n);
    }
    return 0;
}

static int check_ramp(const scenario* sc, diag* d)
{
    const training_spec* t = &sc->train;
    if (t->ramp_count > SCENARIO_MAX_RAMP_PHASES) {
        char expected[64];
        snprintf(expected, sizeof expected, "at most %d phases", SCENARIO_MAX_RAMP_PHASES);
        return reject(sc, d, "training.batch_ramp", NULL, expected, "%zu", t->ramp_count);
    }
    for (size_t i = 0; i < t->ramp_count; i++) {
        char path[96];
        if (i > 0 && t->ramp[i].tokens <= t->ramp[i - 1].tokens) {
            snprintf(path, sizeof path, "training.batch_ramp[%zu].tokens", i);
            char expected[96];
            snprintf(expected, sizeof expected, "more than the previous phase's %.15g tokens",
                     t->ramp[i - 1].tokens);
            return reject(sc, d, path, NULL, expected, "%.15g", t->ramp[i].tokens);
        }
        snprintf(path, sizeof path, "training.batch_ramp[%zu].global_batch", i);
        if (check_batch_split(sc, d, path, t->ramp[i].global_batch))
            return -1;
    }
    return 0;
}

/* Bands are counted over an uncertainty study's samples: no uncertain
 * inputs, no samples. */
static int check_targets(const scenario* sc, diag* d)
{
    if (given(sc, "output.samples") && sc->uncertain.input_count == 0)   /* keys are never ignored */
        return reject(sc, d, "output.samples", NULL, "no samples without an uncertain: section to draw them from",
                      "%d", sc->output.samples);
    if (sc->uncertain.target_count > 0 && sc->uncertain.input_count == 0)
        return reject(sc, d, "targets", NULL, "an uncertain: section whose samples the bands are counted over",
                      "none");
    return 0;
}

/* Busy: the GPU's board power limit; idle and communicating: the shares
 * measured on an H100 and confirmed on an H200 (gpu_catalog.h), assumed for
 * the A100. */
static void fill_power_defaults(scenario* sc)
{
    power_spec* p = &sc->power;
    if (!given(sc, "power.gpu_busy"))
        p->gpu_busy = sc->gpu.tdp_watts;
    /* At rest a GPU draws what it draws whatever its limit: the share of the
     * limit it was measured at. */
    if (!given(sc, "power.gpu_idle"))
        p->gpu_idle = GPU_IDLE_SHARE_OF_TDP * sc->gpu.clock_tdp_watts;
    if (!given(sc, "power.gpu_comm"))
        p->gpu_comm = p->gpu_idle + GPU_COMM_SHARE_ABOVE_IDLE * (p->gpu_busy - p->gpu_idle);
}

int scenario_validate(scenario* sc, diag* d)
{
    fill_model_defaults(sc);
    fill_parallel_defaults(sc);
    fill_gpu_defaults(sc);
    fill_power_defaults(sc);
    if (check_model(sc, d) || check_gpu(sc, d) || check_cluster(sc, d) || check_divisors(sc, d)
        || check_schedule(sc, d) || check_stage_layers(sc, d) || resolve_world(sc, d)
        || check_expert_parallel(sc, d) || resolve_batch(sc, d) || check_length(sc, d) || check_ramp(sc, d)
        || check_failures(sc, d) || check_targets(sc, d))
        return -1;
    return 0;
}
