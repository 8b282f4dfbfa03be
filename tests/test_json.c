/* test_json: numbers round-trip. json_format_number prints whole numbers
 * below 2^53 as integers and any other double with the fewest digits that
 * read back as the same double; the report's figures, parsed with jansson,
 * are the run_result's values exactly (==); and sweep rows read the
 * report's JSON properly: strings unescaped, \u escapes as UTF-8, numbers
 * printed by the same formatter. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "batch/row.h"
#include "core/json.h"
#include "output/report.h"

#define TWO_TO_53 9007199254740992.0

/* VALUE prints as TEXT; a finite one reads back as itself, through strtod
 * and through jansson. */
static void check_prints(double value, const char* text)
{
    char buf[JSON_NUMBER_SIZE];
    ck_assert_str_eq(json_format_number(value, buf), text);
    if (!isfinite(value))
        return;
    ck_assert_msg(strtod(buf, NULL) == value, "%s reads back as %.17g, not %.17g", buf, strtod(buf, NULL), value);
    char array[JSON_NUMBER_SIZE + 2];
    snprintf(array, sizeof array, "[%s]", buf);
    json_t* parsed = parse_json(array, strlen(array));
    ck_assert(json_number_value(json_array_get(parsed, 0)) == value);
    json_decref(parsed);
}

START_TEST(tricky_numbers_print_as_the_shortest_text_that_reads_back)
{
    check_prints(0.1, "0.1");
    check_prints(0.268, "0.268");
    check_prints(1.0 / 3, "0.3333333333333333");
    check_prints(0.1 + 0.2, "0.30000000000000004");
    check_prints(-1.5, "-1.5");
    check_prints(2.5e-7, "2.5e-07");
    check_prints(1e300, "1e+300");
    check_prints(DBL_MAX, "1.7976931348623157e+308");
    check_prints(5e-324, "4.94065645841247e-324");   /* the smallest denormal: 15 digits suffice */
    /* whole numbers: integers below 2^53, without a point or an exponent */
    check_prints(0, "0");
    check_prints(-0.0, "0");
    check_prints(1, "1");
    check_prints(-42, "-42");
    check_prints(1e15, "1000000000000000");
    check_prints(TWO_TO_53 - 1, "9007199254740991");
    /* from 2^53 on, the shortest of 15-17 digits */
    check_prints(TWO_TO_53, "9007199254740992");
    check_prints(TWO_TO_53 + 2, "9007199254740994");
    check_prints(1e21, "1e+21");
    check_prints(NAN, "null");
    check_prints(INFINITY, "null");
    check_prints(-INFINITY, "null");
}
END_TEST

/* Doubles of every magnitude, from random bit patterns (a fixed xorshift,
 * so the same ones every run), and whole numbers below 2^53. */
START_TEST(random_doubles_read_back_as_themselves)
{
    uint64_t state = 0x9e3779b97f4a7c15u;
    char buf[JSON_NUMBER_SIZE];
    for (int i = 0; i < 200000; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        double value;
        memcpy(&value, &state, sizeof value);
        if (!isfinite(value))
            continue;
        json_format_number(value, buf);
        ck_assert_msg(strtod(buf, NULL) == value, "%s does not read back as %a", buf, value);
        ck_assert_int_lt(strlen(buf), JSON_NUMBER_SIZE - 1);
        double whole = (double)(int64_t)(state >> 11) * (state & 1 ? 1 : -1);   /* |whole| < 2^53 */
        json_format_number(whole, buf);
        ck_assert_msg(strspn(buf + (buf[0] == '-'), "0123456789") == strlen(buf) - (buf[0] == '-'),
                      "%.17g printed as %s", whole, buf);
        ck_assert(strtod(buf, NULL) == whole);
    }
}
END_TEST

/* Every whole number below 2^53 in V (a parsed report) was printed as an
 * integer: jansson reads it as one only when it has no point and no
 * exponent. */
static void check_whole_numbers_are_integers(const json_t* v, const char* where)
{
    const char* key;
    const json_t* member;
    size_t i;
    if (json_is_real(v)) {
        double x = json_real_value(v);
        ck_assert_msg(!(fabs(x) < TWO_TO_53 && x == trunc(x)), "%s: %.17g printed with a point or exponent", where, x);
    } else if (json_is_object(v)) {
        json_object_foreach((json_t*)v, key, member)
            check_whole_numbers_are_integers(member, key);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, member)
            check_whole_numbers_are_integers(member, where);
    }
}

/* The report of FILE, simulated in this process, as text and parsed. */
static json_t* simulated_report(const char* file, scenario* sc, run_result* r)
{
    strbuf text = {0}, out = {0};
    read_file(file, &text);
    simulate_scenario(strbuf_text(&text), sc, r);
    report_json(sc, r, &out);
    json_t* root = parse_json(strbuf_text(&out), out.len);
    check_whole_numbers_are_integers(root, "(report)");
    strbuf_free(&text);
    strbuf_free(&out);
    return root;
}

/* The report's figures are the run's values, not roundings of them; the
 * counts are integers; and tokens are steps x tokens per step, exactly,
 * in the JSON as in memory. */
START_TEST(report_figures_equal_the_run_result_exactly)
{
    scenario sc;
    run_result r;
    json_t* j = simulated_report("scenarios/tiny.yaml", &sc, &r);
    ck_assert(number_at(j, "tokens") == r.tokens);
    ck_assert(number_at(j, "steps") == r.steps);
    ck_assert(number_at(j, "tokens_per_step") == r.work.tokens_per_step);
    ck_assert(number_at(j, "step_time_s") == r.profile.step_time);
    ck_assert(number_at(j, "mfu") == r.mfu);
    ck_assert(number_at(j, "hfu") == r.hfu);
    ck_assert(number_at(j, "tokens_per_s") == r.tokens_per_s);
    ck_assert(number_at(j, "tflops_per_gpu") == r.tflops_per_gpu);
    ck_assert(number_at(j, "run_mfu") == r.run_mfu);
    ck_assert(number_at(j, "gpu_hours") == r.gpu_hours);
    ck_assert(number_at(j, "cost") == r.cost);
    ck_assert(number_at(j, "goodput") == r.campaign.goodput);
    ck_assert(number_at(j, "wall_clock_days.mean") == r.campaign.wall_mean / 86400.0);
    ck_assert(number_at(j, "energy_mwh") == r.energy_joules / 3.6e9);
    ck_assert(number_at(j, "power_mw.average") == r.power.average / 1e6);
    ck_assert(number_at(j, "model.parameters") == r.work.params_total);
    ck_assert(number_at(j, "memory_per_gpu_bytes.total") == r.memory.rank[r.memory.worst].total);
    ck_assert(number_at(j, "batch_phases.0.step_time_s") == r.profile.step_time);
    const char* counts[] = {"gpus", "steps", "tokens", "tokens_per_step", "model.parameters",
                            "parallelism.micro_batches", "batch_phases.0.tokens", "replications"};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        ck_assert_msg(json_is_integer(value_at(j, counts[i])), "%s is not printed as an integer", counts[i]);
    ck_assert(number_at(j, "tokens") == number_at(j, "steps") * number_at(j, "tokens_per_step"));
    json_decref(j);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* With a batch ramp, tokens_per_step is the final batch's: the run's
 * tokens are the sum of its phases', each steps x its own batch's tokens,
 * exactly. */
START_TEST(ramp_tokens_are_the_phases_sum_exactly)
{
    scenario sc;
    run_result r;
    json_t* j = simulated_report("tests/campaign/tiny-ramp.yaml", &sc, &r);
    ck_assert_int_eq(r.phase_count, 3);
    double sum = 0;
    for (int i = 0; i < r.phase_count; i++) {
        char tokens[48], steps[48], batch[48];
        snprintf(tokens, sizeof tokens, "batch_phases.%d.tokens", i);
        snprintf(steps, sizeof steps, "batch_phases.%d.steps", i);
        snprintf(batch, sizeof batch, "batch_phases.%d.global_batch", i);
        ck_assert(number_at(j, tokens) == r.phase[i].tokens);
        ck_assert(number_at(j, tokens) == number_at(j, steps) * number_at(j, batch) * sc.model.seq_len);
        sum += number_at(j, tokens);
    }
    ck_assert(number_at(j, "tokens") == sum);
    ck_assert(number_at(j, "tokens") != number_at(j, "steps") * number_at(j, "tokens_per_step"));
    json_decref(j);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* The report names every input that decided the plan, as the run read
 * it: dp resolved from auto (and that it was), the interleaving, the
 * overlaps, sequence parallelism, the precision; a dense model has no
 * dispatcher (null). */
START_TEST(report_names_the_inputs_that_decided_the_plan)
{
    strbuf text = {0};
    read_file("scenarios/tiny.yaml", &text);
    replace_once(&text, "dp: 4", "dp: auto\n  virtual_stages: 2\n  tp_comm_overlap: true\n  dp_overlap: false");
    replace_once(&text, "schedule: 1f1b", "schedule: interleaved");
    replace_once(&text, "tokens: 1e9", "tokens: 1e9\n  precision: fp16");
    scenario sc;
    run_result r;
    simulate_scenario(strbuf_text(&text), &sc, &r);
    strbuf out = {0};
    report_json(&sc, &r, &out);
    json_t* j = parse_json(strbuf_text(&out), out.len);
    ck_assert(number_at(j, "parallelism.dp") == 4);   /* 16 GPUs / (tp 2 x pp 2) */
    ck_assert(json_is_true(value_at(j, "parallelism.dp_auto")));
    ck_assert(number_at(j, "parallelism.virtual_stages") == 2);
    ck_assert_str_eq(json_string_value(value_at(j, "parallelism.schedule")), "interleaved");
    ck_assert(json_is_true(value_at(j, "parallelism.tp_comm_overlap")));
    ck_assert(json_is_false(value_at(j, "parallelism.dp_overlap")));
    ck_assert(json_is_boolean(value_at(j, "parallelism.param_gather_overlap")));
    ck_assert(json_is_boolean(value_at(j, "parallelism.sequence_parallel")));
    ck_assert(json_is_null(value_at(j, "parallelism.dispatcher")));
    ck_assert(json_is_null(value_at(j, "parallelism.cp_comm")));   /* cp 1: an input that cannot apply */
    ck_assert_str_eq(json_string_value(value_at(j, "training.precision")), "fp16");
    ck_assert(number_at(j, "training.global_batch") == 64);
    const char* integers[] = {"parallelism.tp", "parallelism.pp", "parallelism.dp", "parallelism.ep",
                              "parallelism.etp", "parallelism.cp", "parallelism.micro_batch",
                              "parallelism.virtual_stages", "parallelism.zero", "training.global_batch"};
    for (size_t i = 0; i < sizeof integers / sizeof *integers; i++)
        ck_assert_msg(json_is_integer(value_at(j, integers[i])), "%s is not an integer", integers[i]);
    json_decref(j);
    strbuf_free(&out);
    strbuf_free(&text);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* JSON is UTF-8 (RFC 8259, 8.1): a string with bytes that are not (a
 * message cut inside a character, a file name in Latin-1) keeps its valid
 * characters and has U+FFFD for each byte of an invalid sequence. */
START_TEST(strings_are_always_utf8)
{
    strbuf out = {0};
    json_quote(&out, "caf\xc3\xa9 \xe2\x82\xac \xe2\x82 cut, \xe9 latin-1, \xc0\xaf overlong");
    ck_assert_str_eq(strbuf_text(&out), "\"caf\xc3\xa9 \xe2\x82\xac \xef\xbf\xbd\xef\xbf\xbd cut, \xef\xbf\xbd latin-1, "
                                        "\xef\xbf\xbd\xef\xbf\xbd overlong\"");
    strbuf_free(&out);
}
END_TEST

/* A JSON-lines row's values as row_value gives them: strings unescaped
 * (\u escapes, surrogate pairs included, as UTF-8), numbers printed by
 * json_format_number, nested keys and list items by their dotted path. */
START_TEST(row_values_are_unescaped_and_printed_by_the_one_formatter)
{
    const char* line = "{\"point\": 7, \"hash\": \"0123456789abcdef\", \"status\": \"ok\", \"name\": \"caf\\u00e9 \\\"x\\\"\\t\\ud83d\\ude00\","
                       " \"third\": 0.33333333333333331483, \"tenth\": 1.000e-1, \"count\": 12, \"parallelism.tp\": 4,"
                       " \"nested\": {\"list\": [1, {\"flag\": true}]}, \"none\": null}";
    char buf[64];
    ck_assert_int_eq(row_value(line, "name", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "caf\xc3\xa9 \"x\"\t\xf0\x9f\x98\x80");
    ck_assert_int_eq(row_value(line, "third", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "0.3333333333333333");
    ck_assert_int_eq(row_value(line, "tenth", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "0.1");
    ck_assert_int_eq(row_value(line, "count", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "12");
    ck_assert_int_eq(row_value(line, "parallelism.tp", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "4");
    ck_assert_int_eq(row_value(line, "nested.list.0", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1");
    ck_assert_int_eq(row_value(line, "nested.list.1.flag", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "true");
    ck_assert_int_eq(row_value(line, "none", buf, sizeof buf), -1);
    ck_assert_int_eq(row_value(line, "nested", buf, sizeof buf), -1);   /* an object is not a value */
    ck_assert_int_eq(row_value(line, "missing", buf, sizeof buf), -1);
    ck_assert_int_eq(row_value("{\"a\": 1,}", "a", buf, sizeof buf), -1);   /* not JSON */
    long long point;
    char hash[17];
    ck_assert_int_eq(row_identity(ROW_JSONL, line, &point, hash), 0);
    ck_assert_int_eq(point, 7);
    ck_assert_str_eq(hash, "0123456789abcdef");
    ck_assert_int_eq(row_identity(ROW_JSONL, "{\"point\": 7, \"hash\": \"0123\"}", &point, hash), -1);
    ck_assert_int_eq(row_identity(ROW_JSONL, "{\"point\": 7, \"hash\": \"0123456789abcdef\"", &point, hash), -1);
}
END_TEST

Suite* json_suite(void)
{
    Suite* s = suite_create("json");
    TCase* tc = tcase_create("numbers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tricky_numbers_print_as_the_shortest_text_that_reads_back);
    tcase_add_test(tc, random_doubles_read_back_as_themselves);
    tcase_add_test(tc, report_figures_equal_the_run_result_exactly);
    tcase_add_test(tc, ramp_tokens_are_the_phases_sum_exactly);
    tcase_add_test(tc, report_names_the_inputs_that_decided_the_plan);
    tcase_add_test(tc, row_values_are_unescaped_and_printed_by_the_one_formatter);
    tcase_add_test(tc, strings_are_always_utf8);
    suite_add_tcase(s, tc);
    return s;
}
