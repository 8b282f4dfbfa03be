/* explain_memory: the memory part of `trainsim explain` (explain.h): the
 * model states per GPU against ZeRO's closed forms (Rajbhandari et al.
 * 2020) and the activations against Korthikanti et al. 2022's per-layer
 * bytes, on the pipeline rank that holds the most. */
#ifndef TRAINSIM_EXPLAIN_MEMORY_H
#define TRAINSIM_EXPLAIN_MEMORY_H

#include "output/explain_term.h"

/* The memory terms of X, under their heading, into OUT. */
void explain_memory(const explain_ctx* x, strbuf* out);

#endif
