/* explain_dispatch: the expert dispatch's term of `trainsim explain`: the
 * closed form of the MoE dispatcher's exchanges and gathers
 * (model/moe_dispatch.h) with the scenario's numbers, beside the simulated
 * ep_comm. */
#ifndef TRAINSIM_EXPLAIN_DISPATCH_H
#define TRAINSIM_EXPLAIN_DISPATCH_H

#include "output/explain_term.h"

void explain_dispatch(const explain_ctx* x, explain_term* t);

#endif
