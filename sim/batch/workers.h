/* workers: a batch's points run each in a child process forked for it, at
 * most `jobs` at a time.
 *
 * SimGrid runs one engine per process, so every point of a sweep or of the
 * plan search is simulated in a process of its own: a point that crashes or
 * is killed ends only that process. The child computes the point's bytes and
 * writes them down a pipe; the parent reads every worker's pipe and hands
 * each point's bytes and wait status to the caller as its process ends, in
 * whatever order they end. Points start in order, but for those that
 * must wait (pool.ready). A pipe, fork or poll that fails is a system
 * error: the running workers are killed and reaped, and workers_run says
 * which call failed and why. A worker dies with its parent, even one
 * killed by SIGKILL (PR_SET_PDEATHSIG), and a point may be given a time
 * limit (worker_pool.timeout). */
#ifndef TRAINSIM_WORKERS_H
#define TRAINSIM_WORKERS_H

#include "core/strbuf.h"

typedef struct {
    /* In the child: point P's bytes into OUT. */
    void (*run)(long long p, strbuf* out, void* arg);
    /* In the parent, once point P's process has ended: the bytes it wrote,
     * its wait status (waitpid's), and TIMED_OUT: 1 when it was killed for
     * running past the pool's timeout. */
    void (*done)(long long p, const strbuf* out, int wait_status, int timed_out, void* arg);
    /* In the parent after each round of reading, or NULL: rows whose turn
     * has come are written here. */
    void (*tick)(void* arg);
    void*       arg;
    int         jobs;       /* worker processes at a time */
    const char* progress;   /* a progress line on stderr, under this name ("trainsim sweep"); NULL: none */
    long long   before;     /* points done before this run (kept rows), counted in the progress line */
    /* In the parent, or NULL: whether point P may start now (it waits for
     * what an earlier point will hand over). The lowest-numbered point that
     * may start goes first; with nothing running, the lowest waiting one. */
    int (*ready)(long long p, void* arg);
    const char* unit;       /* what the progress line counts ("samples"); NULL: points */
    double      timeout;    /* seconds a point's process may run before it is killed (SIGKILL); 0: no limit */
} worker_pool;

/* Runs points 0 .. COUNT-1 of POOL. Returns 0 when every point's process has
 * ended (whatever it sent), or EXIT_SYSTEM after a message on stderr. */
int workers_run(const worker_pool* pool, long long count);

/* Why a point's process that did not end well ended, for its error row:
 * "the point's process was killed by signal 6 (Aborted)", or, when it ran
 * past the pool's TIMEOUT (TIMED_OUT), "timeout after 60 s". */
void workers_describe_end(int wait_status, int timed_out, double timeout, char* why, size_t size);

#endif
