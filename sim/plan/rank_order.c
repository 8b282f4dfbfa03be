/* rank_order: rank coordinates to GPU and back, and the groups of each
 * parallel kind (see rank_order.h). */
#include "plan/rank_order.h"

int plan_rank(const scenario* sc, int t, int c, int d, int s)
{
    const parallel_spec* p = &sc->par;
    return t + p->tp * (c + p->cp * (d + p->dp * s));
}

void plan_rank_coordinates(const scenario* sc, int rank, int* t, int* c, int* d, int* s)
{
    const parallel_spec* p = &sc->par;
    *t = rank % p->tp;
    *c = rank / p->tp % p->cp;
    *d = rank / (p->tp * p->cp) % p->dp;
    *s = rank / (p->tp * p->cp * p->dp);
}

group_family plan_tp_family(const scenario* sc)
{
    return (group_family){sc->par.tp, 1};
}

/* Member c + cp x d of the dense data-parallel group is GPU t + tp (c + cp d). */
group_family plan_cp_family(const scenario* sc)
{
    return (group_family){sc->par.cp, sc->par.tp};
}

group_family plan_dense_dp_family(const scenario* sc)
{
    return (group_family){scenario_dense_replicas(sc), sc->par.tp};
}

group_family plan_etp_family(const scenario* sc)
{
    return (group_family){sc->par.etp, 1};
}

group_family plan_ep_family(const scenario* sc)
{
    return (group_family){sc->par.ep, sc->par.etp};
}

group_family plan_edp_family(const scenario* sc)
{
    return (group_family){scenario_expert_replicas(sc), sc->par.etp * sc->par.ep};
}

group_family plan_expert_group_family(const scenario* sc)
{
    return (group_family){sc->par.etp * sc->par.ep, 1};
}

group_family plan_amax_family(const scenario* sc)
{
    return (group_family){sc->par.tp * sc->par.cp * sc->par.dp, 1};
}

group_family plan_dispatch_gather_family(const scenario* sc)
{
    switch (sc->model.moe.dispatcher) {
    case DISPATCH_ALLTOALL:  return plan_etp_family(sc);
    case DISPATCH_ALLGATHER: return plan_expert_group_family(sc);
    case DISPATCH_FLEX:
    case DISPATCH_COUNT:     break;
    }
    return (group_family){1, 1};
}

/* A pipeline rank's GPUs are consecutive, tp x cp x dp of them. */
static int stage_index(const scenario* sc, int gpu)
{
    const parallel_spec* p = &sc->par;
    return gpu % (p->tp * p->cp * p->dp);
}

int plan_member_index(const scenario* sc, group_family f, int gpu)
{
    return stage_index(sc, gpu) / f.stride % f.n;
}

int plan_group_base(const scenario* sc, group_family f, int gpu)
{
    return gpu - f.stride * plan_member_index(sc, f, gpu);
}
