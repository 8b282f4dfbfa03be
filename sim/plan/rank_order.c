/* rank_order: rank coordinates to GPU and back (see rank_order.h). */
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
