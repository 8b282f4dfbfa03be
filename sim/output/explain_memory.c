/* explain_memory: memory per GPU, formula beside simulation (see explain_memory.h). */
#include "output/explain_memory.h"

#include <stdio.h>

#include "core/units.h"

/* Why the simulated model states differ from the paper's form: only the
 * differences this scenario has (its gradient width, its experts, ZeRO 3's
 * gathered layers, fp8's weight copies), joined into one sentence. */
static void model_states_why(const explain_ctx* x, const gpu_memory* g, const rank_work* rw, explain_term* t)
{
    const char* parts[4];
    char grads[96];
    int n = 0;
    if (x->r->work.grad_element_bytes != 2) {
        snprintf(grads, sizeof grads, "keeps gradients at %.0f bytes (the precision's reduction type)",
                 x->r->work.grad_element_bytes);
        parts[n++] = grads;
    }
    if (rw->expert_params > 0)
        parts[n++] = "divides expert parameters by their own data parallelism edp = t cp d / (etp ep) instead of d";
    if (x->sc->par.zero == 3)
        parts[n++] = "holds two gathered layers besides (ZeRO 3)";
    if (g->fp8_weights > 0)
        parts[n++] = "keeps, in fp8, Transformer Engine's fp8 copy of each GEMM weight and its transpose "
                     "(2 bytes per layer parameter)";
    if (n == 0) {
        snprintf(t->why, sizeof t->why, "trainsim adds nothing to the paper's model states here");
        return;
    }
    int at = snprintf(t->why, sizeof t->why, "trainsim");
    for (int i = 0; i < n && at < (int)sizeof t->why; i++)
        at += snprintf(t->why + at, sizeof t->why - (size_t)at, "%s %s", i == 0 ? "" : i == n - 1 ? " and" : ",",
                       parts[i]);
}

static void explain_model_states(const explain_ctx* x, explain_term* t)
{
    const memory_report* mr = &x->r->memory;
    const gpu_memory* g = &mr->rank[mr->worst];
    const rank_work* rw = &x->r->work.rank[mr->worst];
    int replicas = scenario_dense_replicas(x->sc);   /* dp x cp */
    double psi = rw->dense_params + rw->expert_params, d = replicas;
    double k = x->r->work.optimizer_state_bytes;     /* the paper's K: 12 for fp32 Adam */
    int zero = x->sc->par.zero;
    static const char* const forms[] = {"(4 + K) Psi", "4 Psi + K Psi / d", "2 Psi + (2 + K) Psi / d",
                                        "(4 + K) Psi / d"};
    const double factor[] = {4 + k, 4 + k / d, 2 + (2 + k) / d, (4 + k) / d};
    t->name = "Model states per GPU";
    snprintf(t->per_text, sizeof t->per_text, "on pipeline rank %d", mr->worst);
    t->per = t->per_text;
    t->unit = IN_BYTES;
    t->simulated = g->weights + g->gradients + g->optimizer;
    t->formula = factor[zero] * psi;
    strbuf_printf(&t->text,
                  "ZeRO %d: %s, K = %.0f (2 bytes of weights, 2 of gradients, K of Adam state per parameter;\n"
                  "             Rajbhandari et al. 2020, Fig. 1) = %.4g x %.4g parameters on rank %d (d = %d)",
                  zero, forms[zero], k, factor[zero], psi, mr->worst, replicas);
    model_states_why(x, g, rw, t);
}

/* Korthikanti et al. 2022, Table 2: activation bytes of one layer and
 * micro-batch, as the paper writes them (fp16, dropout, 4h MLP, no flash). */
static double korthikanti_layer(const scenario* sc, const char** form)
{
    double s = (double)sc->model.seq_len / sc->par.cp, b = sc->par.micro_batch, h = sc->model.hidden;
    double a = sc->model.heads, t = sc->par.tp, sbh = s * b * h;
    int sp = sc->par.sequence_parallel && t > 1;
    switch (sc->par.recompute) {
    case RECOMPUTE_FULL:
        *form = sp ? "2 sbh / t" : "2 sbh";
        return sp ? 2 * sbh / t : 2 * sbh;
    case RECOMPUTE_SELECTIVE:
        *form = sp ? "34 sbh / t" : "sbh (10 + 24/t)";
        return sp ? 34 * sbh / t : sbh * (10 + 24 / t);
    default:
        *form = sp ? "sbh/t (34 + 5as/h)" : "sbh (10 + 24/t + 5as/(ht))";
        return sp ? sbh / t * (34 + 5 * a * s / h) : sbh * (10 + 24 / t + 5 * a * s / (h * t));
    }
}

static void explain_activations(const explain_ctx* x, explain_term* t)
{
    const memory_report* mr = &x->r->memory;
    const gpu_memory* g = &mr->rank[mr->worst];
    const char* form;
    double layer = korthikanti_layer(x->sc, &form);
    int layers = 0;
    for (int c = 0; c < x->v; c++)
        layers += workload_chunk(&x->r->work, mr->worst, c)->layers;
    double in_flight = g->in_flight;
    t->name = "Activations per GPU";
    snprintf(t->per_text, sizeof t->per_text, "on pipeline rank %d", mr->worst);
    t->per = t->per_text;
    t->unit = IN_BYTES;
    t->simulated = g->activations;
    t->formula = layer * layers * in_flight;
    char l[32];
    strbuf_printf(&t->text,
                  "%s per layer and micro-batch (Korthikanti et al. 2022, Table 2)\n"
                  "             x %d layers x %.4g micro-batches in flight on rank %d = %s x %.4g",
                  form, layers, in_flight, mr->worst, units_format_bytes(layer, l, sizeof l), layers * in_flight);
    snprintf(t->why, sizeof t->why,
             "trainsim generalises the paper's layer: KV-head width, the FFN's own width (SwiGLU: two fc1 "
             "outputs), no dropout masks, FlashAttention's log-sum-exp instead of scores, MoE routing; the "
             "first and last ranks add the embedding and the fp32 logits%s%s (docs/model.md, \"Memory\")",
             x->sc->par.recompute == RECOMPUTE_FULL ? "; full recompute also holds one layer's whole activations "
                                                      "while it rebuilds them"
                                                    : "",
             x->sc->train.precision == PREC_FP8 ? "; in fp8 the GEMMs keep their inputs in one byte" : "");
}

void explain_memory(const explain_ctx* x, strbuf* out)
{
    strbuf_append(out, "\nMemory");
    explain_term states = {.share = -1}, activations = {.share = -1};
    explain_model_states(x, &states);
    explain_print_term(&states, out);
    explain_activations(x, &activations);
    explain_print_term(&activations, out);
}
