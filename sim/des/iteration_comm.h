/* iteration_comm: a rank actor's communication in the iteration simulation.
 *
 * Its collectives, blocking or running beside it (on an actor of their own
 * when they take more than one transfer), phase by phase, their steps
 * aggregated into one transfer unless asked to run step by step; its
 * expert all-to-alls; its pipeline sends and receives. Collapsed, a
 * collective sends the plan's flows; full, a member sends to its peers and
 * hears from them on its channels. */
#ifndef TRAINSIM_ITERATION_COMM_H
#define TRAINSIM_ITERATION_COMM_H

#include "des/rank_state.h"

/* Starts a collective that the rank does not wait for yet: CP, on the
 * channels of KIND, FRACTION of its bytes, on RUN. */
void comm_start_collective(rank_state* st, const collective_plan* cp, channel_kind kind, double fraction,
                           collective_run* run);

/* Starts TRANSFERS of the steps of the one-phase collective CP (a ring
 * shift: each member's chunk to the next), aggregated into one transfer, on
 * the channels of KIND, on RUN; the rank waits for them with comm_wait_for. */
void comm_start_transfers(rank_state* st, const collective_plan* cp, channel_kind kind, int transfers,
                          collective_run* run);

/* A blocking collective: returns the seconds it took. */
double comm_run_collective(rank_state* st, const collective_plan* cp, channel_kind kind, double fraction);

/* Waits for a collective of kind WHAT running beside the rank: the wait is
 * exposed communication. Returns its seconds. */
double comm_wait_for(rank_state* st, collective_run* run, work_kind what);

/* The plan's REPEAT all-to-alls, blocking: aggregated, or one after the
 * other with --stepwise-collectives. Returns the seconds they took. */
double comm_run_alltoall(rank_state* st, const alltoall_plan* ap);

/* Sends (chunk, mb)'s activation (FORWARD) or gradient to the neighbour:
 * the plan's flows, or in full mode this GPU's own flow. */
void comm_send_pipeline(rank_state* st, int forward, int chunk, int mb);

/* After the rank's step: waits until its neighbours have received the
 * flows it put itself, which SimGrid would cancel if it ended first. */
void comm_drain_puts(rank_state* st);

/* Waits for (chunk, mb) from a neighbour (FROM_PREVIOUS or FROM_NEXT).
 * Waiting while the data was in flight counts as pipeline communication;
 * waiting for the neighbour to produce it is bubble. A scatter-gather split
 * is then re-assembled inside the node. */
void comm_receive(rank_state* st, int from, int chunk, int mb);

#endif
