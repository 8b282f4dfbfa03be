/* best: a search for the best parallelism plans of a scenario's model on
 * its cluster.
 *
 * The candidates are every TP (powers of two dividing the heads) x PP
 * (divisors of the layers) with TP x PP dividing the GPUs, data parallelism
 * taking the rest, x micro-batch (1, 2, 4, 8) x schedule (1F1B; with two
 * stages or more, interleaved over 2 and 4 chunks) x ZeRO (0 to 3) x
 * recompute (none, selective, full) x expert parallelism (for a mixture of
 * experts: powers of two dividing the experts and the data parallelism).
 * Before anything is simulated, candidates the scenario rules out (a batch
 * that does not split, an interleaving that does not divide) and those that
 * do not fit in the GPU's memory are dropped, and of the recompute policies
 * only the least that fits is kept (recomputing more only adds work). The
 * rest are simulated in worker processes (candidates.h), each a copy of the
 * loaded scenario with its parallelism changed, and are ranked by MFU.
 * GPipe is left out: its bubble is 1F1B's and it keeps more activations. */
#ifndef TRAINSIM_BEST_H
#define TRAINSIM_BEST_H

typedef struct {
    const char* scenario;   /* the scenario file: model, cluster, training */
    long long   gpus;       /* GPUs to plan for; 0: the whole cluster */
    int         top;        /* plans to print */
    int         jobs;       /* worker processes */
    const char* rows;       /* where the simulated candidates' rows go (JSON lines; NULL: nowhere) */
    double      timeout;    /* seconds a candidate's process may run before it is killed; 0: no limit */
} best_options;

/* Prints the search's counts and the TOP plans on stdout. Returns the exit
 * status: 0, 1 when no candidate fits, 2 for a bad scenario or option (or
 * rows that cannot be written), 3 when a worker process cannot be started. */
int best_search(const best_options* opt);

#endif
