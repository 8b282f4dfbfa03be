/* scenario_schema: what each key of a scenario file expects and where it
 * lands in the scenario structs (see scenario_schema.h). */
#include "input/scenario_schema.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/uncertain_keys.h"

/* The physical ranges of the format's quantities (docs/scenario.md,
 * "Ranges"). Inside them a report stays finite and meaningful; outside
 * them a value is a typo (a unit off by 10^9) or an attempt to break the
 * simulator, which printed a step of 0 s, MFU inf % or 31-digit times. */
#define MIN_SHARE 0.01          /* an efficiency or clock below 1 % is no working GPU or link */
#define MIN_PEAK 1e12           /* 1 TFLOP/s: the slowest tensor-core part (V100: 125 TFLOP/s) x 1/100 */
#define MAX_PEAK 1e18           /* 1 EFLOP/s per GPU: ~200 x the B200's dense fp8 (4.5 PFLOP/s) */
#define MIN_HBM 1e6             /* 1 MB of device memory */
#define MAX_HBM 1e15            /* 1 PB: ~5,000 x the largest HBM part (B200: 192 GB) */
#define MIN_HBM_BANDWIDTH 1e9   /* 1 GB/s: a thousandth of the V100's 900 GB/s */
#define MIN_BANDWIDTH 125000.0  /* 1 Mb/s, in bytes/s: below any NIC, PCIe or storage link */
#define MAX_BANDWIDTH 1e15      /* 1 PB/s: ~500 x the NVLink 5 line rate (1.8 TB/s) */
#define MAX_LATENCY 1.0         /* 1 s per message: no fabric waits that long (InfiniBand: ~1 us) */
#define MIN_POWER 1.0           /* 1 W */
#define MAX_GPU_POWER 1e5       /* 100 kW for one GPU: ~80 x a B200's 1.2 kW */
#define MAX_NODE_POWER 1e6      /* 1 MW of overhead per node */
#define MAX_OUTAGE 31557600.0   /* a year (365.25 days) to detect, restart or repair */
#define MIN_CHECKPOINT_INTERVAL 1.0   /* 1 s between checkpoints (a smaller one never ended) */
#define MAX_CHECKPOINT_BYTES 1e18     /* 1 EB */

/* ---- custom readers ---------------------------------------------------- */

/* format: the version number; nothing to store, only to check. */
static int read_format(loader* L, const yt_node* v, const char* path, char* field)
{
    (void)field;
    double x;
    char expected[64];
    snprintf(expected, sizeof expected, "%d (the scenario format version)", SCENARIO_FORMAT);
    if (key_scalar_integer(v, &x) || x != SCENARIO_FORMAT)
        return key_fail(L, v, path, expected);
    return 0;
}

/* A seed is any integer from 0 to 2^63-1, read exactly. */
static int read_seed(loader* L, const yt_node* v, const char* path, char* field)
{
    const char* expected = "a non-negative integer below 2^63";
    if (!key_is_plain_scalar(v) || !isdigit((unsigned char)v->text[0]) || strlen(v->text) > 19)
        return key_fail(L, v, path, expected);
    for (const char* s = v->text; *s; s++)
        if (!isdigit((unsigned char)*s))
            return key_fail(L, v, path, expected);
    unsigned long long x = strtoull(v->text, NULL, 10);
    if (x > 9223372036854775807ULL)
        return key_fail(L, v, path, expected);
    *(unsigned long long*)field = x;
    return 0;
}

static int read_dp(loader* L, const yt_node* v, const char* path, char* field)
{
    parallel_spec* par = (parallel_spec*)(field - offsetof(parallel_spec, dp));
    if (key_is_plain_scalar(v) && strcmp(v->text, "auto") == 0) {
        par->dp_auto = 1;
        return 0;
    }
    double x;
    if (key_scalar_integer(v, &x) || x < 1 || x > 1e7)
        return key_fail(L, v, path, "auto or a positive integer no larger than 10000000");
    par->dp = (int)x;
    par->dp_auto = 0;
    return 0;
}

static const key_rule gpu_rules[];

static void catalog_names(char* buf, size_t size)
{
    size_t n;
    const gpu_spec* all = gpu_catalog_entries(&n);
    strbuf sb = {0};
    for (size_t i = 0; i < n; i++)
        strbuf_printf(&sb, "%s%s", i ? ", " : "", all[i].name);
    snprintf(buf, size, "%s", strbuf_text(&sb));
    strbuf_free(&sb);
}

static int read_gpu_base(loader* L, const yt_node* v, const char* path, char* field)
{
    const gpu_spec* found = v->kind == YT_SCALAR ? gpu_catalog_find(v->text) : NULL;
    if (!found) {
        char names[256], expected[320];
        catalog_names(names, sizeof names);
        snprintf(expected, sizeof expected, "a GPU of the catalog (%s)", names);
        return key_fail(L, v, path, expected);
    }
    *(gpu_spec*)field = *found;
    return 0;
}

/* gpu: a catalog name, or a mapping of fields over an optional base. */
static int read_gpu(loader* L, const yt_node* v, const char* path, char* field)
{
    gpu_spec* gpu = (gpu_spec*)field;
    if (v->kind == YT_SCALAR)
        return read_gpu_base(L, v, path, field);
    if (v->kind != YT_MAP) {
        char names[256], expected[400];
        catalog_names(names, sizeof names);
        snprintf(expected, sizeof expected, "a GPU of the catalog (%s) or a mapping of GPU fields", names);
        return key_fail(L, v, path, expected);
    }
    /* The base goes first, whatever its place in the mapping, so that the
     * other keys override it. */
    const yt_node* base = yt_map_get(v, "base");
    if (base) {
        char base_path[512];
        snprintf(base_path, sizeof base_path, "%s.base", path);
        if (read_gpu_base(L, base, base_path, field))
            return -1;
    } else {
        static const char* needed[] = {"name", "peak_bf16", "hbm", "hbm_bandwidth", "efficiency", "sms",
                                       "hbm_efficiency", NULL};
        for (int i = 0; needed[i]; i++) {
            if (!yt_map_get(v, needed[i])) {
                diag_problem_in(L->d, v->file, v->line, v->col,
                             "%s.%s: expected a value (required when gpu has no base), found nothing",
                             path, needed[i]);
                return -1;
            }
        }
        memset(gpu, 0, sizeof *gpu);
    }
    return key_read_section(L, v, path, gpu_rules, field);
}

/* Already applied by read_gpu before the other keys. */
static int skip_gpu_base(loader* L, const yt_node* v, const char* path, char* field)
{
    (void)L, (void)v, (void)path, (void)field;
    return 0;
}

static int read_gpu_name(loader* L, const yt_node* v, const char* path, char* field)
{
    if (v->kind != YT_SCALAR || yt_is_null(v) || strlen(v->text) >= sizeof ((gpu_spec*)0)->name)
        return key_fail(L, v, path, "a name of at most 47 characters");
    snprintf(field, sizeof ((gpu_spec*)0)->name, "%s", v->text);
    return 0;
}

static int read_optional_section(loader* L, const yt_node* v, const char* path, char* field,
                                 const key_rule* rules, int* enabled)
{
    if (key_read_section(L, v, path, rules, field))
        return -1;
    *enabled = 1;
    return 0;
}

static const key_rule moe_rules[], failure_rules[], power_rules[];

static int read_moe(loader* L, const yt_node* v, const char* path, char* field)
{
    return read_optional_section(L, v, path, field, moe_rules, &((moe_spec*)field)->enabled);
}

static int read_failures(loader* L, const yt_node* v, const char* path, char* field)
{
    return read_optional_section(L, v, path, field, failure_rules, &((failure_spec*)field)->enabled);
}

static int read_power(loader* L, const yt_node* v, const char* path, char* field)
{
    return read_optional_section(L, v, path, field, power_rules, &((power_spec*)field)->enabled);
}

/* Reads a list of mappings, each against ITEM_RULES into ITEM_SIZE bytes. */
static int read_list(loader* L, const yt_node* v, const char* path, const key_rule* item_rules,
                     size_t item_size, const void* item_default, void** items, size_t* count)
{
    if (v->kind != YT_SEQ && !yt_is_null(v))
        return key_fail(L, v, path, "a list");
    *count = 0;
    if (yt_is_null(v))
        return 0;
    *items = xcalloc(v->count, item_size);
    for (size_t i = 0; i < v->count; i++) {
        char item_path[512];
        snprintf(item_path, sizeof item_path, "%s[%zu]", path, i);
        char* item = (char*)*items + i * item_size;
        memcpy(item, item_default, item_size);
        *count = i + 1;
        if (key_read_section(L, v->values[i], item_path, item_rules, item))
            return -1;
    }
    return 0;
}

static const key_rule component_rules[], ramp_rules[];

static int read_components(loader* L, const yt_node* v, const char* path, char* field)
{
    failure_spec* f = (failure_spec*)(field - offsetof(failure_spec, components));
    const failure_component none = {0};
    return read_list(L, v, path, component_rules, sizeof none, &none, (void**)&f->components,
                     &f->component_count);
}

static int read_ramp(loader* L, const yt_node* v, const char* path, char* field)
{
    training_spec* t = (training_spec*)(field - offsetof(training_spec, ramp));
    const ramp_phase none = {0};
    return read_list(L, v, path, ramp_rules, sizeof none, &none, (void**)&t->ramp, &t->ramp_count);
}

/* parallelism.stage_layers: a list of non-negative integers, the layers of
 * each model chunk; null or [] leave the even split. How many there are and
 * what they add up to are cross-field checks (scenario_check.c). */
static int read_stage_layers(loader* L, const yt_node* v, const char* path, char* field)
{
    parallel_spec* par = (parallel_spec*)(field - offsetof(parallel_spec, stage_layers));
    if (v->kind != YT_SEQ && !yt_is_null(v))
        return key_fail(L, v, path, "a list of the layers of each model chunk (non-negative integers)");
    free(par->stage_layers);
    par->stage_layers = NULL;
    par->stage_layer_count = 0;
    if (yt_is_null(v) || v->count == 0)
        return 0;
    par->stage_layers = xcalloc(v->count, sizeof *par->stage_layers);
    for (size_t i = 0; i < v->count; i++) {
        double x;
        if (key_scalar_integer(v->values[i], &x) || x < 0 || x > 1e5) {
            char item_path[512];
            snprintf(item_path, sizeof item_path, "%s[%zu]", path, i);
            return key_fail(L, v->values[i], item_path, "a non-negative integer no larger than 100000");
        }
        par->stage_layers[i] = (int)x;
        par->stage_layer_count = (int)i + 1;
    }
    return 0;
}

/* checkpoint.interval: auto, a duration (3h) or a number of iterations. */
static int read_interval(loader* L, const yt_node* v, const char* path, char* field)
{
    checkpoint_spec* c = (checkpoint_spec*)(field - offsetof(checkpoint_spec, interval_auto));
    const char* expected = "auto, a duration of at least 1s (e.g. 3h) or a positive number of iterations";
    double x;
    c->interval_auto = 0;
    c->interval_seconds = 0;
    c->interval_iterations = 0;
    if (key_is_plain_scalar(v) && strcmp(v->text, "auto") == 0) {
        c->interval_auto = 1;
        return 0;
    }
    if (key_scalar_integer(v, &x) == 0) {
        if (x < 1 || x > 1e12)
            return key_fail(L, v, path, expected);
        c->interval_iterations = (long long)x;
        return 0;
    }
    if (v->kind != YT_SCALAR || units_parse(UNIT_TIME, v->text, &x) || !(x >= MIN_CHECKPOINT_INTERVAL))
        return key_fail(L, v, path, expected);
    c->interval_seconds = x;
    return 0;
}

static int read_checkpoint_size(loader* L, const yt_node* v, const char* path, char* field)
{
    checkpoint_spec* c = (checkpoint_spec*)(field - offsetof(checkpoint_spec, size_auto));
    double x;
    if (key_is_plain_scalar(v) && strcmp(v->text, "auto") == 0) {
        c->size_auto = 1;
        return 0;
    }
    if (v->kind != YT_SCALAR || units_parse(UNIT_SIZE, v->text, &x) || !(x > 0) || x > MAX_CHECKPOINT_BYTES)
        return key_fail(L, v, path, "auto or a positive size with a unit no larger than 1EB (e.g. 2.5TB)");
    c->size_auto = 0;
    c->size_bytes = x;
    return 0;
}

/* ---- the schema -------------------------------------------------------- */

#define INT_FIELD(key, T, field, lo, hi) \
    {.name = key, .type = K_INT, .offset = offsetof(T, field), .min = lo, .max = hi}
#define REQUIRED_INT(key, T, field, lo, hi) \
    {.name = key, .type = K_INT, .offset = offsetof(T, field), .min = lo, .max = hi, .required = 1}
#define QTY(key, T, field, kind, lo, pos) \
    {.name = key, .type = K_QTY, .offset = offsetof(T, field), .unit = kind, .min = lo, \
     .max = KEY_UNBOUNDED, .positive = pos}
/* A quantity from LO to HI, both included. */
#define QTY_IN(key, T, field, kind, lo, hi) \
    {.name = key, .type = K_QTY, .offset = offsetof(T, field), .unit = kind, .min = lo, .max = hi}
/* A share of something physical (an efficiency, a clock ratio): from
 * MIN_SHARE to 1. */
#define SHARE(key, T, field) \
    {.name = key, .type = K_NUMBER, .offset = offsetof(T, field), .min = MIN_SHARE, .max = 1}

/* An enum key, read against the name table LIST of scenario.h (COUNT names). */
#define ENUM(key, T, field, list, count) \
    {.name = key, .type = K_ENUM, .offset = offsetof(T, field), .names = list, .name_count = count}
#define BOOL(key, T, field) {.name = key, .type = K_BOOL, .offset = offsetof(T, field)}
#define SECTION(key, T, field, list) \
    {.name = key, .type = K_SECTION, .offset = offsetof(T, field), .rules = list}
#define CUSTOM(key, T, field, fn) \
    {.name = key, .type = K_CUSTOM, .offset = offsetof(T, field), .custom = fn}
/* A custom key whose value is a mapping of the keys KEYS (a dotted key can
 * name them: uncertain:), or, with IS_LIST, a list of such mappings. */
#define CUSTOM_OF(key, T, field, fn, keys, is_list) \
    {.name = key, .type = K_CUSTOM, .offset = offsetof(T, field), .custom = fn, .rules = keys, .list = is_list}

static const key_rule moe_rules[] = {
    REQUIRED_INT("experts", moe_spec, experts, 1, 1e6),
    REQUIRED_INT("top_k", moe_spec, top_k, 1, 1e6),
    {.name = "capacity_factor", .type = K_NUMBER, .offset = offsetof(moe_spec, capacity_factor),
     .min = MIN_SHARE, .max = 1e3},
    INT_FIELD("every", moe_spec, every, 1, 1e5),
    INT_FIELD("expert_ffn_hidden", moe_spec, expert_ffn_hidden, 1, 1e8),
    INT_FIELD("shared_experts", moe_spec, shared_experts, 0, 1e6),
    INT_FIELD("first_dense", moe_spec, first_dense, 0, 1e5),
    ENUM("dispatcher", moe_spec, dispatcher, dispatcher_names, DISPATCH_COUNT),
    {0}
};

static const key_rule model_rules[] = {
    REQUIRED_INT("layers", model_spec, layers, 1, 1e5),
    REQUIRED_INT("hidden", model_spec, hidden, 1, 1e7),
    REQUIRED_INT("heads", model_spec, heads, 1, 1e6),
    INT_FIELD("kv_heads", model_spec, kv_heads, 1, 1e6),
    INT_FIELD("head_dim", model_spec, head_dim, 1, 1e5),
    INT_FIELD("ffn_hidden", model_spec, ffn_hidden, 1, 1e8),
    ENUM("ffn_kind", model_spec, ffn, ffn_names, FFN_COUNT),
    REQUIRED_INT("vocab", model_spec, vocab, 1, 1e8),
    REQUIRED_INT("seq_len", model_spec, seq_len, 1, 1e8),
    {.name = "dropout", .type = K_NUMBER, .offset = offsetof(model_spec, dropout), .min = 0, .max = 0.99},
    BOOL("tie_embeddings", model_spec, tie_embeddings),
    CUSTOM_OF("moe", model_spec, moe, read_moe, moe_rules, 0),
    {0}
};

static const key_rule gpu_rules[] = {
    CUSTOM("base", gpu_spec, name, skip_gpu_base),
    CUSTOM("name", gpu_spec, name, read_gpu_name),
    QTY_IN("peak_bf16", gpu_spec, peak_flops[PREC_BF16], UNIT_FLOPS, MIN_PEAK, MAX_PEAK),
    {.name = "peak_fp16", .type = K_QTY, .offset = offsetof(gpu_spec, peak_flops[PREC_FP16]), .unit = UNIT_FLOPS,
     .min = MIN_PEAK, .max = MAX_PEAK, .or_zero = 1},
    {.name = "peak_fp8", .type = K_QTY, .offset = offsetof(gpu_spec, peak_flops[PREC_FP8]), .unit = UNIT_FLOPS,
     .min = MIN_PEAK, .max = MAX_PEAK, .or_zero = 1},
    QTY_IN("hbm", gpu_spec, hbm_bytes, UNIT_SIZE, MIN_HBM, MAX_HBM),
    QTY_IN("hbm_bandwidth", gpu_spec, hbm_bandwidth, UNIT_BANDWIDTH, MIN_HBM_BANDWIDTH, MAX_BANDWIDTH),
    SHARE("efficiency", gpu_spec, efficiency),
    SHARE("fp8_efficiency", gpu_spec, fp8_efficiency),
    QTY_IN("tdp", gpu_spec, tdp_watts, UNIT_POWER, MIN_POWER, MAX_GPU_POWER),
    QTY_IN("nvlink_bandwidth", gpu_spec, nvlink_bandwidth, UNIT_BANDWIDTH, MIN_BANDWIDTH, MAX_BANDWIDTH),
    QTY_IN("pcie_bandwidth", gpu_spec, pcie_bandwidth, UNIT_BANDWIDTH, MIN_BANDWIDTH, MAX_BANDWIDTH),
    INT_FIELD("sms", gpu_spec, sms, 1, 100000),
    SHARE("sustained_clock", gpu_spec, sustained_clock),
    QTY_IN("sustained_clock_tdp", gpu_spec, clock_tdp_watts, UNIT_POWER, MIN_POWER, MAX_GPU_POWER),
    {.name = "speed_spread", .type = K_NUMBER, .offset = offsetof(gpu_spec, speed_spread), .min = 0,
     .max = 0.25},
    {.name = "speed_cutoff", .type = K_NUMBER, .offset = offsetof(gpu_spec, speed_cutoff), .min = 0,
     .max = 0.5, .positive = 1},
    SHARE("hbm_efficiency", gpu_spec, hbm_efficiency),
    SHARE("flash_efficiency", gpu_spec, flash_efficiency),
    SHARE("nvlink_efficiency", gpu_spec, nvlink_efficiency),
    {0}
};

static const key_rule link_rules[] = {
    QTY_IN("bandwidth", link_spec, bandwidth, UNIT_BANDWIDTH, MIN_BANDWIDTH, MAX_BANDWIDTH),
    QTY_IN("latency", link_spec, latency, UNIT_TIME, 0, MAX_LATENCY),
    SHARE("efficiency", link_spec, efficiency),
    {0}
};

static const key_rule nic_rules[] = {
    INT_FIELD("count", cluster_spec, nic_count, 1, 1024),
    QTY_IN("bandwidth", cluster_spec, nic.bandwidth, UNIT_BANDWIDTH, MIN_BANDWIDTH, MAX_BANDWIDTH),
    QTY_IN("latency", cluster_spec, nic.latency, UNIT_TIME, 0, MAX_LATENCY),
    SHARE("efficiency", cluster_spec, nic.efficiency),
    {0}
};

static const key_rule fabric_rules[] = {
    ENUM("topology", cluster_spec, topology, topology_names, TOPO_COUNT),
    {.name = "oversubscription", .type = K_NUMBER, .offset = offsetof(cluster_spec, oversubscription),
     .min = 1, .max = 1e3},
    INT_FIELD("island_nodes", cluster_spec, island_nodes, 0, 1e6),
    SECTION("inter_island", cluster_spec, inter_island, link_rules),
    {0}
};

static const key_rule storage_rules[] = {
    QTY_IN("write_bandwidth", cluster_spec, storage_write, UNIT_BANDWIDTH, MIN_BANDWIDTH, MAX_BANDWIDTH),
    QTY_IN("read_bandwidth", cluster_spec, storage_read, UNIT_BANDWIDTH, MIN_BANDWIDTH, MAX_BANDWIDTH),
    {0}
};

/* nic, fabric and storage describe fields of cluster_spec itself: offset 0. */
static const key_rule cluster_rules[] = {
    REQUIRED_INT("nodes", cluster_spec, nodes, 1, 1e6),
    INT_FIELD("gpus_per_node", cluster_spec, gpus_per_node, 1, 1024),
    SECTION("nvlink", cluster_spec, nvlink, link_rules),
    {.name = "nic", .type = K_SECTION, .offset = 0, .rules = nic_rules},
    {.name = "fabric", .type = K_SECTION, .offset = 0, .rules = fabric_rules},
    {.name = "storage", .type = K_SECTION, .offset = 0, .rules = storage_rules},
    {.name = "platform", .type = K_STRING, .offset = offsetof(cluster_spec, platform)},
    {0}
};

static const key_rule parallel_rules[] = {
    INT_FIELD("tp", parallel_spec, tp, 1, 4096),
    INT_FIELD("pp", parallel_spec, pp, 1, 4096),
    CUSTOM("dp", parallel_spec, dp, read_dp),
    INT_FIELD("ep", parallel_spec, ep, 1, 1e6),
    INT_FIELD("etp", parallel_spec, etp, 1, 4096),
    INT_FIELD("cp", parallel_spec, cp, 1, 4096),
    BOOL("sequence_parallel", parallel_spec, sequence_parallel),
    ENUM("schedule", parallel_spec, schedule, schedule_names, SCHED_COUNT),
    INT_FIELD("virtual_stages", parallel_spec, virtual_stages, 1, 1024),
    INT_FIELD("micro_batch", parallel_spec, micro_batch, 1, 1e6),
    INT_FIELD("zero", parallel_spec, zero, 0, 3),
    ENUM("recompute", parallel_spec, recompute, recompute_names, RECOMPUTE_COUNT),
    BOOL("dp_overlap", parallel_spec, dp_overlap),
    BOOL("tp_comm_overlap", parallel_spec, tp_comm_overlap),
    BOOL("param_gather_overlap", parallel_spec, param_gather_overlap),
    ENUM("collective", parallel_spec, collective, collective_names, COLL_COUNT),
    ENUM("cp_comm", parallel_spec, cp_comm, cp_comm_names, CP_COMM_COUNT),
    BOOL("flash_attention", parallel_spec, flash_attention),
    CUSTOM("stage_layers", parallel_spec, stage_layers, read_stage_layers),
    {0}
};

static const key_rule ramp_rules[] = {
    {.name = "tokens", .type = K_NUMBER, .offset = offsetof(ramp_phase, tokens), .min = 0, .max = 1e18,
     .required = 1},
    {.name = "global_batch", .type = K_INT64, .offset = offsetof(ramp_phase, global_batch), .min = 1,
     .max = 1e9, .required = 1},
    {0}
};

static const key_rule training_rules[] = {
    {.name = "global_batch", .type = K_INT64, .offset = offsetof(training_spec, global_batch),
     .min = 1, .max = 1e9},
    {.name = "global_batch_tokens", .type = K_NUMBER, .offset = offsetof(training_spec, global_batch_tokens),
     .min = 0, .max = 1e15, .positive = 1},
    {.name = "tokens", .type = K_NUMBER, .offset = offsetof(training_spec, tokens), .min = 1,
     .max = 1e18},
    {.name = "iterations", .type = K_INT64, .offset = offsetof(training_spec, iterations), .min = 1,
     .max = 1e12},
    ENUM("precision", training_spec, precision, precision_names, PREC_COUNT),
    ENUM("grad_precision", training_spec, grad_precision, grad_precision_names, GRAD_COUNT),
    ENUM("optimizer_precision", training_spec, optimizer_precision, optimizer_precision_names, OPTIM_COUNT),
    ENUM("fp8_weights", training_spec, fp8_weights, fp8_weights_names, FP8W_COUNT),
    CUSTOM_OF("batch_ramp", training_spec, ramp, read_ramp, ramp_rules, 1),
    {0}
};

static const key_rule component_rules[] = {
    {.name = "kind", .type = K_ENUM, .offset = offsetof(failure_component, kind),
     .names = failure_kind_names, .name_count = FAILURE_KIND_COUNT, .required = 1},
    {.name = "mtbf", .type = K_QTY, .offset = offsetof(failure_component, mtbf), .unit = UNIT_TIME,
     .min = 0, .max = KEY_UNBOUNDED, .positive = 1, .required = 1},
    {.name = "repair", .type = K_QTY, .offset = offsetof(failure_component, repair), .unit = UNIT_TIME,
     .min = 0, .max = MAX_OUTAGE, .required = 1},
    {0}
};

static const key_rule failure_rules[] = {
    ENUM("distribution", failure_spec, distribution, distribution_names, DIST_COUNT),
    {.name = "shape", .type = K_NUMBER, .offset = offsetof(failure_spec, weibull_shape), .min = 0,
     .max = 100, .positive = 1},
    CUSTOM_OF("components", failure_spec, components, read_components, component_rules, 1),
    {.name = "rate_scale", .type = K_NUMBER, .offset = offsetof(failure_spec, rate_scale), .min = 0,
     .max = 1e6, .positive = 1},
    QTY_IN("detect", failure_spec, detect, UNIT_TIME, 0, MAX_OUTAGE),
    QTY_IN("restart", failure_spec, restart, UNIT_TIME, 0, MAX_OUTAGE),
    INT_FIELD("spares", failure_spec, spares, 0, 1e6),
    {0}
};

static const key_rule checkpoint_rules[] = {
    CUSTOM("interval", checkpoint_spec, interval_auto, read_interval),
    BOOL("async", checkpoint_spec, async),
    CUSTOM("size", checkpoint_spec, size_auto, read_checkpoint_size),
    {0}
};

static const key_rule cost_rules[] = {
    {.name = "gpu_hour", .type = K_NUMBER, .offset = offsetof(cost_spec, gpu_hour), .min = 0, .max = 1e6},
    {.name = "kwh", .type = K_NUMBER, .offset = offsetof(cost_spec, kwh), .min = 0, .max = 1e6},
    {0}
};

static const key_rule power_rules[] = {
    QTY_IN("gpu_busy", power_spec, gpu_busy, UNIT_POWER, 0, MAX_GPU_POWER),
    QTY_IN("gpu_comm", power_spec, gpu_comm, UNIT_POWER, 0, MAX_GPU_POWER),
    QTY_IN("gpu_idle", power_spec, gpu_idle, UNIT_POWER, 0, MAX_GPU_POWER),
    QTY_IN("node_overhead", power_spec, node_overhead, UNIT_POWER, 0, MAX_NODE_POWER),
    {.name = "pue", .type = K_NUMBER, .offset = offsetof(power_spec, pue), .min = 1, .max = 10},
    {0}
};

static const key_rule output_rules[] = {
    ENUM("format", output_spec, format, output_format_names, OUTPUT_FORMAT_COUNT),
    {.name = "trace", .type = K_STRING, .offset = offsetof(output_spec, trace)},
    INT_FIELD("replications", output_spec, replications, 1, 1e5),   /* run_bound.h: about 0.2 ms each */
    INT_FIELD("samples", output_spec, samples, 2, 100000),
    {0}
};

const key_rule scenario_rules[] = {
    {.name = "format", .type = K_CUSTOM, .offset = 0, .custom = read_format, .required = 1},
    {.name = "name", .type = K_STRING, .offset = offsetof(scenario, name)},
    {.name = "description", .type = K_STRING, .offset = offsetof(scenario, description)},
    CUSTOM("seed", scenario, seed, read_seed),
    {.name = "model", .type = K_SECTION, .offset = offsetof(scenario, model), .rules = model_rules,
     .required = 1},
    {.name = "gpu", .type = K_CUSTOM, .offset = offsetof(scenario, gpu), .custom = read_gpu, .rules = gpu_rules,
     .required = 1},
    {.name = "cluster", .type = K_SECTION, .offset = offsetof(scenario, cluster), .rules = cluster_rules,
     .required = 1},
    SECTION("parallelism", scenario, par, parallel_rules),
    {.name = "training", .type = K_SECTION, .offset = offsetof(scenario, train), .rules = training_rules,
     .required = 1},
    CUSTOM_OF("failures", scenario, failures, read_failures, failure_rules, 0),
    SECTION("checkpoint", scenario, checkpoint, checkpoint_rules),
    SECTION("cost", scenario, cost, cost_rules),
    CUSTOM_OF("power", scenario, power, read_power, power_rules, 0),
    SECTION("output", scenario, output, output_rules),
    CUSTOM("uncertain", scenario, uncertain, uncertain_read_inputs),
    CUSTOM("targets", scenario, uncertain, uncertain_read_targets),
    {0}
};
