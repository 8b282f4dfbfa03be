/* test_rows: the rows a sweep reads back (--resume, merge) are read as it
 * wrote them: CSV by its quoting rules (RFC 4180: a quoted field may hold
 * commas, doubled quotes and newlines), error rows run again on resume, a
 * resumed file in point order byte for byte, and a malformed row refused
 * with its file and line (exit 2). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "batch/row.h"
#include "core/rowfile.h"

static const char grid_file[] = "tests/sweep/tiny-grid.yaml";

/* A sweep over scenarios/tiny.yaml whose second point's schedule is a
 * string holding a newline, a comma and a quote: an invalid point whose
 * row quotes it (and its reason, which names it). */
static void write_newline_sweep(char* path, size_t size)
{
    char cwd[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    temp_path(path, size, ".yaml");
    strbuf text = {0};
    strbuf_printf(&text, "format: 1\nbase: %s/scenarios/tiny.yaml\n"
                         "grid:\n  parallelism.schedule: [1f1b, \"two\\nlines, \\\"quoted\\\"\", gpipe]\n", cwd);
    write_text(path, strbuf_text(&text));
    strbuf_free(&text);
}

/* A quoted newline is inside a row: --resume keeps all three rows as they
 * were (the file is unchanged) and merge takes the file as it is. Before
 * the fix the row was split in two: resume kept its first half, merge
 * refused the second. */
START_TEST(a_quoted_newline_stays_inside_its_row)
{
    char sweep_path[128], out[128], merged[128];
    write_newline_sweep(sweep_path, sizeof sweep_path);
    temp_path(out, sizeof out, ".csv");
    temp_path(merged, sizeof merged, ".csv");
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", sweep_path, "-o", out, "-j", "1", NULL}, &r);
    command_result_free(&r);
    strbuf whole = {0}, after = {0};
    read_file(out, &whole);
    ck_assert_msg(strstr(strbuf_text(&whole), "\"two\nlines, \"\"quoted\"\"\""), "no quoted newline in %s",
                  strbuf_text(&whole));
    run_trainsim_ok((const char*[]){"sweep", sweep_path, "-o", out, "--resume", NULL}, &r);
    ck_assert_str_eq(strbuf_text(&r.err),
                     "trainsim sweep: 3 rows: 2 ok, 0 infeasible, 1 invalid, 0 error (3 of them kept from before)\n");
    command_result_free(&r);
    read_file(out, &after);
    ck_assert_msg(!strcmp(strbuf_text(&after), strbuf_text(&whole)), "resumed rows differ from the sweep's");
    run_trainsim_ok((const char*[]){"merge", "-o", merged, out, NULL}, &r);
    command_result_free(&r);
    strbuf_clear(&after);
    read_file(merged, &after);
    ck_assert_msg(!strcmp(strbuf_text(&after), strbuf_text(&whole)), "merged rows differ from the sweep's");
    strbuf_free(&whole);
    strbuf_free(&after);
    unlink(out);
    unlink(merged);
    unlink(sweep_path);
}
END_TEST

/* A point whose worker crashed (the tests' crash hook) is an error row; a
 * resume runs it again, its new row takes the error row's place in point
 * order, and the file is then byte for byte the uninterrupted sweep's.
 * Before the fix the error row was kept (0 points ran again). */
START_TEST(an_error_row_runs_again_and_takes_its_place)
{
    const char* hooks = getenv("TRAINSIM_TEST_HOOKS_BIN") ? getenv("TRAINSIM_TEST_HOOKS_BIN")
                                                          : "build/trainsim-test-hooks";
    char whole[128], resumed[128];
    temp_path(whole, sizeof whole, ".csv");
    temp_path(resumed, sizeof resumed, ".csv");
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", grid_file, "-j", "2", "-o", whole, NULL}, &r);
    command_result_free(&r);
    setenv("TRAINSIM_SWEEP_CRASH_POINT", "3", 1);
    run_program((const char*[]){hooks, "sweep", grid_file, "-j", "2", "-o", resumed, NULL}, &r);
    unsetenv("TRAINSIM_SWEEP_CRASH_POINT");
    ck_assert_str_eq(strbuf_text(&r.err), "trainsim sweep: 12 rows: 7 ok, 0 infeasible, 4 invalid, 1 error\n");
    command_result_free(&r);
    run_trainsim_ok((const char*[]){"sweep", grid_file, "-j", "2", "-o", resumed, "--resume", NULL}, &r);
    ck_assert_str_eq(strbuf_text(&r.err),
                     "trainsim sweep: 12 rows: 8 ok, 0 infeasible, 4 invalid, 0 error (11 of them kept from before)\n");
    command_result_free(&r);
    strbuf a = {0}, b = {0};
    read_file(whole, &a);
    read_file(resumed, &b);
    ck_assert_msg(!strcmp(strbuf_text(&b), strbuf_text(&a)), "resumed rows differ from the uninterrupted sweep's:\n%.400s",
                  strbuf_text(&b) + strlen(strbuf_text(&b)) - 400);
    strbuf_free(&a);
    strbuf_free(&b);
    unlink(whole);
    unlink(resumed);
}
END_TEST

/* The line of TEXT after the newline that AFTER starts with, replaced by
 * REPLACEMENT (its newline kept). */
static void replace_row(strbuf* text, const char* after, const char* replacement)
{
    char* at = strstr(text->data, after);
    ck_assert_ptr_nonnull(at);
    size_t start = (size_t)(at - text->data) + 1, end = start + strcspn(at + 1, "\n");
    strbuf out = {0};
    strbuf_append_n(&out, text->data, start);
    strbuf_append(&out, replacement);
    strbuf_append(&out, text->data + end);
    strbuf_free(text);
    *text = out;
}

/* Row 2 of the grid's CSV (line 4 of the file) spoiled each way a row can
 * be: both --resume and merge refuse it with FILE:4 and what was expected,
 * exit 2, and --resume leaves the file as it was. Before the fix resume
 * kept or skipped such rows and merge accepted the first two. */
START_TEST(a_malformed_row_is_refused_with_its_line)
{
    char good[128], bad[128], merged[128];
    temp_path(good, sizeof good, ".csv");
    temp_path(bad, sizeof bad, ".csv");
    temp_path(merged, sizeof merged, ".csv");
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", grid_file, "-j", "2", "-o", good, NULL}, &r);
    command_result_free(&r);
    strbuf rows = {0};
    read_file(good, &rows);
    const char* row2 = strstr(strbuf_text(&rows), "\n2,") + 1;
    char hash[17];
    memcpy(hash, row2 + 2, 16);
    hash[16] = '\0';
    size_t row2_len = strcspn(row2, "\n");
    strbuf cut = {0}, zeros = {0}, short_hash = {0};
    strbuf_printf(&cut, "2,%s,ok,,2,1", hash);   /* six columns */
    strbuf_printf(&zeros, "002%.*s", (int)row2_len - 1, row2 + 1);
    strbuf_printf(&short_hash, "2,%.15s%.*s", hash, (int)row2_len - 18, row2 + 18);
    const struct {
        const char* line;
        const char* says;
    } cases[] = {
        {strbuf_text(&cut), "expected a row of 54 columns (the header's), found 6"},
        {strbuf_text(&zeros), "point: expected a non-negative integer without leading zeros, found \"002\""},
        {strbuf_text(&short_hash), "hash: expected 16 lowercase hex digits, found \""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        strbuf text = {0};
        strbuf_append(&text, strbuf_text(&rows));
        replace_row(&text, "\n2,", cases[i].line);
        write_text(bad, strbuf_text(&text));
        char expected[256];
        snprintf(expected, sizeof expected, "%s:4: %s", bad, cases[i].says);
        const char* const* commands[] = {(const char*[]){"sweep", grid_file, "-o", bad, "--resume", NULL},
                                         (const char*[]){"merge", "-o", merged, bad, NULL}};
        for (int c = 0; c < 2; c++) {
            run_trainsim(commands[c], &r);
            ck_assert_msg(r.status == 2, "%s, case %zu: exit %d, %s", commands[c][0], i, r.status,
                          strbuf_text(&r.err));
            ck_assert_msg(strstr(strbuf_text(&r.err), expected), "no \"%s\" in %s", expected, strbuf_text(&r.err));
            command_result_free(&r);
        }
        strbuf now = {0};
        read_file(bad, &now);
        ck_assert_msg(!strcmp(strbuf_text(&now), strbuf_text(&text)), "--resume changed %s", bad);
        strbuf_free(&now);
        strbuf_free(&text);
    }
    strbuf_free(&rows);
    strbuf_free(&cut);
    strbuf_free(&zeros);
    strbuf_free(&short_hash);
    unlink(good);
    unlink(bad);
    unlink(merged);
}
END_TEST

static void add_record(const char* record, long long line, void* arg)
{
    strbuf_printf(arg, "%lld[%s]", line, record);
}

/* Records as RFC 4180 splits them, each with the line it starts on: a
 * newline inside quotes (after a doubled quote too) stays in its record; an
 * unfinished last record is not one. Without quoting, a record is a line. */
START_TEST(records_split_at_newlines_outside_quotes)
{
    char path[128];
    temp_path(path, sizeof path, ".csv");
    write_text(path, "h,x\n0,\"a\nb\"\n1,\"say \"\"hi\"\"\nthere\",c\n2,plain\n3,\"cut\n");
    strbuf got = {0};
    ck_assert_int_eq(rowfile_read_records(path, 1, add_record, &got), 0);
    ck_assert_str_eq(strbuf_text(&got), "1[h,x]2[0,\"a\nb\"]4[1,\"say \"\"hi\"\"\nthere\",c]6[2,plain]");
    strbuf_clear(&got);
    ck_assert_int_eq(rowfile_read_records(path, 0, add_record, &got), 0);
    ck_assert_str_eq(strbuf_text(&got), "1[h,x]2[0,\"a]3[b\"]4[1,\"say \"\"hi\"\"]5[there\",c]6[2,plain]7[3,\"cut]");
    strbuf_free(&got);
    unlink(path);
}
END_TEST

/* What row_check says of each way a row can be wrong, and that a row as
 * row_line writes it passes in both formats. */
START_TEST(row_check_names_what_is_wrong)
{
    const struct {
        row_format  f;
        const char* line;
        const char* why;   /* NULL: a row */
    } cases[] = {
        {ROW_CSV, "0,0123456789abcdef,ok,\"a, \"\"b\"\"\nc\"", NULL},
        {ROW_CSV, "10,0123456789abcdef,error,", NULL},
        {ROW_CSV, "0,0123456789abcdef,ok", "expected a row of 4 columns (the header's), found 3"},
        {ROW_CSV, "0,0123456789abcdef,ok,a\"b", "expected a CSV row (RFC 4180 quoting), found a stray quote in column 4"},
        {ROW_CSV, "0,0123456789abcdef,ok,\"a\"b", "expected a CSV row (RFC 4180 quoting), found a stray quote in column 4"},
        {ROW_CSV, "+1,0123456789abcdef,ok,", "point: expected a non-negative integer without leading zeros, found \"+1\""},
        {ROW_CSV, "00,0123456789abcdef,ok,", "point: expected a non-negative integer without leading zeros, found \"00\""},
        {ROW_CSV, ",0123456789abcdef,ok,", "point: expected a non-negative integer without leading zeros, found \"\""},
        {ROW_CSV, "1,0123456789ABCDEF,ok,", "hash: expected 16 lowercase hex digits, found \"0123456789ABCDEF\""},
        {ROW_CSV, "1,0123456789abcdef0,ok,", "hash: expected 16 lowercase hex digits, found \"0123456789abcdef0\""},
        {ROW_CSV, "1,0123456789abcdef,fine,", "status: expected one of ok, infeasible, invalid, error, found \"fine\""},
        {ROW_JSONL, "{\"point\": 3, \"hash\": \"0123456789abcdef\", \"status\": \"invalid\", \"x\": \"a\\nb\"}", NULL},
        {ROW_JSONL, "{\"point\": 3.0, \"hash\": \"0123456789abcdef\", \"status\": \"ok\"}",
         "point: expected a non-negative integer, found something else"},
        {ROW_JSONL, "{\"point\": -1, \"hash\": \"0123456789abcdef\", \"status\": \"ok\"}",
         "point: expected a non-negative integer, found something else"},
        {ROW_JSONL, "{\"point\": 3, \"hash\": \"0123\", \"status\": \"ok\"}",
         "hash: expected 16 lowercase hex digits, found \"0123\""},
        {ROW_JSONL, "{\"point\": 3, \"hash\": \"0123456789abcdef\"}", "status: expected a string, found something else"},
        {ROW_JSONL, "[3]", "expected a row (a JSON object on one line), found something else"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        strbuf why = {0};
        int bad = row_check(cases[i].f, cases[i].line, 4, &why);
        ck_assert_msg(bad == (cases[i].why ? -1 : 0), "case %zu: %d (%s)", i, bad, strbuf_text(&why));
        ck_assert_str_eq(strbuf_text(&why), cases[i].why ? cases[i].why : "");
        strbuf_free(&why);
    }
    ck_assert_int_eq(row_columns("point,hash,\"a,b\",c"), 4);
    ck_assert_int_eq(row_columns("point,\"hash"), -1);
}
END_TEST

Suite* rows_suite(void)
{
    Suite* s = suite_create("rows");
    TCase* tc = tcase_create("rows");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_quoted_newline_stays_inside_its_row);
    tcase_add_test(tc, an_error_row_runs_again_and_takes_its_place);
    tcase_add_test(tc, a_malformed_row_is_refused_with_its_line);
    tcase_add_test(tc, records_split_at_newlines_outside_quotes);
    tcase_add_test(tc, row_check_names_what_is_wrong);
    suite_add_tcase(s, tc);
    return s;
}
