/* latin_hypercube: stratified permutations with jitter (see
 * latin_hypercube.h). */
#include "core/latin_hypercube.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/random.h"
#include "core/strbuf.h"

/* Dimension J's stream: the seed spread by an odd constant (the one the
 * run level's replications use, des/campaign.c), offset by the dimension. */
static uint64_t stream_of(unsigned long long seed, int j)
{
    return (uint64_t)seed * 0x2545F4914F6CDD1Dull + 0x5851F42D4C957F2Dull * (uint64_t)(j + 1);
}

/* A uniform integer from 0 to LAST: the (0, 1) draw times LAST + 1, floored.
 * Its bias against a perfect draw is below (LAST + 1) / 2^53. */
static int uniform_index(uint64_t* state, int last)
{
    int i = (int)(random_unit_open(state) * (last + 1));
    return i > last ? last : i;
}

void latin_hypercube(int n, int k, unsigned long long seed, double* u)
{
    int* stratum = xmalloc(((size_t)n + 1) * sizeof *stratum);
    for (int j = 0; j < k; j++) {
        uint64_t state = stream_of(seed, j);
        for (int i = 0; i < n; i++)
            stratum[i] = i;
        for (int i = n - 1; i > 0; i--) {   /* Durstenfeld's shuffle */
            int swap = uniform_index(&state, i);
            int t = stratum[i];
            stratum[i] = stratum[swap];
            stratum[swap] = t;
        }
        for (int i = 0; i < n; i++) {
            /* a jitter within 2^-54 of 1 rounds the top stratum's point up to 1 */
            double x = (stratum[i] + random_unit_open(&state)) / n;
            u[(size_t)i * k + j] = x < 1 ? x : nextafter(1.0, 0.0);
        }
    }
    free(stratum);
}
