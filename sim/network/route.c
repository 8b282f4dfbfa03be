/* route: ordering flows and adding up a route's latency (see route.h). */
#include "network/route.h"

int flow_compare(const void* a, const void* b)
{
    const flow* x = a;
    const flow* y = b;
    if (x->src != y->src)
        return (x->src > y->src) - (x->src < y->src);
    return (x->dst > y->dst) - (x->dst < y->dst);
}

double route_latency(const route* r)
{
    double sum = 0;
    for (int i = 0; i < r->count; i++)
        sum += r->link[i].latency;
    return sum;
}
