/* test_report: `trainsim report` writes one self-contained HTML page (no
 * external resource) that headless Chromium renders: the screenshot is not
 * blank (many colours, the schedule's forward-pass blue among them) and the
 * rendered text holds the run's key figures; with an uncertainty study, the
 * page holds its percentiles and band probabilities as run --json gives
 * them, and its tornado chart is drawn (both bar colours in the picture,
 * a bar per input and measure in the DOM). The GPT-4 scenario's page, in
 * the DOM Chromium renders, holds every part issue 19 asks of a report a
 * reader can use: time ticks and hover text on the step's schedule, the
 * value on each memory bar and an axis, the power over the step with its
 * peak, trough and mean, the tables of failures by kind and of the DP
 * collectives, the inputs as resolved, y ticks on the histogram, shares
 * that say "of the step" or "of the run", and its 2,000-odd failures
 * aggregated into bins the legend names; a run of few failures draws each.
 * Without Chromium the test says so on stderr and checks the page as text
 * only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "picture.h"
#include "output/html_study.h"
#include "output/report_rows.h"

/* Share of pixels that are not white, distinct colours (to 4 bits a
 * channel), and whether RGB appears (within 8 a channel). */
static void look_at(const image* img, double* inked, int* colours, const int rgb[3], int* has_rgb)
{
    static unsigned char seen[4096];
    memset(seen, 0, sizeof seen);
    size_t ink = 0, total = (size_t)img->width * img->height;
    *colours = 0;
    *has_rgb = 0;
    for (size_t i = 0; i < total; i++) {
        const unsigned char* px = img->pixels + i * img->channels;
        if (px[0] < 245 || px[1] < 245 || px[2] < 245)
            ink++;
        int key = (px[0] >> 4) << 8 | (px[1] >> 4) << 4 | px[2] >> 4;
        *colours += !seen[key];
        seen[key] = 1;
        *has_rgb |= abs(px[0] - rgb[0]) <= 8 && abs(px[1] - rgb[1]) <= 8 && abs(px[2] - rgb[2]) <= 8;
    }
    *inked = (double)ink / (double)total;
}

/* ---- the page ---------------------------------------------------------------- */

/* Runs headless Chromium on PAGE with networking off: a screenshot to PNG,
 * or (PNG NULL) the rendered DOM into R; it must succeed. */
static void render(const char* browser, const char* page, const char* png, command_result* r)
{
    char url[256], shot[300], profile[128];
    snprintf(url, sizeof url, "file://%s", page);
    snprintf(shot, sizeof shot, "--screenshot=%s", png ? png : "");
    snprintf(profile, sizeof profile, "--user-data-dir=/tmp/trainsim-chromium-%d", (int)getpid());
    const char* argv[] = {browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                          "--no-first-run", "--disable-extensions", "--proxy-server=127.0.0.1:9",
                          "--proxy-bypass-list=<-loopback>", profile, "--window-size=1100,2200",
                          png ? shot : "--dump-dom", url, NULL};
    run_program(argv, r);
    ck_assert_msg(r->status == 0, "chromium: %s", strbuf_text(&r->err));
}

/* Removes the profile directory render gives Chromium. */
static void forget_chromium_profile(void)
{
    char profile[128];
    command_result r;
    snprintf(profile, sizeof profile, "/tmp/trainsim-chromium-%d", (int)getpid());
    run_program((const char*[]){"/bin/rm", "-rf", profile, NULL}, &r);
    command_result_free(&r);
}

START_TEST(report_page_renders_with_its_key_figures)
{
    char page[128], png[128];
    temp_path(page, sizeof page, ".html");
    temp_path(png, sizeof png, ".png");
    command_result r, json;
    run_trainsim_ok((const char*[]){"report", "tests/campaign/tiny-failures.yaml", "-o", page, NULL}, &r);
    command_result_free(&r);
    strbuf html = {0};
    read_file(page, &html);
    const char* text = strbuf_text(&html);
    ck_assert(!strncmp(text, "<!DOCTYPE html>", 15));
    ck_assert_ptr_nonnull(strstr(text, "</html>"));
    const char* external[] = {"src=", "href=", "url(", "http:", "https:", "<script", "@import"};
    for (size_t i = 0; i < sizeof external / sizeof *external; i++)
        ck_assert_msg(!strstr(text, external[i]), "the page refers outside itself: %s", external[i]);

    run_trainsim((const char*[]){"run", "tests/campaign/tiny-failures.yaml", "--json", NULL}, &json);
    char mfu[64], days[160], energy[64];
    snprintf(mfu, sizeof mfu, "%.1f %% per step", 100 * number_in(strbuf_text(&json.out), "mfu"));
    command_result_free(&json);
    /* the wall-clock and the energy in the text report's units and words */
    run_trainsim_ok((const char*[]){"run", "tests/campaign/tiny-failures.yaml", NULL}, &json);
    const char* wall = strstr(strbuf_text(&json.out), " steps: ");
    const char* used = strstr(strbuf_text(&json.out), " over the run at PUE");
    ck_assert(wall && used);
    wall += strlen(" steps: ");
    const char* of = strstr(wall, " of wall-clock");
    const char* mean = strstr(wall, ", the mean of");
    snprintf(days, sizeof days, "%.*s%.*s", (int)(of - wall), wall, (int)strcspn(mean, "\n"), mean);
    const char* start = used;   /* back to the line's start, then past its indent */
    while (start > strbuf_text(&json.out) && start[-1] != '\n')
        start--;
    start += strspn(start, " ");
    snprintf(energy, sizeof energy, "%.*s", (int)(used - start), start);
    command_result_free(&json);
    ck_assert_msg(strstr(text, mfu) && strstr(text, days), "the page lacks %s or %s", mfu, days);
    ck_assert_msg(strstr(text, energy) && strstr(energy, "Wh"), "the page lacks the text report's energy \"%s\"", energy);
    /* a few failures: each its own mark, with its hover text; no bins */
    ck_assert_ptr_nonnull(strstr(text, " failure at "));
    ck_assert_ptr_null(strstr(text, "Aggregated: "));

    const char* browser = chromium();
    if (!browser) {
        fprintf(stderr, "test_report: NOT RENDERED: no Chromium at /usr/bin/chromium (tools/install-deps "
                        "installs Debian's chromium; it could not here, or set CHROMIUM): the page was "
                        "checked as text only\n");
    } else {
        render(browser, page, png, &r);
        command_result_free(&r);
        image img;
        ck_assert_msg(read_png(png, &img) == 0, "%s is not a PNG this test reads", png);
        double inked;
        int colours, blue;
        look_at(&img, &inked, &colours, (const int[]){0x3b, 0x6f, 0xb6}, &blue);
        ck_assert_msg(inked > 0.02 && colours >= 12 && blue,
                      "the page looks blank: %.1f %% of pixels inked, %d colours, forward blue %s", 100 * inked,
                      colours, blue ? "seen" : "missing");
        free(img.pixels);
        render(browser, page, NULL, &r);
        ck_assert_msg(strstr(strbuf_text(&r.out), mfu) && strstr(strbuf_text(&r.out), days),
                      "the rendered page lacks %s or %s", mfu, days);
        command_result_free(&r);
        unlink(png);
    }
    forget_chromium_profile();
    strbuf_free(&html);
    unlink(page);
}
END_TEST

/* Without failures every replication is the same run: the page gives its
 * wall-clock alone (no "p10 x, p90 x; 1 replications"), draws no histogram
 * of one value, and says "The run" above its timeline. */
START_TEST(report_of_one_run_gives_no_spread)
{
    command_result r;
    run_trainsim_ok((const char*[]){"report", "scenarios/tiny.yaml", NULL}, &r);
    const char* text = strbuf_text(&r.out);
    ck_assert_ptr_nonnull(strstr(text, "<td>Wall-clock</td>"));
    ck_assert_msg(!strstr(text, "p10") && !strstr(text, "replications") && !strstr(text, "mean of"), "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "The run, "));
    ck_assert_ptr_nonnull(strstr(text, " kWh at "));   /* the text report's unit for 1.42 kWh */
    command_result_free(&r);
}
END_TEST

/* tests/campaign/tiny-failures.yaml with three uncertain inputs and a band. */
static const char study_inputs[] =
    "uncertain:\n"
    "  failures.rate_scale: {loguniform: [0.5, 2]}\n"
    "  failures.restart: {uniform: [1min, 20min]}\n"
    "  cluster.nic.bandwidth: {choice: [100Gbps, 200Gbps]}\n"
    "targets:\n  wall_clock_days: [4, 8]\n";

static void hex_colour(const char* hex, int rgb[3])
{
    unsigned v = (unsigned)strtoul(hex + 1, NULL, 16);
    rgb[0] = (int)(v >> 16 & 255);
    rgb[1] = (int)(v >> 8 & 255);
    rgb[2] = (int)(v & 255);
}

/* How many times NEEDLE occurs in HAYSTACK. */
static int occurrences(const char* haystack, const char* needle)
{
    int n = 0;
    for (const char* p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(report_draws_the_study_with_its_tornado)
{
    char file[128], page[128], png[128];
    temp_path(file, sizeof file, ".yaml");
    temp_path(page, sizeof page, ".html");
    temp_path(png, sizeof png, ".png");
    strbuf text = {0};
    read_file("tests/campaign/tiny-failures.yaml", &text);
    replace_once(&text, "output: {replications: 50}", "output: {replications: 50, samples: 16}");
    strbuf_append(&text, study_inputs);
    FILE* f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fputs(strbuf_text(&text), f);
    fclose(f);
    command_result r, json;
    run_trainsim_ok((const char*[]){"report", file, "-o", page, "-j", "2", NULL}, &r);
    command_result_free(&r);
    run_trainsim_ok((const char*[]){"run", file, "--json", "-j", "2", NULL}, &json);
    const char* report = strbuf_text(&json.out);
    char days[96], band[96], overall[96], first[160];
    snprintf(days, sizeof days, "<tr><td>wall-clock days</td><td>%.3g</td><td>%.3g</td><td>%.3g</td></tr>",
             number_in(report, "uncertainty.percentiles.wall_clock_days.p10"),
             number_in(report, "uncertainty.percentiles.wall_clock_days.p50"),
             number_in(report, "uncertainty.percentiles.wall_clock_days.p90"));
    snprintf(band, sizeof band, "wall_clock_days in [4, 8]</td><td>%.1f %%",
             100 * number_in(report, "uncertainty.target_probability.per_target.wall_clock_days"));
    snprintf(overall, sizeof overall, "all at once</td><td>%.1f %%",
             100 * number_in(report, "uncertainty.target_probability.overall"));
    char interval[96];
    snprintf(interval, sizeof interval, "</td><td>%.1f-%.1f %%</td><td>",
             100 * number_in(report, "uncertainty.target_probability.per_target_95.wall_clock_days.0"),
             100 * number_in(report, "uncertainty.target_probability.per_target_95.wall_clock_days.1"));
    json_t* root = parse_json(json.out.data, json.out.len);
    const json_t* top = json_array_get(value_at(root, "uncertainty.sensitivity"), 0);
    snprintf(first, sizeof first, "%s: rho %+.2f with wall-clock days", json_string_value(json_object_get(top, "input")),
             json_number_value(json_object_get(top, "value")));
    json_decref(root);
    command_result_free(&json);

    strbuf html = {0};
    read_file(page, &html);
    const char* shown[] = {days, band, overall, interval, first, "failures.rate_scale</text>", "failures.restart</text>",
                           "cluster.nic.bandwidth</text>"};
    for (size_t i = 0; i < sizeof shown / sizeof *shown; i++)
        ck_assert_msg(strstr(strbuf_text(&html), shown[i]), "the page lacks %s", shown[i]);
    for (int m = 0; m < 2; m++) {   /* a bar per input and measure */
        char fill[32];
        snprintf(fill, sizeof fill, "fill=\"%s\"><title>", html_study_colours[m]);
        ck_assert_int_eq(occurrences(strbuf_text(&html), fill), 3);
    }
    ck_assert(!strstr(strbuf_text(&html), "<script"));

    const char* browser = chromium();
    if (!browser) {
        fprintf(stderr, "test_report: NOT RENDERED: no Chromium: the study's section was checked as text only\n");
    } else {
        render(browser, page, png, &r);
        command_result_free(&r);
        image img;
        ck_assert_msg(read_png(png, &img) == 0, "%s is not a PNG this test reads", png);
        for (int m = 0; m < 2; m++) {
            int rgb[3], seen, colours;
            double inked;
            hex_colour(html_study_colours[m], rgb);
            look_at(&img, &inked, &colours, rgb, &seen);
            ck_assert_msg(seen, "the tornado's %s bars are not in the picture", html_study_colours[m]);
        }
        free(img.pixels);
        render(browser, page, NULL, &r);
        ck_assert_msg(occurrences(strbuf_text(&r.out), "<rect") > 6 && strstr(strbuf_text(&r.out), "What decides it"),
                      "the rendered page has no tornado");
        command_result_free(&r);
        unlink(png);
        forget_chromium_profile();
    }
    strbuf_free(&html);
    strbuf_free(&text);
    unlink(page);
    unlink(file);
}
END_TEST

/* The part of PAGE from the heading that starts with HEADING to the next
 * <h2> (or the end), into PART. */
static void section(const char* page, const char* heading, strbuf* part)
{
    const char* from = strstr(page, heading);
    ck_assert_msg(from != NULL, "the page has no section %s", heading);
    const char* to = strstr(from + 4, "<h2>");
    strbuf_append_n(part, from, to ? (size_t)(to - from) : strlen(from));
}

static void assert_holds(const char* where, const char* name, const char* what)
{
    ck_assert_msg(strstr(where, what), "%s lacks %s", name, what);
}

/* The round tick step of an axis over SPAN with at most ROOM ticks: 1, 2
 * or 5 times a power of ten (computed here, not by html_axis). */
static double round_step(double span, int room)
{
    double raw = span / room, power = pow(10, floor(log10(raw)));
    return raw / power <= 1 ? power : raw / power <= 2 ? 2 * power : raw / power <= 5 ? 5 * power : 10 * power;
}

/* Checks every item of issue 19's point 5 in the page PAGE (the DOM, as
 * Chromium rendered it, or the file) against the run's report REPORT. */
static void check_gpt4_page(const char* page, const json_t* report)
{
    strbuf part = {0};
    char want[160];
    /* the step: shares of the step, time ticks (61 s: every 10 s), hover text */
    section(page, "<h2>One step</h2>", &part);
    assert_holds(strbuf_text(&part), "the step", "share of the step");
    double step = number_at(report, "step_time_s"), tick = round_step(step, 10);
    for (int k = 1; k * tick <= step; k++) {
        snprintf(want, sizeof want, ">%g s</text>", k * tick);
        assert_holds(strbuf_text(&part), "the step's time axis", want);
    }
    assert_holds(strbuf_text(&part), "the step", "<title>rank 0: forward pass of micro-batch 0: ");
    assert_holds(strbuf_text(&part), "the step", "<title>rank 1: DP, gradient reduction: ");
    /* the DP collectives, as run --json gives them */
    snprintf(want, sizeof want, "<td>gradient reduction</td><td>%s</td><td>%.0f</td>",
             json_string_value(value_at(report, "collectives.dp_reduce.algorithm")),
             number_at(report, "collectives.dp_reduce.ranks"));
    assert_holds(strbuf_text(&part), "the DP collectives' table", want);
    strbuf_free(&part);
    /* memory: the fullest rank's total on its bar, in GiB as the text report, and an axis */
    section(page, "<h2>Memory per GPU</h2>", &part);
    snprintf(want, sizeof want, ">%.1f GiB</text>", number_at(report, "memory_per_gpu_bytes.total") / 1073741824.0);
    assert_holds(strbuf_text(&part), "the memory bars", want);
    assert_holds(strbuf_text(&part), "the memory axis", ">40 GiB</text>");
    strbuf_free(&part);
    /* power over the step: its curve, peak, trough and mean as the text report writes them */
    section(page, "<h2>Power over a step</h2>", &part);
    const char* keys[] = {"power_mw.peak", "power_mw.trough", "power_mw.average"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        snprintf(want, sizeof want, "<td>%.2f MW</td>", number_at(report, keys[i]));
        assert_holds(strbuf_text(&part), "the power section", want);
    }
    assert_holds(strbuf_text(&part), "the power section", "<path fill=");
    strbuf_free(&part);
    /* the run: shares of the run; aggregated failures, said so; failures by kind */
    section(page, "<h2>Where the run's time went</h2>", &part);
    assert_holds(strbuf_text(&part), "the run's breakdown", "share of the run");
    strbuf_free(&part);
    section(page, "<h2>The run</h2>", &part);
    assert_holds(strbuf_text(&part), "the run's timeline", "Aggregated: ");
    ck_assert_ptr_null(strstr(strbuf_text(&part), " failure at "));   /* no mark per failure */
    int bins = occurrences(strbuf_text(&part), "class=\"failure-bin\"");
    ck_assert_msg(bins > 50 && bins <= 150, "%d bins of failures", bins);
    const json_t* kinds = value_at(report, "failures");
    const char* kind;
    const json_t* mean;
    json_object_foreach((json_t*)kinds, kind, mean) {
        snprintf(want, sizeof want, "<td>%s</td>", kind);
        assert_holds(strbuf_text(&part), "the failures' table", want);
        snprintf(want, sizeof want, "<td>%.1f</td>", json_number_value(mean));
        assert_holds(strbuf_text(&part), "the failures' table", want);
    }
    strbuf_free(&part);
    /* y ticks on the histogram of 20 replications */
    section(page, "<h2>Wall-clock over 20 replications</h2>", &part);
    assert_holds(strbuf_text(&part), "the histogram", "text-anchor=\"end\">1</text>");
    strbuf_free(&part);
    /* the inputs, resolved */
    section(page, "<h2>The scenario's inputs</h2>", &part);
    assert_holds(strbuf_text(&part), "the inputs", "TP 8 x PP 15 x DP 208 (auto) x CP 1");
    assert_holds(strbuf_text(&part), "the inputs", "35 micro-batches per step");
    strbuf_free(&part);
    assert_holds(page, "the page", " GWh at ");   /* the text report's unit */
}

START_TEST(report_of_gpt4_shows_every_part_a_reader_needs)
{
    char page[128], again[128];
    temp_path(page, sizeof page, ".html");
    temp_path(again, sizeof again, ".html");
    command_result r;
    run_trainsim_ok((const char*[]){"report", "scenarios/gpt4-a100-25k.yaml", "--nominal", "-o", page, NULL}, &r);
    command_result_free(&r);
    run_trainsim_ok((const char*[]){"report", "scenarios/gpt4-a100-25k.yaml", "--nominal", "-o", again, NULL}, &r);
    command_result_free(&r);
    strbuf html = {0}, html2 = {0};
    read_file(page, &html);
    read_file(again, &html2);
    ck_assert_msg(html.len == html2.len && !memcmp(html.data, html2.data, html.len), "two reports differ");
    run_trainsim_ok((const char*[]){"run", "scenarios/gpt4-a100-25k.yaml", "--nominal", "--json", NULL}, &r);
    json_t* report = parse_json(r.out.data, r.out.len);
    command_result_free(&r);
    check_gpt4_page(strbuf_text(&html), report);
    const char* browser = chromium();
    if (!browser) {
        fprintf(stderr, "test_report: NOT RENDERED: no Chromium: the GPT-4 page was checked as text only\n");
    } else {
        render(browser, page, NULL, &r);
        check_gpt4_page(strbuf_text(&r.out), report);
        command_result_free(&r);
        forget_chromium_profile();
    }
    json_decref(report);
    strbuf_free(&html);
    strbuf_free(&html2);
    unlink(page);
    unlink(again);
}
END_TEST

/* Counts are short whatever their size: past the largest suffix (E) a
 * count was printed with all of its 31 digits. */
START_TEST(counts_stay_short)
{
    char buf[32];
    ck_assert_str_eq(report_count(1.23e6, buf, sizeof buf), "1.23M");
    ck_assert_str_eq(report_count(417e12, buf, sizeof buf), "417T");
    ck_assert_str_eq(report_count(999e18, buf, sizeof buf), "999E");
    ck_assert_str_eq(report_count(2e30, buf, sizeof buf), "2e+30");
}
END_TEST

START_TEST(report_that_cannot_be_written_is_an_error)
{
    command_result r;
    run_trainsim((const char*[]){"report", "scenarios/tiny.yaml", "-o", "/nonexistent-dir/r.html", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "cannot write the report /nonexistent-dir/r.html"));
    command_result_free(&r);
}
END_TEST

Suite* report_suite(void)
{
    Suite* s = suite_create("report");
    TCase* tc = tcase_create("html");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, report_page_renders_with_its_key_figures);
    tcase_add_test(tc, report_of_one_run_gives_no_spread);
    tcase_add_test(tc, report_of_gpt4_shows_every_part_a_reader_needs);
    tcase_add_test(tc, report_draws_the_study_with_its_tornado);
    tcase_add_test(tc, report_that_cannot_be_written_is_an_error);
    tcase_add_test(tc, counts_stay_short);
    suite_add_tcase(s, tc);
    return s;
}
