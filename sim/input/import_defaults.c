/* import_defaults: defaults and placeholders of an imported scenario (see
 * import_defaults.h). Megatron-Core's defaults are those of
 * megatron/training/arguments.py; NeMo 1.x runs on Megatron-Core and keeps
 * them where its YAML is silent. */
#include "input/import_defaults.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "input/gpu_catalog.h"
#include "input/scenario.h"

static void default_to(importer* imp, const char* key, const char* value, const char* why)
{
    if (!import_get(imp, key))
        import_set(imp, key, value, why);
}

/* KEY as a whole number, or FALLBACK when unset, -1 when not a number ($MBS). */
static long long whole_or(const importer* imp, const char* key, long long fallback)
{
    long long v;
    if (!import_get(imp, key))
        return fallback;
    return import_get_whole(imp, key, &v) ? -1 : v;
}

/* Megatron-LM's MLP width with --swiglu and no --ffn-hidden-size: two
 * thirds of 4h, rounded down to a multiple of 64 (validate_args), so that
 * the three GEMMs hold as many weights as GeLU's two. */
static void swiglu_width(importer* imp)
{
    long long h;
    const char* kind = import_get(imp, "model.ffn_kind");
    if (import_get(imp, "model.ffn_hidden") || !kind || strcmp(kind, ffn_names[FFN_SWIGLU]) ||
        import_get_whole(imp, "model.hidden", &h))
        return;
    char width[32];
    snprintf(width, sizeof width, "%lld", (long long)floor(4.0 * (double)h * 2.0 / 3.0 / 64.0) * 64);
    import_set(imp, "model.ffn_hidden", width, "not given: Megatron's SwiGLU width, int(4 x hidden x 2/3 / 64) x 64");
}

static void framework_defaults(importer* imp)
{
    int megatron = imp->in->source == IMPORT_MEGATRON;
    default_to(imp, "parallelism.sequence_parallel", "false", "not given: off (Megatron-Core's default)");
    default_to(imp, "parallelism.zero", "0", megatron ?
               "no --use-distributed-optimizer: every rank keeps the whole optimizer state" :
               "no distributed optimizer: every rank keeps the whole optimizer state");
    default_to(imp, "parallelism.recompute", recompute_names[RECOMPUTE_NONE],
               "not given: no recompute (Megatron-Core's default)");
    default_to(imp, "parallelism.dp_overlap", "false",
               "not given: gradients reduced after the backward pass (Megatron-Core's default)");
    default_to(imp, "parallelism.flash_attention", "true",
               "not given: Transformer Engine's fused attention (Megatron-Core's default); false for unfused");
    if (import_get(imp, "model.moe.experts")) {
        default_to(imp, "model.moe.top_k", "2", "not given: Megatron-Core's default --moe-router-topk");
        default_to(imp, "model.moe.dispatcher", dispatcher_names[DISPATCH_ALLGATHER],
                   "not given: Megatron-Core's default --moe-token-dispatcher-type");
    }
    if (!import_get(imp, "training.precision")) {
        import_set(imp, "training.precision", precision_names[PREC_BF16],
                   "ASSUMED: the configuration trains in fp32, which trainsim does not simulate: edit");
        strbuf_printf(imp->notes, "trainsim import: %s: fp32 training is not simulated; bf16 written\n",
                      imp->in->file);
    }
}

static void catalog_list(char* buf, size_t size)
{
    size_t n, used = 0;
    const gpu_spec* all = gpu_catalog_entries(&n);
    buf[0] = 0;
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", all[i].name);
}

static void cluster_and_dp(importer* imp)
{
    char why[400], names[256];
    catalog_list(names, sizeof names);
    snprintf(why, sizeof why, "not in the configuration: a GPU of the catalog (%s) or a mapping", names);
    import_placeholder(imp, "gpu", why);
    if (!import_get(imp, "cluster.nodes"))
        import_placeholder(imp, "cluster.nodes", "not in the configuration: the nodes the job runs on");
    default_to(imp, "cluster.gpus_per_node", "8", "ASSUMED: 8 GPUs a node (DGX, HGX): edit");
    if (import_get(imp, "parallelism.dp"))
        return;
    long long nodes, gpus, model = import_times(import_times(whole_or(imp, "parallelism.tp", 1),
                                                             whole_or(imp, "parallelism.pp", 1)),
                                                whole_or(imp, "parallelism.cp", 1));
    if (!import_get_whole(imp, "cluster.nodes", &nodes) && !import_get_whole(imp, "cluster.gpus_per_node", &gpus) &&
        model > 0 && import_times(nodes, gpus) >= 0 && import_times(nodes, gpus) % model == 0) {
        char dp[32];
        snprintf(dp, sizeof dp, "%lld", nodes * gpus / model);
        snprintf(why, sizeof why, "nodes %lld x gpus_per_node %lld / (tp x pp x cp = %lld)", nodes, gpus, model);
        import_set(imp, "parallelism.dp", dp, why);
    } else {
        import_set(imp, "parallelism.dp", "auto", "the cluster's GPUs / (tp x pp x cp)");
    }
}

static void batch_and_length(importer* imp)
{
    long long dp;
    if (!import_get(imp, "training.global_batch")) {
        long long batch_size = import_get_whole(imp, "parallelism.dp", &dp) ? -1 :
                               import_times(whole_or(imp, "parallelism.micro_batch", 1), dp);
        if (batch_size >= 1) {
            char batch[32];
            snprintf(batch, sizeof batch, "%lld", batch_size);
            import_set(imp, "training.global_batch", batch, "not given: micro_batch x dp, Megatron's default");
        } else {
            import_placeholder(imp, "training.global_batch",
                               "not in the configuration: sequences per step (Megatron: micro_batch x dp)");
        }
    }
    if (!import_get(imp, "training.iterations") && !import_get(imp, "training.tokens"))
        import_placeholder(imp, "training.iterations", "not in the configuration: steps (or training.tokens)");
}

void import_fill_defaults(importer* imp)
{
    swiglu_width(imp);
    framework_defaults(imp);
    cluster_and_dp(imp);
    batch_and_length(imp);
}
