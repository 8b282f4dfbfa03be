/* latin_hypercube: a space-filling design of N points in K dimensions of
 * the unit cube (McKay, Beckman and Conover 1979, "A comparison of three
 * methods for selecting values of input variables in the analysis of output
 * from a computer code", Technometrics 21(2)).
 *
 * Each dimension is cut into N strata of width 1/N and every stratum holds
 * exactly one of the N points: point i takes u_ij = (pi_j(i) + v_ij) / N,
 * pi_j a random permutation of 0 .. N-1 (Fisher and Yates, in Durstenfeld's
 * form, drawn from the last position down) and v_ij uniform in (0, 1)
 * within its stratum. Dimension j draws from its own SplitMix64 stream
 * (core/random.h) seeded from SEED and j, first the permutation, then the
 * N jitters in point order: a design is a function of (N, SEED, j) alone,
 * and adding a dimension leaves the others' values as they were. */
#ifndef TRAINSIM_LATIN_HYPERCUBE_H
#define TRAINSIM_LATIN_HYPERCUBE_H

/* Fills U[i * K + j] for points i < N and dimensions j < K, each in (0, 1). */
void latin_hypercube(int n, int k, unsigned long long seed, double* u);

#endif
