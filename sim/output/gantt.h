/* gantt: one simulated step drawn as a text Gantt chart, and `trainsim
 * schedule`'s report around it: a row per pipeline rank, time left to right, fitted
 * to a width, so that a student sees the warm-up and drain triangles of the
 * bubble, where communication waits, and how the schedule interleaves.
 *
 * Each column stands for an equal slice of the step and shows the kind of
 * work the rank spent most of that slice on: a forward pass (its
 * micro-batch's number, then `f`), a backward pass (number, then `b`), the
 * optimizer (`o`), communication by kind (`t` TP, `p` PP, `e` EP, `d` DP,
 * `z` ZeRO), the bubble (`.`) or idle after the rank's pipeline (a blank).
 * When passes are narrower than two columns, a column looks at a whole
 * forward-and-backward cycle around it, which cannot alias, and shows `x`
 * where both passes share it. With colour (ANSI, for a terminal) forwards
 * are blue and backwards green. */
#ifndef TRAINSIM_GANTT_H
#define TRAINSIM_GANTT_H

#include "des/iteration.h"
#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

typedef struct {
    int width;    /* characters per line, labels included (at least 40) */
    int colour;   /* ANSI colours */
} gantt_options;

/* Draws STEP (a whole step: run_result.timeline) into OUT: the chart, a
 * time axis and a legend. */
void gantt_draw(const step_profile* step, const gantt_options* opt, strbuf* out);

/* What a column looking at [from, to) seconds of STAGE shows ('x' where
 * forwards and backwards each take a fifth of the passes' time). For tests. */
char gantt_cell(const step_profile* step, int stage, double from, double to);

/* `trainsim schedule`: a line naming the plan, the chart of R's whole step
 * (simulated with run_options.timeline), and the simulated bubble beside
 * its closed form with why they differ. */
void gantt_report(const scenario* sc, const run_result* r, const gantt_options* opt, strbuf* out);

#endif
