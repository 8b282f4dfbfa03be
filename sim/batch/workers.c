/* workers: forked worker processes, their pipes and the progress line
 * (see workers.h). */
#include "batch/workers.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/diag.h"

typedef struct {
    pid_t     pid;
    int       fd;     /* read end of the worker's pipe */
    long long point;
    strbuf    out;
    double    started;     /* seconds since the run began */
    int       timed_out;   /* killed for running past the pool's timeout */
} worker;

typedef struct {
    const worker_pool* pool;
    long long          count, started, finished;
    long long          next;          /* the lowest point not started */
    unsigned char*     is_started;    /* per point */
    worker*            workers;
    int                running;
    struct timespec    t0;
    double             last_progress;
} runner;

/* A system call that failed: its name and errno's reason. */
static int system_error(const char* call)
{
    fprintf(stderr, "trainsim: system error: %s: %s\n", call, strerror(errno));
    return EXIT_SYSTEM;
}

static int write_all(int fd, const char* text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

static double seconds_since(const struct timespec* t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void show_progress(runner* r, int last)
{
    double elapsed = seconds_since(&r->t0);
    if (!r->pool->progress || (!last && elapsed - r->last_progress < 0.2))
        return;
    r->last_progress = elapsed;
    double rate = elapsed > 0 ? (double)r->finished / elapsed : 0;
    long long left = r->count - r->finished;
    const char* unit = r->pool->unit ? r->pool->unit : "points";
    fprintf(stderr, "\r%s: %lld/%lld %s, %.1f %s/s", r->pool->progress, r->pool->before + r->finished,
            r->pool->before + r->count, unit, rate, unit);
    if (!last && rate > 0)
        fprintf(stderr, ", %.0f s to go   ", (double)left / rate);
    else
        fprintf(stderr, "%s", last ? "\n" : "   ");
}

/* The point to start now: the lowest that is ready; with nothing running,
 * the lowest not started (nothing could make it ready). -1: none. */
static long long next_point(runner* r)
{
    const worker_pool* pool = r->pool;
    while (r->next < r->count && r->is_started[r->next])
        r->next++;
    for (long long p = r->next; p < r->count; p++)
        if (!r->is_started[p] && (!pool->ready || pool->ready(p, pool->arg)))
            return p;
    return r->running == 0 && r->next < r->count ? r->next : -1;
}

/* Starts point P. Returns 0, or EXIT_SYSTEM after a message (nothing started). */
static int start_worker(runner* r, long long p)
{
    int fds[2];
    if (pipe(fds))
        return system_error("pipe");
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int status = system_error("fork");
        close(fds[0]);
        close(fds[1]);
        return status;
    }
    if (pid == 0) {   /* the worker: one point, its bytes down the pipe, and out */
        /* The kernel kills the worker when its parent dies, however it dies
         * (a SIGKILLed sweep cannot stop its workers itself). A parent that
         * died before the request went in has already left the worker to
         * another: it ends at once. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(EXIT_SYSTEM);
        close(fds[0]);
        for (int i = 0; i < r->running; i++)
            close(r->workers[i].fd);
        signal(SIGPIPE, SIG_DFL);
        strbuf out = {0};
        r->pool->run(p, &out, r->pool->arg);
        _exit(write_all(fds[1], out.data ? out.data : "", out.len) ? EXIT_SYSTEM : EXIT_DONE);
    }
    close(fds[1]);
    r->workers[r->running++] = (worker){pid, fds[0], p, {0}, seconds_since(&r->t0), 0};
    r->is_started[p] = 1;
    r->started++;
    return 0;
}

static int reap(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* A worker's pipe closed: the caller gets what it sent and how it ended. */
static void finish_worker(runner* r, int i)
{
    worker* w = &r->workers[i];
    close(w->fd);
    int status = reap(w->pid);
    r->pool->done(w->point, &w->out, status, w->timed_out, r->pool->arg);
    strbuf_free(&w->out);
    r->workers[i] = r->workers[--r->running];
    r->finished++;
}

/* Reads what the workers sent; finishes those whose pipes closed. Returns
 * 0, or EXIT_SYSTEM after a message. */
static int collect(runner* r)
{
    struct pollfd* fds = xcalloc((size_t)r->running + 1, sizeof *fds);
    for (int i = 0; i < r->running; i++)
        fds[i] = (struct pollfd){.fd = r->workers[i].fd, .events = POLLIN};
    if (poll(fds, (nfds_t)r->running, 200) < 0 && errno != EINTR) {
        free(fds);
        return system_error("poll");
    }
    for (int i = r->running; i-- > 0;) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char chunk[65536];
        ssize_t n = read(r->workers[i].fd, chunk, sizeof chunk);
        if (n > 0)
            strbuf_append_n(&r->workers[i].out, chunk, (size_t)n);
        else if (n == 0 || errno != EINTR)
            finish_worker(r, i);
    }
    free(fds);
    return 0;
}

/* Workers past the pool's timeout are killed; their pipes then close and
 * they finish as any other. */
static void kill_overdue(runner* r)
{
    if (r->pool->timeout <= 0)
        return;
    double now = seconds_since(&r->t0);
    for (int i = 0; i < r->running; i++) {
        worker* w = &r->workers[i];
        if (!w->timed_out && now - w->started >= r->pool->timeout) {
            kill(w->pid, SIGKILL);
            w->timed_out = 1;
        }
    }
}

/* After a system error: the running workers are killed and reaped, their
 * points never reported. */
static void abandon(runner* r)
{
    for (int i = 0; i < r->running; i++) {
        kill(r->workers[i].pid, SIGKILL);
        close(r->workers[i].fd);
        reap(r->workers[i].pid);
        strbuf_free(&r->workers[i].out);
    }
    r->running = 0;
}

int workers_run(const worker_pool* pool, long long count)
{
    runner r = {.pool = pool, .count = count};
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    r.workers = xcalloc((size_t)pool->jobs, sizeof *r.workers);
    r.is_started = xcalloc((size_t)count + 1, 1);
    int status = 0;
    while (!status && (r.started < count || r.running > 0)) {
        long long p;
        while (!status && r.running < pool->jobs && (p = next_point(&r)) >= 0)
            status = start_worker(&r, p);
        if (!status)
            status = collect(&r);
        kill_overdue(&r);
        if (pool->tick)
            pool->tick(pool->arg);
        if (!status)
            show_progress(&r, 0);
    }
    if (status)
        abandon(&r);
    else
        show_progress(&r, 1);
    free(r.workers);
    free(r.is_started);
    return status;
}

void workers_describe_end(int wait_status, int timed_out, double timeout, char* why, size_t size)
{
    if (timed_out)
        snprintf(why, size, "timeout after %g s", timeout);
    else if (WIFSIGNALED(wait_status))
        snprintf(why, size, "the point's process was killed by signal %d (%s)", WTERMSIG(wait_status),
                 strsignal(WTERMSIG(wait_status)));
    else
        snprintf(why, size, "the point's process exited with status %d without a row",
                 WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);
}
