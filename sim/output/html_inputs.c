/* html_inputs: the table of the scenario's inputs (see html_inputs.h). */
#include "output/html_inputs.h"

#include <stdarg.h>
#include <stdio.h>

#include "output/html_text.h"
#include "output/report_rows.h"
#include "core/units.h"

/* A row: the scenario's KEY, and its value printed from FORMAT. */
static void row(strbuf* out, const char* key, const char* format, ...)
{
    char value[256];
    va_list args;
    va_start(args, format);
    vsnprintf(value, sizeof value, format, args);
    va_end(args);
    strbuf_printf(out, "<tr><td><code>%s</code></td><td>", key);
    html_escaped(out, value);
    strbuf_append(out, "</td></tr>\n");
}

static void heading(strbuf* out, const char* what)
{
    strbuf_printf(out, "<tr><th colspan=\"2\">%s</th></tr>\n", what);
}

static const char* yes(int x)
{
    return x ? "yes" : "no";
}

static void model_rows(const scenario* sc, const run_result* r, strbuf* out)
{
    const model_spec* m = &sc->model;
    char a[32], b[32];
    heading(out, "Model");
    row(out, "model.layers, hidden, ffn_hidden", "%d layers, hidden %d, FFN %d (%s)", m->layers, m->hidden,
        m->ffn_hidden, ffn_name(m->ffn));
    row(out, "model.heads, kv_heads", "%d heads, %d key-value heads", m->heads, m->kv_heads);
    row(out, "model.vocab, seq_len", "vocabulary %d, sequences of %d tokens", m->vocab, m->seq_len);
    if (m->moe.enabled)
        row(out, "model.moe", "%d experts, top %d, capacity factor %.3g, %s dispatcher", m->moe.experts, m->moe.top_k,
            m->moe.capacity_factor, dispatcher_name(m->moe.dispatcher));
    row(out, "(derived)", "%s parameters, %s active per token", report_count(r->work.params_total, a, sizeof a),
        report_count(r->work.params_active, b, sizeof b));
}

static void cluster_rows(const scenario* sc, const run_result* r, strbuf* out)
{
    const cluster_spec* c = &sc->cluster;
    char a[32];
    heading(out, "GPUs and cluster");
    row(out, "gpu", "%s, %s of HBM", sc->gpu.name, units_format_bytes(sc->gpu.hbm_bytes, a, sizeof a));
    row(out, "cluster.nodes, gpus_per_node", "%d nodes of %d GPUs: the job uses %lld of %lld GPUs", c->nodes,
        c->gpus_per_node, r->world_gpus, r->cluster_gpus);
    row(out, "cluster.nic", "%d NICs per node, %.0f Gb/s each", c->nic_count, c->nic.bandwidth * 8 / 1e9);
    row(out, "cluster.fabric", "%s, oversubscription %.3g", topology_name(c->topology), c->oversubscription);
    if (c->island_nodes > 0)
        row(out, "cluster.fabric.island_nodes", "islands of %d nodes, %.0f Gb/s per node between them",
            c->island_nodes, c->inter_island.bandwidth * 8 / 1e9);
}

static void plan_rows(const scenario* sc, const run_result* r, strbuf* out)
{
    const parallel_spec* p = &sc->par;
    heading(out, "Plan (as resolved)");
    row(out, "parallelism.tp, pp, dp, cp", "TP %d x PP %d x DP %d%s x CP %d", p->tp, p->pp, p->dp,
        p->dp_auto ? " (auto)" : "", p->cp);
    if (sc->model.moe.enabled)
        row(out, "parallelism.ep, etp", "EP %d, ETP %d", p->ep, p->etp);
    row(out, "parallelism.schedule, virtual_stages", "%s, %d model chunk%s per pipeline rank", schedule_name(p->schedule),
        p->virtual_stages, p->virtual_stages > 1 ? "s" : "");
    row(out, "parallelism.micro_batch", "%d sequences per micro-batch, %lld micro-batches per step", p->micro_batch,
        r->micro_batches);
    row(out, "training.global_batch", "%lld sequences, %.0f tokens per step", sc->train.global_batch,
        r->work.tokens_per_step);
    row(out, "parallelism.zero, recompute", "ZeRO %d, recompute %s", p->zero, recompute_name(p->recompute));
    row(out, "parallelism.sequence_parallel", "%s", p->tp > 1 ? yes(p->sequence_parallel) : "n/a (TP 1)");
    row(out, "parallelism.dp_overlap, tp_comm_overlap, param_gather_overlap", "%s, %s, %s", yes(p->dp_overlap),
        yes(p->tp_comm_overlap), yes(p->param_gather_overlap));
    row(out, "parallelism.collective", "%s", collective_name(p->collective));
    row(out, "parallelism.flash_attention", "%s", yes(p->flash_attention));
}

static void training_rows(const scenario* sc, const run_result* r, strbuf* out)
{
    const training_spec* t = &sc->train;
    const campaign_input* in = &r->campaign_in;
    char a[32], b[32], c[32];
    heading(out, "Training, failures, checkpoints");
    row(out, "training.precision", "%s", precision_name(t->precision));
    row(out, t->iterations > 0 ? "training.iterations" : "training.tokens", "%s tokens in %s steps",
        report_count(r->tokens, a, sizeof a), report_count(r->steps, b, sizeof b));
    if (sc->failures.enabled)
        row(out, "failures", "%d component kinds, detect %s, restart %s, %d spare nodes",
            (int)sc->failures.component_count, report_duration(in->detect, a, sizeof a),
            report_duration(in->restart, b, sizeof b), sc->failures.spares);
    else
        row(out, "failures", "none (no failures section)");
    if (in->interval_seconds > 0)
        row(out, "checkpoint", "%s every %s of training%s, %s", units_format_bytes(r->checkpoint_bytes, a, sizeof a),
            report_duration(in->interval_seconds, b, sizeof b), sc->checkpoint.interval_auto ? " (auto)" : "",
            sc->checkpoint.async ? "asynchronous" : "synchronous");
    else
        row(out, "checkpoint", "none");
    if (r->campaign.replications > 1)
        row(out, "output.replications, seed", "%d replications, seed %llu", r->campaign.replications,
            (unsigned long long)sc->seed);
    else   /* without failures every replication would be the same run */
        row(out, "seed", "%llu", (unsigned long long)sc->seed);
    row(out, "power", "GPU %.0f W busy, %.0f W communicating, %.0f W idle; %.0f W per node; PUE %.2f",
        sc->power.gpu_busy, sc->power.gpu_comm, sc->power.gpu_idle, sc->power.node_overhead, sc->power.pue);
    row(out, "cost.gpu_hour, kwh", "%.3g per GPU-hour, %s", sc->cost.gpu_hour,
        sc->cost.kwh > 0 ? (snprintf(c, sizeof c, "%.3g per kWh", sc->cost.kwh), c) : "energy not priced");
}

void html_inputs(const scenario* sc, const run_result* r, strbuf* out)
{
    strbuf_append(out, "<h2>The scenario's inputs</h2>\n<p class=\"note\">The keys that decide the run, as "
                       "trainsim resolved them (defaults filled in, <code>auto</code> decided).</p>\n"
                       "<table class=\"inputs\">\n");
    model_rows(sc, r, out);
    cluster_rows(sc, r, out);
    plan_rows(sc, r, out);
    training_rows(sc, r, out);
    strbuf_append(out, "</table>\n");
}
