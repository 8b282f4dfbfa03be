/* transfer: flows through per-host agent pools into permanent receivers (see transfer.h). */
#include "des/transfer.h"

#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#include "des/actor_budget.h"
#include "network/host_names.h"
#include "core/strbuf.h"

typedef struct agent agent;

typedef struct {
    int          gpu;
    sg_host_t    host;
    sg_mailbox_t sink;
    sg_sem_t     never;     /* never released: what the sink waits on */
    agent*       idle;      /* agents waiting for work */
    agent*       all;       /* every agent of this host, for teardown */
    int          agents;
} endpoint;

struct agent {
    endpoint*       home;
    sg_sem_t        wake;
    endpoint*       dst;
    double          bytes;
    transfer_batch* batch;
    agent*          next_idle;
    agent*          next_all;
};

static endpoint* endpoints;
static int       endpoint_count;
static char      payload_token;   /* SimGrid refuses NULL payloads */

static int compare_gpu(const void* a, const void* b)
{
    int x = ((const endpoint*)a)->gpu, y = ((const endpoint*)b)->gpu;
    return (x > y) - (x < y);
}

static endpoint* endpoint_of(int gpu)
{
    endpoint key = {.gpu = gpu};
    endpoint* e = bsearch(&key, endpoints, (size_t)endpoint_count, sizeof *endpoints, compare_gpu);
    if (!e) {
        fprintf(stderr, "trainsim: internal error: GPU %d is not in the simulated platform\n", gpu);
        abort();
    }
    return e;
}

/* The permanent receiver of its host's mailbox, which never has to receive:
 * SimGrid starts a flow put into a mailbox that has one at once, and files
 * it among the mailbox's finished flows (CommImpl::isend, 3.32) for a get
 * that never comes. The sender alone waits for the flow, so a flow costs no
 * wake-up of its receiver (12 % of GPT-3's step simulation, measured with
 * callgrind). */
static void sink_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    endpoint* e = sg_actor_self_get_data();
    sg_mailbox_set_receiver(sg_mailbox_get_name(e->sink));
    sg_sem_acquire(e->never);   /* blocked, not suspended: SimGrid suspends a suspended actor's flows */
}

static void complete_flow(transfer_batch* b)
{
    if (--b->pending > 0)
        return;
    b->end = simgrid_get_clock();
    if (b->on_done)
        b->on_done(b, b->arg);
    if (b->done)
        sg_sem_release(b->done);
}

/* Sends one flow per request, then goes back to its host's idle pool. */
static void agent_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    agent* a = sg_actor_self_get_data();
    for (;;) {
        sg_sem_acquire(a->wake);
        sg_mailbox_put(a->dst->sink, &payload_token, (long)(a->bytes + 0.5));
        transfer_batch* batch = a->batch;
        a->next_idle = a->home->idle;
        a->home->idle = a;
        complete_flow(batch);
    }
}

static agent* new_agent(endpoint* home)
{
    actor_budget_take();
    agent* a = xcalloc(1, sizeof *a);
    a->home = home;
    a->wake = sg_sem_init(0);
    a->next_all = home->all;
    home->all = a;
    char name[64];
    snprintf(name, sizeof name, "agent-%d-%d", home->gpu, home->agents++);
    sg_actor_t actor = sg_actor_init(name, home->host);
    sg_actor_set_data(actor, a);
    sg_actor_start(actor, agent_main, 0, NULL);
    sg_actor_daemonize(actor);
    return a;
}

void transfer_setup(const int* gpus, int count)
{
    endpoints = xcalloc((size_t)count, sizeof *endpoints);
    endpoint_count = count;
    actor_budget_reset(count);
    for (int i = 0; i < count; i++)
        endpoints[i].gpu = gpus[i];
    qsort(endpoints, (size_t)count, sizeof *endpoints, compare_gpu);
    for (int i = 0; i < count; i++) {
        endpoint* e = &endpoints[i];
        char name[64];
        platform_host_name(e->gpu, name, sizeof name);
        e->host = sg_host_by_name(name);
        snprintf(name, sizeof name, "sink-%d", e->gpu);
        e->sink = sg_mailbox_by_name(name);
        e->never = sg_sem_init(0);
        actor_budget_take();
        sg_actor_t sink = sg_actor_init(name, e->host);
        sg_actor_set_data(sink, e);
        sg_actor_start(sink, sink_main, 0, NULL);
        sg_actor_daemonize(sink);
    }
}

void transfer_batch_begin(transfer_batch* batch, int flows, sg_sem_t done)
{
    batch->pending = flows;
    batch->start = simgrid_get_clock();
    batch->end = -1;
    batch->done = done;
}

void transfer_send(int src, int dst, double bytes, transfer_batch* batch)
{
    endpoint* from = endpoint_of(src);
    agent* a = from->idle;
    if (a)
        from->idle = a->next_idle;
    else
        a = new_agent(from);
    a->dst = endpoint_of(dst);
    a->bytes = bytes;
    a->batch = batch;
    sg_sem_release(a->wake);
}

int transfer_leaves_here(int src)
{
    return endpoint_of(src)->host == sg_host_self();
}

void transfer_put(int dst, double bytes, transfer_batch* batch)
{
    batch->puts = xrealloc(batch->puts, ((size_t)batch->put_count + 1) * sizeof *batch->puts);
    batch->puts[batch->put_count++] = sg_mailbox_put_async(endpoint_of(dst)->sink, &payload_token, (long)(bytes + 0.5));
}

void transfer_wait_puts(transfer_batch* batch)
{
    if (batch->put_count == 1)
        sg_comm_wait(batch->puts[0]);   /* each wait lets go of the handle */
    else
        sg_comm_wait_all(batch->puts, (size_t)batch->put_count);
    free(batch->puts);
    batch->puts = NULL;
    batch->put_count = 0;
    batch->pending = 0;
    batch->end = simgrid_get_clock();
}

void transfer_forget_puts(transfer_batch* batch)
{
    for (int i = 0; i < batch->put_count; i++)
        sg_comm_unref(batch->puts[i]);
    free(batch->puts);
    batch->puts = NULL;
    batch->put_count = 0;
}

void transfer_wait(transfer_batch* batch)
{
    sg_sem_acquire(batch->done);
}

double transfer_route_latency(int src, int dst)
{
    return sg_host_get_route_latency(endpoint_of(src)->host, endpoint_of(dst)->host);
}

void transfer_teardown(void)
{
    for (int i = 0; i < endpoint_count; i++) {
        agent* a = endpoints[i].all;
        while (a) {
            agent* next = a->next_all;
            sg_sem_destroy(a->wake);
            free(a);
            a = next;
        }
        sg_sem_destroy(endpoints[i].never);
    }
    free(endpoints);
    endpoints = NULL;
    endpoint_count = 0;
}
