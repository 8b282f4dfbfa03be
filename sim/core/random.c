/* random: SplitMix64 and uniform draws from it (see random.h). */
#include "core/random.h"

#define TWO_TO_53 9007199254740992.0

uint64_t random_next(uint64_t* state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double random_unit_closed(uint64_t* state)
{
    return ((double)(random_next(state) >> 11) + 1.0) / TWO_TO_53;
}

double random_unit_open(uint64_t* state)
{
    return ((double)(random_next(state) >> 11) + 0.5) / TWO_TO_53;
}
