/* random: the one pseudo-random stream trainsim draws from, SplitMix64
 * (Steele, Lea and Flood 2014): a fast, well-mixed 64-bit sequence whose
 * whole state is one integer, so a stream seeded from the scenario's seed
 * gives the same draws on every machine. */
#ifndef TRAINSIM_RANDOM_H
#define TRAINSIM_RANDOM_H

#include <stdint.h>

/* The next 64 random bits of the stream at *STATE. */
uint64_t random_next(uint64_t* state);

/* Uniform in (0, 1]: 53 random bits, never 0 (a logarithm's argument). */
double random_unit_closed(uint64_t* state);

/* Uniform in (0, 1): 53 random bits and half a step, never 0 or 1 (an
 * inverse CDF's argument). */
double random_unit_open(uint64_t* state);

#endif
