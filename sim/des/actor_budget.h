/* actor_budget: how many SimGrid actors the process can hold at once.
 *
 * Every actor's stack is a memory mapping of its own plus a protected
 * guard page (SimGrid's contexts/guard-size, one page by default): two of
 * the process's memory maps, which Linux bounds by vm.max_map_count (65,530
 * by default). A simulation that needs more actors than that aborts inside
 * SimGrid ("Failed to protect stack"). The step simulation takes an actor
 * from this budget before it creates one and gives it back when a
 * short-lived actor ends; past the budget it stops the process with a
 * message and EXIT_SYSTEM instead (no output has been written then: the
 * reports are built after the simulation). */
#ifndef TRAINSIM_ACTOR_BUDGET_H
#define TRAINSIM_ACTOR_BUDGET_H

/* Sets the budget from this system's vm.max_map_count, for a simulation of
 * GPUS GPU hosts (named in the message). */
void actor_budget_reset(int gpus);

/* One actor more, or the end of the process with a message. */
void actor_budget_take(void);

/* One actor fewer (a short-lived one ended). */
void actor_budget_give(void);

#endif
