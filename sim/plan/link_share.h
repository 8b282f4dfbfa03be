/* link_share: how concurrent flows share the links they cross.
 *
 * The plan keeps, of all the flows a collapsed rank stands for, the slowest
 * and those that share a link with it that can bind (plan.h). These are the
 * measures it chooses them by: how many of a set of flows cross each link
 * (counted in a link_tally), one flow's time at its fair share, which links
 * can bind at all, and a set of flows' time alone on the platform. */
#ifndef TRAINSIM_LINK_SHARE_H
#define TRAINSIM_LINK_SHARE_H

#include "network/topology.h"
#include "plan/link_tally.h"

/* How many of a set of concurrent flows cross each link (and direction). */
typedef link_tally link_usage;

/* Counts the links of FLOWS; with UP_ONLY, only links leaving a GPU's side.
 * Free U with link_tally_free. */
void link_usage_build(const topology* t, const flow* flows, int n, int up_only, link_usage* u);

/* Adds to U the links of FLOWS that U already counts: what they add to the
 * links that U's flows cross, the only ones a flow_time of those flows reads. */
void link_usage_add_on(const topology* t, const flow* flows, int n, link_usage* u);

/* Time for one flow of BYTES along its route when the concurrent flows of U
 * share its links fairly: latency + bytes / min over links (bandwidth / users). */
double flow_time(const topology* t, flow f, double bytes, link_usage* u);

/* The flows of ALL that share a link that can bind with any of MINE, MINE
 * first (malloc'd, *COUNT of them); whether a link can bind is judged over
 * CONCURRENT (ALL when NULL). With UP_ONLY, only links on the sending side
 * count. */
flow* flows_sharing(const topology* t, const flow* mine, int mine_count, const flow* all, int all_count,
                    const flow* concurrent, int concurrent_count, int up_only, int* count);

/* flows_sharing, with whether a link can bind judged over ALL. */
flow* flows_with_sharers(const topology* t, const flow* mine, int mine_count, const flow* all, int all_count,
                         int up_only, int* count);

/* The slowest of CANDIDATES when ALL run at once; ties go to the first. */
int slowest_flow(const topology* t, const flow* candidates, int n, const flow* all, int all_count, double bytes);

/* The time the aggregated simulation gives FLOWS carrying BYTES each, alone,
 * in TRANSFERS transfers (point-to-point sends: each transfer but the first
 * owes the first flow's route latency). */
double closed_form(const topology* t, const flow* flows, int n, double bytes, int transfers);

/* The same when the transfers owe LATENCY in all (an NCCL collective's):
 * the slowest flow at its fair share, latency included, then what LATENCY
 * exceeds the first flow's route latency by. */
double closed_form_owing(const topology* t, const flow* flows, int n, double bytes, double latency);

/* The slowest of FLOWS carrying BYTES each at its fair share, without
 * latency: max over flows of bytes / min over links (bandwidth / users). */
double bandwidth_time(const topology* t, const flow* flows, int n, double bytes);

/* The same for flows carrying BYTES[i] each over all TRANSFERS, an
 * exchange's: every transfer waits for the latest of its flows' latencies. */
double closed_form_each(const topology* t, const flow* flows, const double* bytes, int n, int transfers);

#endif
