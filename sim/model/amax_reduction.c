/* amax_reduction: which recipes reduce fp8 amaxes, and how many bytes (see
 * amax_reduction.h). */
#include "model/amax_reduction.h"

int amax_reduction_applies(const scenario* sc)
{
    return sc->train.precision == PREC_FP8 && sc->train.fp8_weights != FP8W_PER_GEMM;
}

int amax_gemms_per_layer(const scenario* sc, int moe)
{
    const moe_spec* m = &sc->model.moe;
    if (!moe)
        return 4;
    int local_experts = m->experts / (sc->par.ep > 0 ? sc->par.ep : 1);
    return 2 + 2 * local_experts + (m->shared_experts > 0 ? 2 : 0);
}

double amax_reduction_bytes(const scenario* sc, const workload* w, int s, int forward)
{
    if (!amax_reduction_applies(sc))
        return 0;
    double gemms = 0;
    for (int c = 0; c < w->chunks; c++) {
        const stage_work* st = workload_chunk(w, s, c);
        gemms += (double)(st->layers - st->moe_layers) * amax_gemms_per_layer(sc, 0)
               + (double)st->moe_layers * amax_gemms_per_layer(sc, 1);
    }
    return AMAX_BYTES * (forward ? AMAX_FORWARD_TENSORS : AMAX_BACKWARD_TENSORS) * gemms;
}
