/* campaign: training, checkpoints, failures, recoveries and spares as
 * SimGrid actors (see campaign.h). */
#include "des/campaign.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>
#include <simgrid/semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/host_names.h"
#include "core/min_heap.h"
#include "core/random.h"
#include "core/sample_stats.h"
#include "core/strbuf.h"

/* ---- closed forms ---------------------------------------------------------- */

double campaign_blocking_seconds(const campaign_input* in)
{
    return in->copy_seconds > 0 ? in->copy_seconds : in->checkpoint_seconds;
}

double campaign_failure_rate(const campaign_input* in)
{
    double rate = 0;
    for (int i = 0; i < in->class_count; i++)
        if (in->classes[i].mtbf > 0)
            rate += in->classes[i].instances / in->classes[i].mtbf;
    return rate;
}

double campaign_optimal_interval(double c, double m)
{
    if (c >= 2 * m)
        return m;
    double x = c / (2 * m);
    return sqrt(2 * c * m) * (1 + sqrt(x) / 3 + x / 9) - c;
}

/* Expected time to get through SEGMENT seconds of work and its checkpoint
 * with failures at rate 1/M and a recovery of R (Daly 2006). */
static double expected_segment(double segment, double c, double r, double m)
{
    return m * exp(r / m) * expm1((segment + c) / m);
}

double campaign_expected_wall(const campaign_input* in)
{
    double rate = campaign_failure_rate(in), tau = in->interval_seconds, w = in->work_seconds;
    double c = tau > 0 ? in->checkpoint_seconds : 0;
    if (rate <= 0)
        return w + (tau > 0 ? ceil(w / tau) * c : 0);
    double m = 1 / rate, r = in->detect + in->restart + in->load_seconds;
    if (tau <= 0)
        return expected_segment(w, 0, r, m);
    double full = floor(w / tau), rest = w - full * tau;
    return full * expected_segment(tau, c, r, m) + (rest > 0 ? expected_segment(rest, c, r, m) : 0);
}

/* ---- random draws ------------------------------------------------------------ */

/* Time to the next failure of a class failing on average every MEAN
 * seconds: exponential, or Weibull of shape K scaled to that mean. */
static double draw_gap(const campaign_input* in, double mean, uint64_t* state)
{
    double e = -log(random_unit_closed(state));
    if (in->distribution == DIST_WEIBULL && in->shape > 0)
        return mean / tgamma(1 + 1 / in->shape) * pow(e, 1 / in->shape);
    return mean * e;
}

/* ---- checkpoint I/O on the platform ------------------------------------------- */

static double now(void)
{
    return simgrid_get_clock();
}

typedef struct {
    sg_host_t from, to;
    char      box[48];
    double    bytes;
    double*   last;   /* latest arrival of the batch */
} shard_transfer;

static char shard_token;   /* SimGrid refuses NULL payloads */

static void shard_sender(int argc, char* argv[])
{
    (void)argc, (void)argv;
    shard_transfer* t = sg_actor_self_get_data();
    sg_mailbox_put(sg_mailbox_by_name(t->box), &shard_token, (long)(t->bytes + 0.5));
}

static void shard_receiver(int argc, char* argv[])
{
    (void)argc, (void)argv;
    shard_transfer* t = sg_actor_self_get_data();
    sg_mailbox_get(sg_mailbox_by_name(t->box));
    *t->last = fmax(*t->last, now());
}

/* Every GPU sends (WRITE) or receives its shard at once; the seconds until
 * the last arrives. */
static double move_shards(const int* gpus, int count, double shard, int write)
{
    shard_transfer* t = xcalloc((size_t)count, sizeof *t);
    sg_host_t storage = sg_host_by_name(PLATFORM_STORAGE_HOST);
    double start = now(), last = start;
    for (int i = 0; i < count; i++) {
        char name[32];
        platform_host_name(gpus[i], name, sizeof name);
        sg_host_t gpu = sg_host_by_name(name);
        t[i] = (shard_transfer){write ? gpu : storage, write ? storage : gpu, "", shard, &last};
        snprintf(t[i].box, sizeof t[i].box, "shard-%d-%d", write, gpus[i]);
        sg_actor_t sender = sg_actor_init("shard-sender", t[i].from);
        sg_actor_set_data(sender, &t[i]);
        sg_actor_start(sender, shard_sender, 0, NULL);
        sg_actor_t receiver = sg_actor_init("shard-receiver", t[i].to);
        sg_actor_set_data(receiver, &t[i]);
        sg_actor_start(receiver, shard_receiver, 0, NULL);
    }
    simgrid_run();
    free(t);
    return last - start;
}

void campaign_checkpoint_io(const int* gpus, int count, double shard, double* write_seconds,
                            double* load_seconds)
{
    *write_seconds = move_shards(gpus, count, shard, 1);
    *load_seconds = move_shards(gpus, count, shard, 0);
}

/* ---- the run -------------------------------------------------------------------- */

#define MAX_PENDING 4096

typedef struct {
    const campaign_input* in;
    uint64_t              random;
    sg_sem_t              failed;            /* released once per failure */
    int                   queue[MAX_PENDING];   /* classes of failures not yet handled */
    int                   head, tail;
    min_heap              repairs;           /* when failed nodes become spares again */
    int                   spares;
    double                start;
    double                next_failure;      /* when the failure actor will strike next */
    campaign_log*         log;               /* NULL but in the first replication asked to log */
    /* results of this replication */
    double wall, lost_work, checkpoint, recovery, waiting;
    int    failures[CAMPAIGN_MAX_CLASSES];
} replication;

static void log_add(campaign_log* log, run_event e)
{
    if (!log || e.end < e.start)
        return;
    if (log->count == CAMPAIGN_MAX_EVENTS) {
        log->truncated = 1;
        return;
    }
    if (log->count == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 256;
        log->events = xrealloc(log->events, (size_t)log->cap * sizeof *log->events);
    }
    log->events[log->count++] = e;
}

static void log_event(replication* r, run_event_kind kind, double start, double end, int cls, double cycles)
{
    log_add(r->log, (run_event){kind, start - r->start, end - r->start, cls, cycles});
}

/* Draws every class's failures until the run ends (it is a daemon). */
static void failure_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    replication* r = sg_actor_self_get_data();
    const campaign_input* in = r->in;
    double next[CAMPAIGN_MAX_CLASSES];
    for (int i = 0; i < in->class_count; i++)
        next[i] = now() + draw_gap(in, in->classes[i].mtbf / in->classes[i].instances, &r->random);
    for (;;) {
        int first = 0;
        for (int i = 1; i < in->class_count; i++)
            if (next[i] < next[first])
                first = i;
        r->next_failure = next[first];
        if (next[first] > now())
            sg_actor_sleep_for(next[first] - now());
        r->queue[r->tail++ % MAX_PENDING] = first;
        sg_sem_release(r->failed);
        next[first] = now() + draw_gap(in, in->classes[first].mtbf / in->classes[first].instances, &r->random);
    }
}

/* Takes a failure if one comes within SECONDS (one already there when
 * SECONDS <= 0). SimGrid's timed acquire returns non-zero on a timeout. */
static int failure_within(replication* r, double seconds)
{
    if (seconds > 0)
        return sg_sem_acquire_timeout(r->failed, seconds) == 0;
    if (sg_sem_would_block(r->failed))
        return 0;
    sg_sem_acquire(r->failed);
    return 1;
}

/* Waits SECONDS unless a failure comes first: returns 1 on a failure, whose
 * class is then counted and whose node goes to repair. */
static int interrupted(replication* r, double seconds)
{
    if (!failure_within(r, seconds))
        return 0;
    int k = r->queue[r->head++ % MAX_PENDING];
    r->failures[k]++;
    log_event(r, RUN_FAILURE, now(), now(), k, 0);
    min_heap_push(&r->repairs, now() + r->in->classes[k].repair);
    return 1;
}

static unsigned long long repair_steps;   /* campaign_repair_steps */

unsigned long long campaign_repair_steps(void)
{
    return repair_steps;
}

/* Repaired nodes rejoin the spares; returns the soonest repair still to come. */
static double collect_repairs(replication* r)
{
    while (r->repairs.count > 0 && min_heap_top(&r->repairs) <= now()) {
        r->spares++;
        min_heap_pop(&r->repairs);
    }
    return r->repairs.count > 0 ? min_heap_top(&r->repairs) : INFINITY;
}

/* From a failure to training again: detect it, replace the failed node by
 * a spare (waiting for a repair when none is left), restart, load the last
 * checkpoint. A failure on the way costs one more node and starts over. */
static void recover(replication* r)
{
    const campaign_input* in = r->in;
    int needed = 1;
    for (;;) {
        double t0 = now();
        int failed = interrupted(r, in->detect);
        r->recovery += now() - t0;
        log_event(r, RUN_DETECT, t0, now(), 0, 0);
        if (failed) {
            needed++;
            continue;
        }
        while (in->spares >= 0 && needed > 0) {
            double soonest = collect_repairs(r);
            if (r->spares > 0) {
                r->spares--;
                needed--;
                continue;
            }
            if (isinf(soonest))   /* no node to wait for: cannot happen, every failure repairs */
                break;
            t0 = now();
            failed = interrupted(r, soonest - now());
            r->waiting += now() - t0;
            log_event(r, RUN_WAIT_SPARE, t0, now(), 0, 0);
            needed += failed;
        }
        needed = 0;
        t0 = now();
        failed = interrupted(r, in->restart + in->load_seconds);
        r->recovery += now() - t0;
        log_event(r, RUN_RESTART, t0, now(), 0, 0);
        if (!failed)
            return;
        needed = 1;
    }
}

/* Where training stands: PROGRESS seconds of work done, DURABLE of them in
 * the last written checkpoint, after whose blocking part training resumed
 * at T_RESUME; everything since then is lost on a failure, including
 * CKPT_SINCE seconds of checkpoint time. At most one write is pending. */
typedef struct {
    double progress, durable, t_resume, ckpt_since;
    int    pending;
    double pending_work, copy_end, write_end, ckpt_at_copy_end;
} progress_state;

/* A pending write that has finished makes its checkpoint the durable one. */
static void settle_write(progress_state* p)
{
    if (!p->pending || p->write_end > now())
        return;
    p->durable = p->pending_work;
    p->t_resume = p->copy_end;
    p->ckpt_since -= p->ckpt_at_copy_end;
    p->pending = 0;
}

/* A failure: what was not durable is lost, then the recovery. */
static void fail(replication* r, progress_state* p)
{
    settle_write(p);
    r->lost_work += now() - p->t_resume;
    log_event(r, RUN_LOST, p->t_resume, now(), 0, 0);
    r->checkpoint -= p->ckpt_since;
    p->progress = p->durable;
    p->pending = 0;
    recover(r);
    p->t_resume = now();
    p->ckpt_since = 0;
}

/* SECONDS of checkpoint time (a copy, a write, or waiting for the previous
 * write) unless a failure comes first; returns 0 after a failure. */
static int checkpoint_time(replication* r, progress_state* p, double seconds)
{
    if (seconds <= 0)
        return 1;
    double t0 = now();
    if (interrupted(r, seconds)) {
        log_event(r, RUN_CHECKPOINT, t0, now(), 0, 0);
        fail(r, p);
        return 0;
    }
    log_event(r, RUN_CHECKPOINT, t0, now(), 0, 0);
    r->checkpoint += seconds;
    p->ckpt_since += seconds;
    return 1;
}

/* The previous write must finish before the next checkpoint (and the run). */
static int wait_for_write(replication* r, progress_state* p)
{
    if (!p->pending)
        return 1;
    if (!checkpoint_time(r, p, p->write_end - now()))
        return 0;
    settle_write(p);
    return 1;
}

/* A checkpoint of the work done: its blocking part, then its write. */
static int checkpoint(replication* r, progress_state* p)
{
    const campaign_input* in = r->in;
    int async = in->copy_seconds > 0;
    if (!wait_for_write(r, p) || !checkpoint_time(r, p, campaign_blocking_seconds(in)))
        return 0;
    p->pending = 1;
    p->pending_work = p->progress;
    p->copy_end = now();
    p->write_end = now() + (async ? in->checkpoint_seconds : 0);
    p->ckpt_at_copy_end = p->ckpt_since;
    if (async)   /* drawn as planned; a failure before its end discards it */
        log_event(r, RUN_WRITE, now(), p->write_end, 0, 0);
    settle_write(p);
    return 1;
}

/* Cycles of training and checkpoint that end before the next failure need
 * no event each: all but the last few are taken in one sleep, leaving the
 * state exactly as cycle-by-cycle simulation would (the steady state: a
 * write, if asynchronous, ends within the next segment). */
static void fast_forward(replication* r, progress_state* p)
{
    const campaign_input* in = r->in;
    double tau = in->interval_seconds;
    int async = in->copy_seconds > 0;
    if (tau <= 0 || (async && in->checkpoint_seconds > tau) || (p->pending && p->write_end > now() + tau))
        return;
    double block = campaign_blocking_seconds(in), cycle = tau + block;
    double whole = floor((in->work_seconds - p->progress) / tau) - 1;   /* the last ones go step by step */
    double k = fmin(floor((r->next_failure - now()) / cycle) - 1, whole);
    if (k < 2)
        return;
    log_event(r, RUN_TRAINING, now(), now() + k * cycle, 0, k);
    sg_actor_sleep_for(k * cycle);
    p->progress += k * tau;
    r->checkpoint += k * block;
    p->pending = 0;
    if (!async) {
        p->durable = p->progress;
        p->t_resume = now();
        p->ckpt_since = 0;
        return;
    }
    p->durable = p->progress - tau;   /* the last but one is written; the last is being written */
    p->t_resume = now() - cycle;
    p->ckpt_since = block;
    p->pending = 1;
    p->pending_work = p->progress;
    p->copy_end = now();
    p->write_end = now() + in->checkpoint_seconds;
    p->ckpt_at_copy_end = block;
}

static void trainer_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    replication* r = sg_actor_self_get_data();
    const campaign_input* in = r->in;
    double tau = in->interval_seconds;
    progress_state p = {.t_resume = now()};
    for (;;) {
        if (p.progress >= in->work_seconds) {
            if (wait_for_write(r, &p))
                break;
            continue;
        }
        fast_forward(r, &p);
        double segment = tau > 0 ? fmin(tau, in->work_seconds - p.progress) : in->work_seconds - p.progress;
        double t0 = now();
        int failed = interrupted(r, segment);
        log_event(r, RUN_TRAINING, t0, now(), 0, 1);
        if (failed) {
            fail(r, &p);
            continue;
        }
        p.progress += segment;
        if (tau > 0)
            checkpoint(r, &p);
    }
    r->wall = now() - r->start;
}

static void run_replication(const campaign_input* in, int index, sg_host_t host, replication* r)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->random = in->seed * 0x2545F4914F6CDD1Dull + (uint64_t)index + 1;
    r->failed = sg_sem_init(0);
    r->spares = in->spares;
    r->start = now();
    r->log = index == 0 ? in->log : NULL;
    sg_actor_t trainer = sg_actor_init("trainer", host);
    sg_actor_set_data(trainer, r);
    sg_actor_start(trainer, trainer_main, 0, NULL);
    if (campaign_failure_rate(in) > 0) {
        sg_actor_t failures = sg_actor_init("failures", host);
        sg_actor_set_data(failures, r);
        sg_actor_start(failures, failure_main, 0, NULL);
        sg_actor_daemonize(failures);
    }
    simgrid_run();
    sg_sem_destroy(r->failed);
    repair_steps += r->repairs.steps;
    min_heap_free(&r->repairs);
}

/* Sorted X[0..N) into OUT's wall-clock bins. */
static void histogram(const double* x, int n, campaign_result* out)
{
    out->wall_min = x[0];
    out->wall_max = x[n - 1];
    double width = (out->wall_max - out->wall_min) / CAMPAIGN_BINS;
    for (int i = 0; i < n; i++) {
        int bin = width > 0 ? (int)((x[i] - out->wall_min) / width) : 0;
        out->wall_bins[bin < CAMPAIGN_BINS ? bin : CAMPAIGN_BINS - 1]++;
    }
}

/* Without failures nothing is random and nothing interrupts: the run is the
 * work and its checkpoints, exactly. */
static void failure_free(const campaign_input* in, campaign_result* out)
{
    out->replications = 1;
    double tau = in->interval_seconds, done = 0, clock = 0, write_end = 0;
    int async = in->copy_seconds > 0;
    while (tau > 0 && done < in->work_seconds) {
        double segment = fmin(tau, in->work_seconds - done);
        log_add(in->log, (run_event){RUN_TRAINING, clock, clock + segment, 0, 1});
        done += segment;
        clock += segment;
        double start = async ? fmax(clock, write_end) : clock;   /* a copy waits for the previous write */
        double blocking = campaign_blocking_seconds(in);
        log_add(in->log, (run_event){RUN_CHECKPOINT, clock, start + blocking, 0, 0});
        out->checkpoint += start - clock + blocking;
        clock = start + blocking;
        if (async) {
            write_end = clock + in->checkpoint_seconds;
            log_add(in->log, (run_event){RUN_WRITE, clock, write_end, 0, 0});
        }
    }
    if (tau > 0 && async) {   /* the run waits for the last write */
        log_add(in->log, (run_event){RUN_CHECKPOINT, clock, write_end, 0, 0});
        out->checkpoint += write_end - clock;
    }
    if (tau <= 0)
        log_add(in->log, (run_event){RUN_TRAINING, 0, in->work_seconds, 0, 1});
    out->wall_mean = out->wall_p10 = out->wall_p90 = in->work_seconds + out->checkpoint;
    out->goodput = out->wall_mean > 0 ? in->work_seconds / out->wall_mean : 1;
    out->wall_min = out->wall_max = out->wall_mean;
    out->wall_bins[0] = 1;
}

void campaign_simulate(const campaign_input* in, const char* host, campaign_result* out)
{
    memset(out, 0, sizeof *out);
    if (campaign_failure_rate(in) <= 0) {
        failure_free(in, out);
        return;
    }
    int n = in->replications > 0 ? in->replications : 1;
    out->replications = n;
    /* Each replication's wall-clock, lost work, recoveries and failures, for
     * the quantiles and the standard errors of the means. */
    double* samples = xmalloc(4 * (size_t)n * sizeof *samples);
    double *walls = samples, *lost = walls + n, *recoveries = lost + n, *failures = recoveries + n;
    sg_host_t where = sg_host_by_name(host);
    for (int i = 0; i < n; i++) {
        replication r;
        run_replication(in, i, where, &r);
        walls[i] = r.wall;
        lost[i] = r.lost_work;
        recoveries[i] = r.recovery;
        failures[i] = 0;
        out->wall_mean += r.wall / n;
        out->lost_work += r.lost_work / n;
        out->checkpoint += r.checkpoint / n;
        out->recovery += r.recovery / n;
        out->waiting += r.waiting / n;
        for (int k = 0; k < in->class_count; k++) {
            out->failures[k] += (double)r.failures[k] / n;
            out->failures_total += (double)r.failures[k] / n;
            failures[i] += r.failures[k];
        }
    }
    out->goodput = in->work_seconds / out->wall_mean;
    out->wall_se = sample_standard_error(walls, n);
    out->lost_work_se = sample_standard_error(lost, n);
    out->recovery_se = sample_standard_error(recoveries, n);
    out->failures_total_se = sample_standard_error(failures, n);
    qsort(walls, (size_t)n, sizeof *walls, sample_compare);
    out->wall_p10 = sample_quantile(walls, n, 0.1);
    out->wall_p90 = sample_quantile(walls, n, 0.9);
    histogram(walls, n, out);
    free(samples);
}

const char* const run_event_kind_names[RUN_EVENT_KIND_COUNT] = {
    "training", "checkpoint", "checkpoint write", "failure", "lost work",
    "detect failure", "wait for a spare node", "restart and load checkpoint"};

const char* run_event_kind_name(run_event_kind kind)
{
    return kind >= 0 && kind < RUN_EVENT_KIND_COUNT ? run_event_kind_names[kind] : "?";
}

void campaign_log_free(campaign_log* log)
{
    free(log->events);
    memset(log, 0, sizeof *log);
}
