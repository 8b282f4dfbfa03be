/* gantt: a step's timeline as a text chart (see gantt.h). */
#include "gantt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

#define LABEL_WIDTH 9   /* "rank 12 |" */
#define MIN_WIDTH 40

/* The letter of a work kind (passes: after their number). */
static char letter_of(work_kind what)
{
    static const char letters[WORK_KINDS] = {'f', 'b', 'o', 't', 'p', 'e', 'd', 'z'};
    return letters[what];
}

/* One column of a row: the interval that covers most of it, and how much
 * of it any interval covers. */
typedef struct {
    int    best;       /* index into the rank's intervals, -1 if none */
    double overlap;    /* of the best */
    double covered;    /* by all */
} cell;

static int compare_interval(const void* a, const void* b)
{
    const busy_interval *x = a, *y = b;
    if (x->stage != y->stage)
        return x->stage - y->stage;
    return (x->start > y->start) - (x->start < y->start);
}

/* Spreads each of the N intervals of one rank over the COLUMNS cells of a
 * step of SPAN seconds. */
static void fill_cells(const busy_interval* b, int n, double span, int columns, cell* cells)
{
    double dt = span / columns;
    for (int c = 0; c < columns; c++)
        cells[c] = (cell){-1, 0, 0};
    for (int i = 0; i < n; i++) {
        int first = (int)fmax(0, floor(b[i].start / dt)), last = (int)fmin(columns - 1, floor(b[i].end / dt));
        for (int c = first; c <= last; c++) {
            double overlap = fmin(b[i].end, (c + 1) * dt) - fmax(b[i].start, c * dt);
            if (overlap <= 0)
                continue;
            cells[c].covered += overlap;
            if (overlap > cells[c].overlap) {
                cells[c].overlap = overlap;
                cells[c].best = i;
            }
        }
    }
}

/* What a cell shows before pass numbers are written in: a work letter, or a
 * gap (bubble before the rank's pipeline ends, idle after). */
static char cell_char(const cell* c, const busy_interval* b, double mid, double pipeline_end, double dt)
{
    if (c->best < 0 || c->covered < 0.5 * dt)
        return mid < pipeline_end ? '.' : ' ';
    return letter_of(b[c->best].what);
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
        if (digits <= k)
            memcpy(row + c, number, (size_t)digits);
        c += k;
    }
}

/* The row of STAGE: COLUMNS characters into ROW, and into KINDS what each
 * column stands for (ROW before the numbers were written); NUL-terminated. */
static void draw_row(const step_profile* step, int stage, const busy_interval* b, int n, int columns, int numbered,
                     char* row, char* kinds)
{
    cell* cells = xmalloc((size_t)columns * sizeof *cells);
    double dt = step->step_time / columns;
    fill_cells(b, n, step->step_time, columns, cells);
    for (int c = 0; c < columns; c++)
        row[c] = cell_char(&cells[c], b, (c + 0.5) * dt, step->stage[stage].pipeline_end, dt);
    row[columns] = '\0';
    memcpy(kinds, row, (size_t)columns + 1);
    if (numbered)
        number_passes(cells, b, columns, row);
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
    fill_cells(mine, n, to - from, 1, &c);
    char shown = cell_char(&c, mine, (to - from) / 2, step->stage[stage].pipeline_end - from, to - from);
    free(mine);
    return shown;
}

/* The mean forward or backward pass of the N intervals B. */
static double mean_pass(const busy_interval* b, int n)
{
    double total = 0;
    int passes = 0;
    for (int i = 0; i < n; i++)
        if (b[i].what == WORK_FORWARD || b[i].what == WORK_BACKWARD) {
            total += b[i].end - b[i].start;
            passes++;
        }
    return passes ? total / passes : 0;
}

/* ANSI colours by what a column stands for. */
static const char* colour_of(char kind)
{
    switch (kind) {
    case 'f': return "\033[44;97m";
    case 'b': return "\033[42;30m";
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
    busy_interval* b = xmalloc(((size_t)step->busy_count + 1) * sizeof *b);
    memcpy(b, step->busy, (size_t)step->busy_count * sizeof *b);
    qsort(b, (size_t)step->busy_count, sizeof *b, compare_interval);
    char *row = xmalloc((size_t)columns + 1), *kinds = xmalloc((size_t)columns + 1);
    int numbered = mean_pass(b, step->busy_count) >= 2 * step->step_time / columns;
    for (int s = 0, i = 0; s < step->stages; s++) {
        int first = i;
        while (i < step->busy_count && b[i].stage == s)
            i++;
        draw_row(step, s, b + first, i - first, columns, numbered, row, kinds);
        strbuf_printf(out, "rank %2d |", s);
        append_row(out, row, kinds, opt);
        strbuf_append(out, "|\n");
    }
    time_axis(step, columns, out);
    if (numbered)
        strbuf_append(out, "\n  <n>f forward of micro-batch n   <n>b backward   o optimizer   . bubble   (blank) done\n");
    else
        strbuf_append(out, "\n  f forward   b backward   o optimizer   . bubble   (blank) done: what took most of each\n"
                           "  column (a pass is narrower than two columns on average: a wider --width, or --trace, shows each)\n");
    strbuf_append(out, "  communication: t TP  p PP  e EP  d DP  z ZeRO\n");
    free(row);
    free(kinds);
    free(b);
}
