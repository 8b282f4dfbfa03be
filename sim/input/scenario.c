/* scenario: freeing a scenario, finding where a key was written, the values
 * derived from it, and the names of its enumerated choices (see scenario.h).
 * Its defaults and cross-field checks are the loader's: scenario_check.c. */
#include "input/scenario.h"

#include <stdlib.h>
#include <string.h>

void scenario_free(scenario* sc)
{
    free(sc->file);
    free(sc->name);
    free(sc->description);
    free(sc->cluster.platform);
    free(sc->par.stage_layers);
    free(sc->train.ramp);
    free(sc->failures.components);
    free(sc->output.trace);
    for (int i = 0; i < sc->uncertain.input_count; i++) {
        free(sc->uncertain.inputs[i].key);
        for (int c = 0; c < sc->uncertain.inputs[i].choices; c++)
            free(sc->uncertain.inputs[i].choice_text[c]);
        free(sc->uncertain.inputs[i].choice_text);
        free(sc->uncertain.inputs[i].choice_value);
        free(sc->uncertain.inputs[i].weight);
    }
    free(sc->uncertain.inputs);
    free(sc->uncertain.targets);
    for (size_t i = 0; i < sc->mark_count; i++) {
        free(sc->marks[i].path);
        free(sc->marks[i].file);
    }
    free(sc->marks);
    memset(sc, 0, sizeof *sc);
}

const key_mark* scenario_find_mark(const scenario* sc, const char* path)
{
    for (size_t i = 0; i < sc->mark_count; i++)
        if (strcmp(sc->marks[i].path, path) == 0)
            return &sc->marks[i];
    return NULL;
}

int scenario_dense_replicas(const scenario* sc)
{
    return sc->par.dp * sc->par.cp;
}

int scenario_expert_replicas(const scenario* sc)
{
    const parallel_spec* p = &sc->par;
    return p->tp * p->cp * p->dp / (p->etp * p->ep);
}

long long scenario_job_nodes(const scenario* sc)
{
    long long gpn = sc->cluster.gpus_per_node;
    return (scenario_world_size(sc) + gpn - 1) / gpn;
}

long long scenario_cluster_gpus(const scenario* sc)
{
    return (long long)sc->cluster.nodes * sc->cluster.gpus_per_node;
}

long long scenario_world_size(const scenario* sc)
{
    return (long long)sc->par.tp * sc->par.pp * sc->par.dp * sc->par.cp;
}

long long scenario_micro_batches(const scenario* sc)
{
    return sc->train.global_batch / ((long long)sc->par.dp * sc->par.micro_batch);
}

const char* const ffn_names[FFN_COUNT] = {"gelu", "swiglu"};
const char* const topology_names[TOPO_COUNT] = {"fat-tree", "rail-optimized", "islands"};
const char* const schedule_names[SCHED_COUNT] = {"gpipe", "1f1b", "interleaved"};
const char* const recompute_names[RECOMPUTE_COUNT] = {"none", "selective", "full"};
const char* const collective_names[COLL_COUNT] = {"auto", "ring", "tree", "hierarchical"};
const char* const distribution_names[DIST_COUNT] = {"exponential", "weibull"};
const char* const output_format_names[OUTPUT_FORMAT_COUNT] = {"text", "json"};
const char* const grad_precision_names[GRAD_COUNT] = {"auto", "fp32", "bf16", "fp16"};
const char* const cp_comm_names[CP_COMM_COUNT] = {"p2p", "all_gather", "torch_all_gather"};
const char* const optimizer_precision_names[OPTIM_COUNT] = {"fp32", "bf16"};
const char* const fp8_weights_names[FP8W_COUNT] = {"cached", "primary", "per_gemm"};
const char* const dispatcher_names[DISPATCH_COUNT] = {"allgather", "alltoall", "flex"};
const char* const failure_kind_names[FAILURE_KIND_COUNT] = {"gpu", "hbm", "host", "nic", "switch", "link", "software"};
const char* const prior_names[PRIOR_COUNT] = {"uniform", "loguniform", "triangular", "normal", "choice"};
const char* const outcome_names[OUTCOME_COUNT] = {"wall_clock_days", "run_mfu", "step_mfu", "cost", "energy_mwh", "gpu_hours", "step_time_s", "tokens_per_s", "goodput", "bubble_fraction"};

/* NAMES[K] of a table of COUNT, or "?" for a value out of range. */
static const char* name_in(const char* const* names, int count, int k)
{
    return k >= 0 && k < count ? names[k] : "?";
}

const char* schedule_name(schedule_kind k) { return name_in(schedule_names, SCHED_COUNT, (int)k); }
const char* recompute_name(recompute_kind k) { return name_in(recompute_names, RECOMPUTE_COUNT, (int)k); }
const char* topology_name(fabric_topology k) { return name_in(topology_names, TOPO_COUNT, (int)k); }
const char* collective_name(collective_kind k) { return name_in(collective_names, COLL_COUNT, (int)k); }
const char* cp_comm_name(cp_comm_kind k) { return name_in(cp_comm_names, CP_COMM_COUNT, (int)k); }
const char* dispatcher_name(moe_dispatcher k) { return name_in(dispatcher_names, DISPATCH_COUNT, (int)k); }
const char* ffn_name(ffn_kind k) { return name_in(ffn_names, FFN_COUNT, (int)k); }
const char* failure_kind_name(failure_kind k) { return name_in(failure_kind_names, FAILURE_KIND_COUNT, (int)k); }
const char* prior_name(prior_kind k) { return name_in(prior_names, PRIOR_COUNT, (int)k); }
const char* outcome_name(outcome_kind k) { return name_in(outcome_names, OUTCOME_COUNT, (int)k); }

