/* tp_overlap: TP collectives overlapped with their GEMMs (see tp_overlap.h). */
#include "model/tp_overlap.h"

#include <math.h>
#include <string.h>

double tp_overlap_ring_exchange(double gemm, double comm, int t)
{
    return fmax(gemm, comm + gemm / t);
}

/* The GEMM's time on the SMs the communication leaves it, its throughput
 * taken as proportional to its SMs. */
static double gemm_on_fewer_sms(double gemm, int sms)
{
    return gemm * sms / (double)(sms - TP_OVERLAP_COMM_SMS);
}

double tp_overlap_pipelined(double gemm, double comm, int sms, int splits)
{
    double g = gemm_on_fewer_sms(gemm, sms);
    return fmax(g, comm) + fmin(g, comm) / splits;
}

double tp_overlap_bulk(double gemm, double comm, int sms)
{
    return fmax(gemm_on_fewer_sms(gemm, sms), comm);
}

/* The exposed seconds of one layer's forward (BACKWARD 0) or backward
 * pass: each TP GEMM's pair beyond the GEMM alone, and the collectives no
 * GEMM hides (an MoE layer's shared experts') at their full time. */
static double layer_exposed(const layer_cost* layer, int backward, double comm, int t, int sms)
{
    double exposed = 0;
    int paired = 0;
    for (int i = 0; i < layer->count; i++) {
        const layer_kernel* k = &layer->kernel[i];
        double dgrad = k->dgrad_seconds, wgrad = k->bwd_seconds - k->dgrad_seconds;
        switch (k->tp_side) {
        case TP_SIDE_NONE:
        case TP_SIDE_COUNT:
            continue;
        case TP_SIDE_GATHERED:
            exposed += backward ? tp_overlap_bulk(wgrad, comm, sms) - wgrad
                                : tp_overlap_ring_exchange(k->fwd_seconds, comm, t) - k->fwd_seconds;
            break;
        case TP_SIDE_SCATTERED:
            exposed += backward ? tp_overlap_ring_exchange(dgrad, comm, t) - dgrad
                                : tp_overlap_pipelined(k->fwd_seconds, comm, sms, TP_OVERLAP_PIPELINE_SPLITS)
                                      - k->fwd_seconds;
            break;
        }
        paired++;
    }
    return exposed + (2 * layer->tp_allreduces - paired) * comm;   /* an all-gather and a reduce-scatter each */
}

void tp_overlap_stage(const scenario* sc, const workload* w, const stage_work* st, double collective,
                      tp_overlap_time* out)
{
    memset(out, 0, sizeof *out);
    int t = sc->par.tp, sms = w->rates.sms;
    if (t < 2)
        return;
    for (int l = st->first_layer; l < st->first_layer + st->layers; l++) {
        const layer_cost* layer = workload_is_moe_layer(sc, l) ? &w->moe_layer : &w->dense_layer;
        double fwd = layer_exposed(layer, 0, collective, t, sms);
        out->fwd_exposed += fwd;
        out->bwd_exposed += layer_exposed(layer, 1, collective, t, sms);
        if (sc->par.recompute == RECOMPUTE_FULL)
            out->bwd_exposed += fwd;   /* the recomputed forward's collectives */
    }
    double alone = 2.0 * collective;   /* an all-reduce: an all-gather and a reduce-scatter */
    out->fwd_exposed += alone * st->has_embedding;
    out->bwd_exposed += alone * st->has_head;
    out->fwd_alone = alone * st->tp_fwd_allreduces;
    out->bwd_alone = alone * st->tp_bwd_allreduces;
}
