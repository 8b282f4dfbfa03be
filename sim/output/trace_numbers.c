/* trace_numbers: memory over a step and the args of communication slices
 * (see trace_numbers.h). */
#include "output/trace_numbers.h"

#include <math.h>
#include <stdlib.h>

#include "core/json.h"
#include "model/memory.h"
#include "output/report_rows.h"

/* ---- memory over the step ------------------------------------------------------- */

typedef struct {
    double time, bytes;   /* bytes > 0: a chunk's activations kept; < 0: released */
} memory_change;

/* Releases before keeps at the same instant: a backward that ends as the
 * next forward starts frees its activations first, as the schedule's walk
 * in memory.c does. */
static int compare_change(const void* a, const void* b)
{
    const memory_change *x = a, *y = b;
    if (x->time != y->time)
        return (x->time > y->time) - (x->time < y->time);
    return (x->bytes > y->bytes) - (x->bytes < y->bytes);
}

/* Whether interval I of B (N, sorted by rank then start) is the first of
 * its pass (WHAT, micro-batch and chunk) or, LAST, the last. */
static int pass_edge(const busy_interval* b, int n, int i, int last)
{
    int j = last ? i + 1 : i - 1;
    for (; j >= 0 && j < n && b[j].stage == b[i].stage; j += last ? 1 : -1)
        if (b[j].what == b[i].what && b[j].micro_batch == b[i].micro_batch && b[j].chunk == b[i].chunk)
            return 0;
    return 1;
}

int trace_memory_levels(const scenario* sc, const run_result* r, int stage, counter_level** levels)
{
    const step_profile* t = &r->timeline;
    const gpu_memory* g = &r->memory.rank[stage];
    busy_interval* b = step_profile_sorted_busy(t);
    memory_change* c = xmalloc(((size_t)t->busy_count + 1) * sizeof *c);
    int n = 0;
    for (int i = 0; i < t->busy_count; i++) {
        if (b[i].stage != stage || b[i].micro_batch < 0)
            continue;
        double kept = memory_chunk_activations(sc, &r->work, stage, b[i].chunk);
        if (b[i].what == WORK_FORWARD && pass_edge(b, t->busy_count, i, 0))
            c[n++] = (memory_change){b[i].start, kept};
        else if (b[i].what == WORK_BACKWARD && pass_edge(b, t->busy_count, i, 1))
            c[n++] = (memory_change){b[i].end, -kept};
    }
    qsort(c, (size_t)n, sizeof *c, compare_change);
    counter_level* out = xmalloc(((size_t)n + 1) * sizeof *out);
    double held = g->weights + g->gradients + g->optimizer + g->workspace + memory_activation_buffers(sc);
    int count = 0;
    out[count++] = (counter_level){0, held};
    for (int i = 0; i < n; i++) {
        held += c[i].bytes;
        if (i + 1 < n && c[i + 1].time == c[i].time)
            continue;   /* one level per instant */
        if (out[count - 1].time == c[i].time)
            count--;    /* a pass at the step's start: no level held for no time */
        out[count++] = (counter_level){c[i].time, held};
    }
    free(c);
    free(b);
    *levels = out;
    return count;
}

/* ---- args of communication slices ---------------------------------------------- */

static void number_arg(strbuf* out, const char* key, double v)
{
    char buf[JSON_NUMBER_SIZE];
    strbuf_printf(out, ",\"%s\":%s", key, json_format_number(v, buf));
}

static void string_arg(strbuf* out, const char* key, const char* v)
{
    strbuf_printf(out, ",\"%s\":", key);
    json_quote(out, v);
}

static const char* operation_of(collective_op op)
{
    switch (op) {
    case ALL_REDUCE:          return "all-reduce";
    case REDUCE_SCATTER:      return "reduce-scatter";
    case ALL_GATHER:          return "all-gather";
    case COLLECTIVE_OP_COUNT: break;
    }
    return "?";
}

/* A collective of the plan: what it is, over which group, how it runs. */
static void collective_args(const char* what, const char* group, const collective_plan* c, strbuf* out)
{
    string_arg(out, "collective", what);
    if (c->shape.phase_count == 0)
        return;
    string_arg(out, "group", group);
    number_arg(out, "ranks", c->shape.members);
    number_arg(out, "ranks_per_node", c->shape.per_node);
    string_arg(out, "operation", operation_of(c->shape.op));
    string_arg(out, "algorithm", collective_name(c->shape.algorithm));
    number_arg(out, "bytes", c->payload_bytes);
    number_arg(out, "collectives", c->repeat);   /* back to back, per pass or step */
    strbuf protocols = {0};
    for (int k = 0; k < c->shape.phase_count; k++)
        strbuf_printf(&protocols, "%s%s", k ? "+" : "", report_protocol(c, k));
    string_arg(out, "protocols", strbuf_text(&protocols));
    strbuf_free(&protocols);
    /* folded: alone on its links, it ran in closed form as part of the pass */
    string_arg(out, "simulated", collective_has_flows(c) ? "flows" : "closed form");
}

/* The pipeline transfer a rank waited for: from its previous rank in a
 * forward pass, from its next in a backward. */
static void receive_args(const run_result* r, const busy_interval* b, strbuf* out)
{
    int p = r->plan.stages, from = (b->stage + (b->backward ? 1 : p - 1)) % p;
    const stage_plan* sender = &r->plan.stage[from];
    string_arg(out, "transfer", trace_comm_what(b));
    number_arg(out, "from_pipeline_rank", from);
    number_arg(out, "bytes", sender->pp_bytes);
    number_arg(out, "flows", b->backward ? sender->prev_flow_count : sender->next_flow_count);
}

static void exchange_args(const char* what, const alltoall_plan* a, strbuf* out)
{
    string_arg(out, "collective", what);
    number_arg(out, "flows", a->flow_count);
    if (!a->flow_bytes)
        number_arg(out, "bytes_per_flow", a->bytes);
    number_arg(out, "exchanges", a->repeat);
}

static void context_args(const char* what, const cp_pass_plan* cp, strbuf* out)
{
    string_arg(out, "collective", what);
    number_arg(out, "sections", cp->count);
    if (cp->count == 0)
        return;
    const collective_plan* ring = &cp->section[0].ring;
    number_arg(out, "ranks", ring->shape.members);
    number_arg(out, "bytes_per_send", ring->phase[0].chunk_bytes);
}

const char* trace_comm_what(const busy_interval* b)
{
    if (b->what <= WORK_OPTIMIZER)
        return "";
    if (b->channel < 0)
        return b->backward ? "gradients from the next pipeline rank" : "activations from the previous pipeline rank";
    switch ((channel_kind)b->channel) {
    case CH_TP:            return "TP collective";
    case CH_PP_GATHER:     return "TP all-gather of a received activation";
    case CH_EP:            return "expert dispatch exchange";
    case CH_ETP:           return "expert all-gather or reduce-scatter";
    case CH_ZERO_GATHER:   return "ZeRO-3 weight gather";
    case CH_ZERO_SCATTER:  return "ZeRO-3 gradient scatter";
    case CH_DP_REDUCE:     return "gradient reduction";
    case CH_DP_GATHER:     return "weight all-gather";
    case CH_EXPERT_REDUCE: return "expert gradient reduction";
    case CH_EXPERT_GATHER: return "expert weight all-gather";
    case CH_CP:            return "context-parallel K,V exchange";
    case CH_AMAX:          return "fp8 amax all-reduce";
    case CH_COUNT:         break;
    }
    return "";
}

void trace_comm_args(const run_result* r, const busy_interval* b, strbuf* out)
{
    if (b->what <= WORK_OPTIMIZER)
        return;
    const stage_plan* sp = &r->plan.stage[b->stage];
    const chunk_plan* ch = &sp->chunk[b->chunk > 0 ? b->chunk : 0];
    const char* what = trace_comm_what(b);
    int bwd = b->backward;
    if (b->channel < 0) {
        receive_args(r, b, out);
        return;
    }
    switch ((channel_kind)b->channel) {
    case CH_TP:            collective_args(what, "TP", bwd ? &ch->tp_bwd : &ch->tp_fwd, out); break;
    case CH_PP_GATHER:     collective_args(what, "TP", &sp->pp_gather, out); break;
    case CH_EP:            exchange_args(what, bwd ? &ch->ep_bwd : &ch->ep_fwd, out); break;
    case CH_ETP:           collective_args(what, "ETP", bwd ? &ch->etp_bwd : &ch->etp_fwd, out); break;
    case CH_ZERO_GATHER:   collective_args(what, "DP", &ch->zero_gather, out); break;
    case CH_ZERO_SCATTER:  collective_args(what, "DP", &ch->zero_scatter, out); break;
    case CH_DP_REDUCE:     collective_args(what, "DP", &sp->dp_reduce, out); break;
    case CH_DP_GATHER:     collective_args(what, "DP", &sp->dp_gather, out); break;
    case CH_EXPERT_REDUCE: collective_args(what, "expert DP", &sp->expert_reduce, out); break;
    case CH_EXPERT_GATHER: collective_args(what, "expert DP", &sp->expert_gather, out); break;
    case CH_CP:            context_args(what, bwd ? &ch->cp_bwd : &ch->cp_fwd, out); break;
    case CH_AMAX:          collective_args(what, "TP x CP x DP", bwd ? &sp->amax_bwd : &sp->amax_fwd, out); break;
    case CH_COUNT:         break;
    }
}
