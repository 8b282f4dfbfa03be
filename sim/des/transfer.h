/* transfer: network flows between any two GPU hosts of the loaded platform,
 * grouped in batches that signal when all their flows have arrived.
 *
 * The iteration simulation collapses symmetric ranks into one actor per
 * pipeline stage, yet the traffic of the collapsed ranks must still load the
 * links it would load (docs/design.md, "Two levels of simulation"). So a flow may start on a host
 * where no rank actor runs: each host keeps a pool of agent actors that send
 * on request, and a sink actor registered as its mailbox's permanent
 * receiver, so that a transfer starts as soon as it is sent and needs no
 * receive. A flow that leaves the sending actor's own host may be put by
 * the actor itself instead (transfer_put), for a receiver that waits on it.
 * Notifications go through semaphores and cost no simulated time. */
#ifndef TRAINSIM_TRANSFER_H
#define TRAINSIM_TRANSFER_H

#include <simgrid/forward.h>

typedef struct transfer_batch transfer_batch;
typedef void (*transfer_hook)(transfer_batch* batch, void* arg);

struct transfer_batch {
    int           pending;    /* flows still in flight */
    double        start;      /* simulated time the batch was sent */
    double        end;        /* simulated time its last flow arrived; < 0 while in flight */
    sg_sem_t      done;       /* released once when the batch completes, if not NULL */
    transfer_hook on_done;    /* called when the batch completes, if not NULL */
    void*         arg;
    sg_comm_t*    puts;       /* flows its sender put itself (transfer_put), until waited for */
    int           put_count;
};

/* Creates sinks on the hosts of GPUS[0..COUNT) (their nodes must be in the
 * loaded platform). Call from main before simgrid_run. */
void transfer_setup(const int* gpus, int count);

/* Prepares BATCH for N flows sent now. DONE may be NULL. */
void transfer_batch_begin(transfer_batch* batch, int flows, sg_sem_t done);

/* Sends BYTES from GPU SRC to GPU DST as one flow of BATCH. From an actor. */
void transfer_send(int src, int dst, double bytes, transfer_batch* batch);

/* Whether a flow from GPU SRC leaves the calling actor's own host. */
int  transfer_leaves_here(int src);

/* Sends BYTES from the calling actor's host to GPU DST as one flow of BATCH
 * that the actor starts itself: no agent wakes for it, and nothing is told
 * when it arrives; whoever needs it waits with transfer_wait_puts. The
 * actor must not end before the flow does (SimGrid cancels an ending
 * actor's flows). */
void transfer_put(int dst, double bytes, transfer_batch* batch);

/* Waits for the flows put into BATCH; its end is then the time. */
void transfer_wait_puts(transfer_batch* batch);

/* Lets go of flows put into BATCH that nobody waited for (a deadlocked
 * step), after simgrid_run. */
void transfer_forget_puts(transfer_batch* batch);

/* Waits until BATCH completes (needs batch->done). */
void transfer_wait(transfer_batch* batch);

/* One-way latency of the route between two GPUs, from SimGrid's routing. */
double transfer_route_latency(int src, int dst);

/* Releases the tables built by transfer_setup (after simgrid_run). */
void transfer_teardown(void);

#endif
