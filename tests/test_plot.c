/* test_plot: tools/plot on a sweep's rows. It reads every format a sweep
 * writes (CSV, JSON lines, either gzipped, an unfinished last row dropped)
 * into the same picture; a heatmap is one vector rectangle per cell that
 * has a value (no embedded raster), coloured in viridis, the other cells
 * blank with their status; rendered by headless Chromium, each cell is one
 * flat colour up to its edges. Titles name what is plotted with its unit;
 * `auto` stays a word on a categorical axis; and every refusal (an axis the
 * picture does not show, a column or value the rows lack, broken rows) is
 * exit 2 with a message that says what to do. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "picture.h"

static const char grid_file[] = "tests/sweep/tiny-grid.yaml";

/* Rows written by hand: a TP x PP grid with an infeasible and an invalid
 * point, and a column (dp) whose invalid row says `auto`. */
static const char hand_rows[] =
    "point,hash,status,reason,parallelism.tp,parallelism.pp,parallelism.dp,gpus,mfu,step_time_s,"
    "memory_per_gpu_bytes.total\n"
    "0,0000000000000000,ok,,1,1,8,8,0.25,2.5,2147483648\n"
    "1,0000000000000001,ok,,1,2,4,8,0.3,2,1073741824\n"
    "2,0000000000000002,infeasible,\"too big, by far\",2,1,2,8,,,9663676416\n"
    "3,0000000000000003,invalid,\"tp: expected\nsomething\",2,2,auto,,,,\n";

static void plot(const char* const* args, command_result* r)
{
    const char* argv[16] = {"tools/plot"};
    int n = 1;
    while (args[n - 1] && n < 15) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    run_program(argv, r);
}

static void plot_ok(const char* const* args, command_result* r)
{
    plot(args, r);
    ck_assert_msg(r->status == 0, "tools/plot %s: exit %d: %s", args[0], r->status, strbuf_text(&r->err));
}

/* The picture OUT as text, without its "from FILE" line (the only one
 * that names the rows' file). */
static void svg_without_source(const char* out, strbuf* text)
{
    strbuf whole = {0};
    read_file(out, &whole);
    strbuf_clear(text);
    const char* at = strbuf_text(&whole);
    while (*at) {
        size_t n = strcspn(at, "\n");
        const char* from = strstr(at, "<text>from ");
        if (!from || from >= at + n)
            strbuf_append_n(text, at, n);
        at += n + (at[n] == '\n');
    }
    strbuf_free(&whole);
}

static int occurrences(const char* text, const char* needle)
{
    int n = 0;
    for (const char* p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Appends an unfinished row (no newline: a sweep killed as it wrote) to PATH. */
static void append_unfinished_row(const char* path, const char* row)
{
    FILE* f = fopen(path, "a");
    ck_assert_ptr_nonnull(f);
    fputs(row, f);
    fclose(f);
}

START_TEST(every_format_a_sweep_writes_gives_the_same_picture)
{
    const char* suffixes[] = {".csv", ".jsonl", ".csv.gz", ".jsonl.gz"};
    strbuf first = {0}, other = {0};
    for (int i = 0; i < 4; i++) {
        char rows[128], svg[128];
        temp_path(rows, sizeof rows, suffixes[i]);
        temp_path(svg, sizeof svg, ".svg");
        command_result r;
        run_trainsim_ok((const char*[]){"sweep", grid_file, "-o", rows, "-j", "2", NULL}, &r);
        command_result_free(&r);
        if (i < 2)   /* a sweep killed as it wrote: its unfinished row is not a row */
            append_unfinished_row(rows, i == 0 ? "12,0123456789abcdef,ok,,8,1" : "{\"point\": 12, \"hash\": \"01");
        plot_ok((const char*[]){"heatmap", rows, "parallelism.tp", "parallelism.micro_batch", "mfu", "--where",
                                "parallelism.schedule=1f1b", "-o", svg, NULL}, &r);
        ck_assert_str_eq(strbuf_text(&r.err), "");
        command_result_free(&r);
        svg_without_source(svg, i ? &other : &first);
        if (i)
            ck_assert_msg(!strcmp(strbuf_text(&first), strbuf_text(&other)), "%s draws another picture than .csv",
                          suffixes[i]);
        unlink(rows);
        unlink(svg);
    }
    /* tp 1, micro-batch 1, 1F1B: MFU 0.228 (the sweep's test says so); tp 4 is invalid */
    ck_assert_ptr_nonnull(strstr(strbuf_text(&first), "<text>0.228</text>"));
    ck_assert_int_eq(occurrences(strbuf_text(&first), "<text>invalid</text>"), 2);
    ck_assert_ptr_null(strstr(strbuf_text(&first), "NaN"));
    strbuf_free(&first);
    strbuf_free(&other);
}
END_TEST

typedef struct {
    int    rgb[3];
    double x0, y0, x1, y1;
} cell;

/* The filled cells of a heatmap SVG from gnuplot: the polygons of its first
 * plot (the colour box's are in another group). Returns their number. */
static int cells_of(const char* svg, cell* cells, int max)
{
    const char* start = strstr(svg, "<g id=\"gnuplot_plot_1\"");
    const char* end = start ? strstr(start, "<g id=\"gnuplot_plot_2\"") : NULL;
    ck_assert_msg(start && end, "no plots in the heatmap");
    int n = 0;
    for (const char* p = strstr(start, "<polygon"); p && p < end; p = strstr(p + 1, "<polygon")) {
        double x[4], y[4];
        cell* c = &cells[n];
        ck_assert_int_lt(n, max);
        ck_assert_int_eq(sscanf(p, "<polygon fill = 'rgb(%d,%d,%d)' points = '%lf,%lf %lf,%lf %lf,%lf %lf,%lf", &c->rgb[0],
                                &c->rgb[1], &c->rgb[2], &x[0], &y[0], &x[1], &y[1], &x[2], &y[2], &x[3], &y[3]),
                         11);
        c->x0 = fmin(fmin(x[0], x[1]), fmin(x[2], x[3]));
        c->x1 = fmax(fmax(x[0], x[1]), fmax(x[2], x[3]));
        c->y0 = fmin(fmin(y[0], y[1]), fmin(y[2], y[3]));
        c->y1 = fmax(fmax(y[0], y[1]), fmax(y[2], y[3]));
        n++;
    }
    return n;
}

static int is_colour(const image* img, int x, int y, const int rgb[3])
{
    const unsigned char* px = pixel_at(img, (unsigned)x, (unsigned)y);
    return abs(px[0] - rgb[0]) <= 2 && abs(px[1] - rgb[1]) <= 2 && abs(px[2] - rgb[2]) <= 2;
}

/* Every cell of IMG is its colour from 2 px inside its left edge to 2 px
 * inside its right one (along a line near its top and one near its bottom,
 * clear of its label), and where two cells meet the colour changes within
 * 3 px: crisp vector cells, not a raster the browser smeared. */
static void assert_crisp(const image* img, const cell* cells, int n)
{
    for (int i = 0; i < n; i++) {
        const cell* c = &cells[i];
        int left = (int)ceil(c->x0) + 1, right = (int)floor(c->x1) - 2;
        int top = (int)ceil(c->y0) + 2, bottom = (int)floor(c->y1) - 3;
        ck_assert(left >= 0 && right < (int)img->width && top >= 0 && bottom < (int)img->height && left < right);
        for (int x = left; x <= right; x++)
            ck_assert_msg(is_colour(img, x, top, c->rgb) && is_colour(img, x, bottom, c->rgb),
                          "cell %d is not flat rgb(%d,%d,%d) at x %d", i, c->rgb[0], c->rgb[1], c->rgb[2], x);
        for (int k = 0; k < n; k++) {   /* the cell to the right of this one */
            const cell* d = &cells[k];
            if (fabs(d->x0 - c->x1) > 0.5 || fabs(d->y0 - c->y0) > 0.5)
                continue;
            int edge = (int)floor(c->x1), y = top;
            ck_assert(is_colour(img, edge - 2, y, c->rgb) && is_colour(img, edge + 1, y, d->rgb));
            ck_assert(!is_colour(img, edge - 2, y, d->rgb));
        }
    }
}

START_TEST(heatmap_cells_are_crisp_vector_rectangles_in_viridis)
{
    char rows[128], svg[128], png[128];
    temp_path(rows, sizeof rows, ".csv");
    temp_path(svg, sizeof svg, ".svg");
    temp_path(png, sizeof png, ".png");
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", grid_file, "-o", rows, "-j", "2", NULL}, &r);
    command_result_free(&r);
    plot_ok((const char*[]){"heatmap", rows, "parallelism.tp", "parallelism.micro_batch", "mfu", "--where",
                            "parallelism.schedule=gpipe", "-o", svg, NULL}, &r);
    command_result_free(&r);
    strbuf text = {0};
    read_file(svg, &text);
    ck_assert_ptr_null(strstr(strbuf_text(&text), "<image"));
    cell cells[16];
    int n = cells_of(strbuf_text(&text), cells, 16);
    ck_assert_int_eq(n, 4);   /* tp 1, 2 x micro-batch 1, 2; tp 4's two cells invalid, blank */
    ck_assert_int_eq(occurrences(strbuf_text(&text), "<text>invalid</text>"), 2);
    /* viridis: the lowest MFU at its dark end, the highest at its yellow end */
    int darkest = 0, brightest = 0;
    for (int i = 0; i < n; i++) {
        darkest += cells[i].rgb[0] == 68 && cells[i].rgb[1] == 1 && cells[i].rgb[2] == 84;
        brightest += cells[i].rgb[0] == 253 && cells[i].rgb[1] == 231 && cells[i].rgb[2] == 37;
    }
    ck_assert_msg(darkest == 1 && brightest == 1, "the cells are not coloured from viridis' ends");

    const char* browser = chromium();
    if (!browser) {
        fprintf(stderr, "test_plot: NOT RENDERED: no Chromium at /usr/bin/chromium (tools/install-deps --test "
                        "installs Debian's chromium; it could not here, or set CHROMIUM): the heatmap was "
                        "checked as SVG text only\n");
    } else {
        char url[160], shot[160], profile[128];
        snprintf(url, sizeof url, "file://%s", svg);
        snprintf(shot, sizeof shot, "--screenshot=%s", png);
        snprintf(profile, sizeof profile, "--user-data-dir=/tmp/trainsim-chromium-plot-%d", (int)getpid());
        /* the SVG's viewBox is 800 x 600: one SVG unit a pixel */
        run_program((const char*[]){browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                    "--no-first-run", "--disable-extensions", "--proxy-server=127.0.0.1:9",
                                    "--force-device-scale-factor=1", profile, "--window-size=800,600", shot, url,
                                    NULL},
                    &r);
        ck_assert_msg(r.status == 0, "chromium: %s", strbuf_text(&r.err));
        command_result_free(&r);
        image img;
        ck_assert_msg(read_png(png, &img) == 0, "%s is not a PNG this test reads", png);
        ck_assert_int_eq(img.width, 800);
        ck_assert_int_eq(img.height, 600);
        assert_crisp(&img, cells, n);
        free(img.pixels);
        unlink(png);
        profile[0] = '\0';
        snprintf(profile, sizeof profile, "/tmp/trainsim-chromium-plot-%d", (int)getpid());
        run_program((const char*[]){"/bin/rm", "-rf", profile, NULL}, &r);
        command_result_free(&r);
    }
    /* PNG stays available */
    plot_ok((const char*[]){"heatmap", rows, "parallelism.tp", "parallelism.micro_batch", "mfu", "--where",
                            "parallelism.schedule=gpipe", "-o", png, NULL}, &r);
    command_result_free(&r);
    image img;
    ck_assert_msg(read_png(png, &img) == 0, "the heatmap's PNG is not a PNG");
    free(img.pixels);
    strbuf_free(&text);
    unlink(rows);
    unlink(svg);
    unlink(png);
}
END_TEST

/* Titles say what is plotted with the unit its name tells (bytes in GiB);
 * an infeasible cell is blank with its status; `auto` is a word on a
 * categorical axis, never a number; a word where a number belongs is left
 * out, said so; a line does not bridge a missing point. */
START_TEST(titles_units_and_words_are_honest)
{
    char rows[128], svg[128];
    temp_path(rows, sizeof rows, ".csv");
    temp_path(svg, sizeof svg, ".svg");
    write_text(rows, hand_rows);
    command_result r;
    plot_ok((const char*[]){"heatmap", rows, "parallelism.tp", "parallelism.pp", "memory_per_gpu_bytes.total", "-o",
                            svg, NULL}, &r);
    command_result_free(&r);
    strbuf text = {0};
    read_file(svg, &text);
    const char* t = strbuf_text(&text);
    ck_assert_ptr_nonnull(strstr(t, "<text>memory_per_gpu_bytes.total (GiB) over parallelism.tp and parallelism.pp</text>"));
    ck_assert_ptr_nonnull(strstr(t, "<text>2</text>"));   /* 2147483648 bytes */
    ck_assert_ptr_nonnull(strstr(t, "<text>infeasible</text>"));
    ck_assert_ptr_nonnull(strstr(t, "<text>invalid</text>"));
    ck_assert_ptr_null(strstr(t, "<text>9</text>"));   /* the infeasible point's 9 GiB is not shown */
    ck_assert_ptr_nonnull(strstr(t, "<text>from "));
    ck_assert_ptr_nonnull(strstr(t, "; blank: 1 infeasible, 1 invalid</text>"));   /* said in the title */

    plot_ok((const char*[]){"line", rows, "parallelism.dp", "step_time_s", "-o", svg, NULL}, &r);
    command_result_free(&r);
    strbuf_clear(&text);
    read_file(svg, &text);
    t = strbuf_text(&text);
    ck_assert_ptr_nonnull(strstr(t, "<text>step_time_s (s) against parallelism.dp</text>"));
    ck_assert_ptr_nonnull(strstr(t, "<text>auto</text>"));   /* a category: the x axis is not numeric */
    ck_assert_ptr_nonnull(strstr(t, "<text>1 infeasible, 1 invalid: no point</text>"));   /* said in the key */

    plot_ok((const char*[]){"line", rows, "parallelism.tp", "parallelism.dp", "--by", "parallelism.pp", "-o", svg,
                            NULL}, &r);
    command_result_free(&r);
    strbuf_clear(&text);
    read_file(svg, &text);
    ck_assert_ptr_null(strstr(strbuf_text(&text), "<text>auto</text>"));   /* dp as numbers: its invalid row out */
    write_text(rows, "point,status,x,y,z\n0,ok,1,1,auto\n1,ok,1,2,0.5\n");
    plot_ok((const char*[]){"heatmap", rows, "x", "y", "z", "-o", svg, NULL}, &r);
    ck_assert_msg(strstr(strbuf_text(&r.err), "1 row whose z is not a number (auto): its cell is left blank"), "%s",
                  strbuf_text(&r.err));
    command_result_free(&r);
    strbuf_clear(&text);
    read_file(svg, &text);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&text), "<text>not a number</text>"));

    /* a line is drawn in the x axis' order and broken where a point is
     * missing: a's points at x 1, 4, 8 (2 invalid) give one segment, 4-8 */
    write_text(rows, "point,status,x,y,c\n0,ok,1,1,a\n1,invalid,2,,a\n2,ok,8,3.5,a\n3,ok,4,3,a\n4,ok,1,2,b\n");
    plot_ok((const char*[]){"line", rows, "x", "y", "--by", "c", "-o", svg, NULL}, &r);
    command_result_free(&r);
    strbuf_clear(&text);
    read_file(svg, &text);
    const char* a = strstr(strbuf_text(&text), "<g id=\"gnuplot_plot_1\"");
    const char* b = a ? strstr(a, "<g id=\"gnuplot_plot_2\"") : NULL;
    ck_assert(a && b && strstr(a, "<text>a (1 invalid)</text>") < b);
    int segments = 0;
    for (const char* p = strstr(a, " L"); p && p < b; p = strstr(p + 1, " L"))
        segments++;
    ck_assert_int_eq(segments, 2);   /* the key's sample and 4-8; not 1-4 across the gap */
    strbuf_free(&text);
    unlink(rows);
    unlink(svg);
}
END_TEST

/* tools/plot ARGS exits 2 with MESSAGE in its stderr, nothing on stdout
 * and no picture. */
static void assert_refused(const char* const* args, const char* out, const char* message)
{
    command_result r;
    plot(args, &r);
    ck_assert_msg(r.status == 2 && strstr(strbuf_text(&r.err), message), "tools/plot %s ...: exit %d, stderr: %s",
                  args[0], r.status, strbuf_text(&r.err));
    ck_assert_str_eq(strbuf_text(&r.out), "");
    ck_assert_msg(access(out, F_OK) != 0, "a refused plot left %s", out);
    command_result_free(&r);
}

START_TEST(refusals_say_what_to_do)
{
    char rows[128], bad[128], svg[128];
    temp_path(rows, sizeof rows, ".csv");
    temp_path(bad, sizeof bad, ".jsonl");
    temp_path(svg, sizeof svg, ".svg");
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", grid_file, "-o", rows, "-j", "2", NULL}, &r);
    command_result_free(&r);
    /* a swept axis the picture does not show: named, with a way out */
    assert_refused((const char*[]){"heatmap", rows, "parallelism.tp", "parallelism.micro_batch", "mfu", "-o", svg, NULL},
                   svg, "2 rows fall on one cell (parallelism.tp 1, parallelism.micro_batch 1): they differ in "
                        "parallelism.schedule (gpipe, 1f1b), which the picture does not show; pick one with "
                        "--where parallelism.schedule=gpipe");
    assert_refused((const char*[]){"line", rows, "parallelism.tp", "mfu", "-o", svg, NULL}, svg,
                   "they differ in parallelism.micro_batch (1, 2), which the picture does not show; pick one with "
                   "--where parallelism.micro_batch=1, or draw one line per value with --by parallelism.micro_batch");
    assert_refused((const char*[]){"line", rows, "parallelism.tp", "mfu", "--by", "parallelism.schedule", "-o", svg,
                                   NULL}, svg, "differ in parallelism.micro_batch (1, 2)");
    /* columns and values the rows lack */
    assert_refused((const char*[]){"heatmap", rows, "parallelism.tp", "nothing", "mfu", "-o", svg, NULL}, svg,
                   "no column \"nothing\"");
    assert_refused((const char*[]){"heatmap", rows, "tp", "parallelism.micro_batch", "mfu", "-o", svg, NULL}, svg,
                   "no column \"tp\" in ");
    assert_refused((const char*[]){"heatmap", rows, "tp", "parallelism.micro_batch", "mfu", "-o", svg, NULL}, svg,
                   "(did you mean parallelism.tp?)");
    assert_refused((const char*[]){"line", rows, "parallelism.tp", "mfu", "--by", "parallelism.schedule", "--where",
                                   "parallelism.micro_batch=3", "-o", svg, NULL}, svg,
                   "--where parallelism.micro_batch=3: no row has that value; parallelism.micro_batch takes 1, 2");
    assert_refused((const char*[]){"line", rows, "parallelism.tp", "mfu", "--where", "parallelism.micro_batch", "-o", svg,
                                   NULL}, svg, "--where parallelism.micro_batch: expected KEY=VALUE");
    assert_refused((const char*[]){"line", rows, "parallelism.tp", "parallelism.recompute", "--by",
                                   "parallelism.schedule", "--where", "parallelism.micro_batch=1", "-o", svg, NULL},
                   svg, "parallelism.recompute has no number in the rows to plot");
    assert_refused((const char*[]){"heatmap", rows, "parallelism.tp", "parallelism.micro_batch", "mfu", "--by", "x",
                                   "-o", svg, NULL}, svg, "--by is for line plots");
    assert_refused((const char*[]){"line", rows, "parallelism.tp", "mfu", "-o", "picture.pdf", NULL}, "picture.pdf",
                   "picture.pdf: expected a name ending in .svg or .png");
    assert_refused((const char*[]){"line", rows, "parallelism.tp", "mfu", NULL}, svg, "usage: plot heatmap ROWS X Y Z");
    assert_refused((const char*[]){"line", "/nonexistent/rows.csv", "a", "b", "-o", svg, NULL}, svg,
                   "cannot read /nonexistent/rows.csv");
    /* rows that are not a sweep's */
    write_text(bad, "");
    assert_refused((const char*[]){"line", bad, "a", "b", "-o", svg, NULL}, svg, "no rows (the file is empty)");
    write_text(bad, "{\"point\": 0, \"a\": 1, \"b\": 2}\n{\"point\": 1, \"a\": 2 \"b\": 3}\n{\"point\": 2}\n");
    assert_refused((const char*[]){"line", bad, "a", "b", "-o", svg, NULL}, svg,
                   ":2: expected a value, found 2 \"b\": 3");
    write_text(rows, "point,a,b\n0,1,2\n1,2\n2,3,4\n");
    assert_refused((const char*[]){"line", rows, "a", "b", "-o", svg, NULL}, svg, ":3: a row of 2 columns under a "
                                                                                  "header of 3");
    write_text(rows, "point,a,b\n0,1,2\n0,1,2\n");
    assert_refused((const char*[]){"line", rows, "a", "b", "-o", svg, NULL}, svg, "2 rows are the same point");
    unlink(rows);
    unlink(bad);
}
END_TEST

Suite* plot_suite(void)
{
    Suite* s = suite_create("plot");
    TCase* tc = tcase_create("plot");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_format_a_sweep_writes_gives_the_same_picture);
    tcase_add_test(tc, heatmap_cells_are_crisp_vector_rectangles_in_viridis);
    tcase_add_test(tc, titles_units_and_words_are_honest);
    tcase_add_test(tc, refusals_say_what_to_do);
    suite_add_tcase(s, tc);
    return s;
}
