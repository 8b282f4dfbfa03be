/* gantt: a step's timeline as a text chart (see gantt.h). */
#include "output/gantt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/explain.h"
#include "core/units.h"
#include "model/workload.h"

#define LABEL_WIDTH 9   /* "rank 12 |" */
#define MIN_WIDTH 40

/* The letter of a work kind (passes: after their number). */
static char letter_of(work_kind what)
{
    static const char letters[WORK_KIND_COUNT] = {'f', 'b', 'o', 't', 'p', 'e', 'd', 'z', 'c'};
    return letters[what];
}

/* One column of a row: what each kind of work takes of its window, how
 * much of it any work covers, and the single interval that covers most of
 * it (whose micro-batch number the column may show). */
typedef struct {
    int    best;       /* index into the rank's intervals, -1 if none */
    double overlap;    /* of the best */
    double covered;    /* by all */
    double by_kind[WORK_KIND_COUNT];
    double window;     /* seconds of the step the column looks at */
} cell;

/* How a row is sampled: COLUMNS columns over a step of SPAN seconds, each
 * looking at WINDOW seconds centred on it (at least its own slice). A
 * window of a whole forward-and-backward cycle cannot alias 1F1B's
 * alternation: it holds one of each wherever it falls. MIXED: a column
 * where both passes take a fair share shows 'x', not whichever won. */
typedef struct {
    double span, window;
    int    columns, mixed;
} sampling;

/* Spreads each of the N intervals of one rank over the columns' windows. */
static void fill_cells(const busy_interval* b, int n, const sampling* sp, cell* cells)
{
    double dt = sp->span / sp->columns, half = sp->window / 2;
    for (int c = 0; c < sp->columns; c++) {
        double mid = (c + 0.5) * dt;
        cells[c] = (cell){.best = -1, .window = fmin(sp->span, mid + half) - fmax(0, mid - half)};
    }
    for (int i = 0; i < n; i++) {
        int first = (int)fmax(0, floor((b[i].start - half) / dt - 0.5));
        int last = (int)fmin(sp->columns - 1, ceil((b[i].end + half) / dt - 0.5));
        for (int c = first; c <= last; c++) {
            double mid = (c + 0.5) * dt;
            double overlap = fmin(b[i].end, fmin(sp->span, mid + half)) - fmax(b[i].start, fmax(0, mid - half));
            if (overlap <= 0)
                continue;
            cells[c].covered += overlap;
            cells[c].by_kind[b[i].what] += overlap;
            if (overlap > cells[c].overlap) {
                cells[c].overlap = overlap;
                cells[c].best = i;
            }
        }
    }
}

/* A fair share: each pass at least a fifth of the passes' time (1F1B's
 * steady state gives the forward a third, with full recompute a quarter). */
#define MIXED_SHARE 0.2

/* What a cell shows before pass numbers are written in: the kind of work
 * that takes most of its window ('x' for forwards and backwards together,
 * when mixing is asked), or a gap (bubble before the rank's pipeline ends,
 * idle after). */
static char cell_char(const cell* c, double mid, double pipeline_end, int mixed)
{
    if (c->best < 0 || c->covered < 0.5 * c->window)
        return mid < pipeline_end ? '.' : ' ';
    int most = 0;
    for (int k = 1; k < WORK_KIND_COUNT; k++)
        if (c->by_kind[k] > c->by_kind[most])
            most = k;
    double f = c->by_kind[WORK_FORWARD], bw = c->by_kind[WORK_BACKWARD];
    if (mixed && (most == WORK_FORWARD || most == WORK_BACKWARD) && fmin(f, bw) >= MIXED_SHARE * (f + bw))
        return 'x';
    return letter_of((work_kind)most);
}

/* Writes each pass's micro-batch number over the first of its cells when
 * it has room (only when passes are wide enough to be told apart at all). */
static void number_passes(const cell* cells, const busy_interval* b, int columns, char* row)
{
    for (int c = 0; c < columns;) {
        int i = cells[c].best;
        if (i < 0 || (b[i].what != WORK_FORWARD && b[i].what != WORK_BACKWARD) || row[c] != letter_of(b[i].what)) {
            c++;
            continue;
        }
        int k = 0;
        while (c + k < columns && cells[c + k].best == i)
            k++;
        char number[16];
        int digits = snprintf(number, sizeof number, "%d", b[i].micro_batch);
        if (digits < k)   /* the number and at least its letter: "12f", never "12" beside the next pass */
            memcpy(row + c, number, (size_t)digits);
        c += k;
    }
}

/* The row of STAGE: SP's columns into ROW, and into KINDS what each column
 * stands for (ROW before the numbers were written); NUL-terminated. */
static void draw_row(const step_profile* step, int stage, const busy_interval* b, int n, const sampling* sp,
                     int numbered, char* row, char* kinds)
{
    cell* cells = xmalloc((size_t)sp->columns * sizeof *cells);
    double dt = sp->span / sp->columns;
    fill_cells(b, n, sp, cells);
    for (int c = 0; c < sp->columns; c++)
        row[c] = cell_char(&cells[c], (c + 0.5) * dt, step->stage[stage].pipeline_end, sp->mixed);
    row[sp->columns] = '\0';
    memcpy(kinds, row, (size_t)sp->columns + 1);
    if (numbered)
        number_passes(cells, b, sp->columns, row);
    free(cells);
}

char gantt_cell(const step_profile* step, int stage, double from, double to)
{
    busy_interval* mine = xmalloc(((size_t)step->busy_count + 1) * sizeof *mine);
    int n = 0;
    for (int i = 0; i < step->busy_count; i++)
        if (step->busy[i].stage == stage) {
            mine[n] = step->busy[i];
            mine[n].start -= from;
            mine[n].end -= from;
            n++;
        }
    cell c;
    sampling sp = {to - from, to - from, 1, 1};
    fill_cells(mine, n, &sp, &c);
    char shown = cell_char(&c, (to - from) / 2, step->stage[stage].pipeline_end - from, 1);
    free(mine);
    return shown;
}

/* The mean forward or backward pass of the N intervals B (sorted by rank,
 * then time): the time of every interval that belongs to a pass (its
 * kernels and the TP, EP or CP collectives inside it) over the number of
 * passes, a pass being split into several intervals by its collectives. */
static double mean_pass(const busy_interval* b, int n)
{
    double total = 0;
    int passes = 0;
    const busy_interval* last = NULL;   /* the previous pass interval */
    for (int i = 0; i < n; i++) {
        if (b[i].micro_batch < 0 || b[i].what == WORK_PP)
            continue;   /* after the pipeline, or in flight between passes */
        total += b[i].end - b[i].start;
        if (b[i].what != WORK_FORWARD && b[i].what != WORK_BACKWARD)
            continue;
        if (!last || last->stage != b[i].stage || last->what != b[i].what || last->micro_batch != b[i].micro_batch
            || last->chunk != b[i].chunk)
            passes++;
        last = &b[i];
    }
    return passes ? total / passes : 0;
}

/* ANSI colours by what a column stands for. */
static const char* colour_of(char kind)
{
    switch (kind) {
    case 'f': return "\033[44;97m";
    case 'b': return "\033[42;30m";
    case 'x': return "\033[46;30m";
    case 'o': return "\033[45;97m";
    case '.': return "\033[90m";
    case ' ': return "";
    default:  return "\033[33m";
    }
}

static void append_row(strbuf* out, const char* row, const char* kinds, const gantt_options* opt)
{
    if (!opt->colour) {
        strbuf_append(out, row);
        return;
    }
    for (int c = 0; row[c]; c++)
        strbuf_printf(out, "%s%c\033[0m", colour_of(kinds[c]), row[c]);
}

static void time_axis(const step_profile* step, int columns, strbuf* out)
{
    char left[32], right[32];
    units_format_seconds(0, left, sizeof left);
    units_format_seconds(step->step_time, right, sizeof right);
    strbuf_printf(out, "%*s", LABEL_WIDTH, "");
    int gap = columns - (int)strlen(left) - (int)strlen(right);
    strbuf_printf(out, "%s%*s%s\n", left, gap > 1 ? gap : 1, "", right);
}

void gantt_draw(const step_profile* step, const gantt_options* opt, strbuf* out)
{
    int width = opt->width < MIN_WIDTH ? MIN_WIDTH : opt->width, columns = width - LABEL_WIDTH - 1;
    busy_interval* b = step_profile_sorted_busy(step);
    char *row = xmalloc((size_t)columns + 1), *kinds = xmalloc((size_t)columns + 1);
    double pass = mean_pass(b, step->busy_count), dt = step->step_time / columns;
    int numbered = pass >= 2 * dt;
    /* Passes narrower than two columns: each column looks at a whole
     * forward-and-backward cycle (two mean passes) around it, so that the
     * alternation cannot alias into bfbfbbbb, and shows 'x' where both
     * share it. Wide passes: each column its own slice. */
    sampling sp = {step->step_time, numbered ? dt : fmax(dt, 2 * pass), columns, !numbered};
    for (int s = 0, i = 0; s < step->stages; s++) {
        int first = i;
        while (i < step->busy_count && b[i].stage == s)
            i++;
        draw_row(step, s, b + first, i - first, &sp, numbered, row, kinds);
        strbuf_printf(out, "rank %2d |", s);
        append_row(out, row, kinds, opt);
        strbuf_append(out, "|\n");
    }
    time_axis(step, columns, out);
    if (numbered)
        strbuf_append(out, "\n  <n>f forward of micro-batch n   <n>b backward   o optimizer   . bubble   (blank) done\n");
    else
        strbuf_append(out, "\n  f forward   b backward   x both (1F1B's steady state)   o optimizer   . bubble   (blank) done:\n"
                           "  what took most of a forward-and-backward cycle around each column (a pass is narrower than\n"
                           "  two columns on average: a wider --width, or --trace, shows each)\n");
    strbuf_printf(out, "  communication: t TP  p PP  e EP  d DP  z ZeRO%s\n",
                  step_profile_has(step, WORK_CP) ? "  c CP" : "");
    free(row);
    free(kinds);
    free(b);
}

/* ---- the schedule command's report ------------------------------------------------ */

static const char* schedule_title(schedule_kind k)
{
    return k == SCHED_GPIPE ? "GPipe" : k == SCHED_1F1B ? "1F1B" : "interleaved 1F1B";
}

/* Seconds of one micro-batch's passes (forward and backward, every chunk,
 * with the collectives folded into them) on pipeline rank S. */
static double stage_seconds(const iteration_plan* plan, int s)
{
    double total = 0;
    for (int c = 0; c < plan->chunks; c++) {
        const chunk_plan* ch = &plan->stage[s].chunk[c];
        total += ch->fwd_seconds + ch->bwd_seconds + ch->folded.tp_fwd + ch->folded.tp_bwd + ch->folded.ep_fwd
               + ch->folded.ep_bwd + ch->tp_overlap.fwd_exposed + ch->tp_overlap.bwd_exposed;
    }
    return total;
}

/* Why the simulated bubble is not the closed form's: uneven stages (the
 * embedding and the LM head, or the split SC states), time in flight
 * between ranks. */
static void why_bubble_differs(const scenario* sc, const run_result* r, strbuf* out)
{
    const iteration_plan* plan = &r->plan;
    int heaviest = 0, lightest = 0;
    for (int s = 1; s < plan->stages; s++) {
        if (stage_seconds(plan, s) > stage_seconds(plan, heaviest))
            heaviest = s;
        if (stage_seconds(plan, s) < stage_seconds(plan, lightest))
            lightest = s;
    }
    double hi = stage_seconds(plan, heaviest), lo = stage_seconds(plan, lightest);
    char a[32], b[32];
    strbuf_append(out, "         they differ:");
    int causes = 0;
    if (hi > 1.01 * lo) {
        strbuf_printf(out, " rank %d's passes take %s per micro-batch, rank %d's %s (%s): the others wait for "
                           "the slowest;",
                      heaviest, units_format_seconds(hi, a, sizeof a), lightest,
                      units_format_seconds(lo, b, sizeof b),
                      workload_split_differs_from_even(sc) ? "the split of parallelism.stage_layers, plus the embedding "
                                                      "and output layers"
                                                    : "the embedding and output layers are not spread evenly");
        causes++;
    }
    const step_profile* t = &r->timeline;
    if (t->pp_comm > 0.005 * t->pipeline_time) {
        strbuf_printf(out, " activations and gradients in flight (%.1f %% of the pipeline's time) delay every "
                           "hand-over, most in the warm-up and drain;",
                      100 * t->pp_comm / t->pipeline_time);
        causes++;
    }
    if (!causes)
        strbuf_append(out, " communication between passes shifts the ranks' hand-overs;");
    out->data[out->len - 1] = '\n';
}

void gantt_report(const scenario* sc, const run_result* r, const gantt_options* opt, strbuf* out)
{
    const step_profile* t = &r->timeline;
    const iteration_plan* plan = &r->plan;
    char step[32];
    strbuf_printf(out, "%s: %s, %d pipeline ranks", sc->name, schedule_title(plan->schedule), plan->stages);
    if (plan->chunks > 1)
        strbuf_printf(out, " of %d model chunks each", plan->chunks);
    strbuf_printf(out, ", %d micro-batches, TP %d x DP %d per rank; one step, %s\n\n", plan->micro_batches,
                  sc->par.tp, sc->par.dp, units_format_seconds(t->step_time, step, sizeof step));
    gantt_draw(t, opt, out);
    double simulated = t->bubble / t->pipeline_time;
    double closed = explain_bubble_fraction(plan->stages, plan->micro_batches, plan->chunks);
    strbuf_printf(out, "\nBubble   %.1f %% of the pipeline's time, the mean over ranks (simulated)\n", 100 * simulated);
    strbuf_printf(out, "         %s = ", explain_bubble_form(plan->chunks));
    explain_bubble_numbers(plan->stages, plan->micro_batches, plan->chunks, out);
    strbuf_printf(out, " = %.1f %%", 100 * closed);
    strbuf_append(out, " for equal stages and free communication\n");
    if (fabs(simulated - closed) > 0.005)
        why_bubble_differs(sc, r, out);
}
