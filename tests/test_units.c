/* test_units: quantity strings to base units, and their refusals. */
#include <math.h>

#include <stdio.h>

#include "helpers.h"
#include "core/units.h"

static double parsed(unit_kind kind, const char* text)
{
    double v = -1;
    ck_assert_msg(units_parse(kind, text, &v) == 0, "'%s' should parse", text);
    return v;
}

START_TEST(bandwidth_bits_and_bytes)
{
    ck_assert_double_eq(parsed(UNIT_BANDWIDTH, "200Gbps"), 25e9);
    ck_assert_double_eq(parsed(UNIT_BANDWIDTH, "300GBps"), 300e9);
    ck_assert_double_eq(parsed(UNIT_BANDWIDTH, "1.6Tbps"), 200e9);
    ck_assert_double_eq(parsed(UNIT_BANDWIDTH, "25GiBps"), 25.0 * 1073741824.0);
    ck_assert_double_eq(parsed(UNIT_BANDWIDTH, "8bps"), 1.0);
    ck_assert_double_eq(parsed(UNIT_BANDWIDTH, "400 Gbps"), 50e9);
}
END_TEST

START_TEST(time_units)
{
    ck_assert_double_eq_tol(parsed(UNIT_TIME, "1.5us"), 1.5e-6, 1e-18);
    ck_assert_double_eq(parsed(UNIT_TIME, "5min"), 300.0);
    ck_assert_double_eq(parsed(UNIT_TIME, "3h"), 10800.0);
    ck_assert_double_eq(parsed(UNIT_TIME, "2d"), 172800.0);
    ck_assert_double_eq(parsed(UNIT_TIME, "1w"), 604800.0);
    ck_assert_double_eq(parsed(UNIT_TIME, "0s"), 0.0);
    ck_assert_double_eq_tol(parsed(UNIT_TIME, "250ns"), 250e-9, 1e-20);
}
END_TEST

START_TEST(size_flops_power)
{
    ck_assert_double_eq(parsed(UNIT_SIZE, "40GiB"), 40.0 * 1073741824.0);
    ck_assert_double_eq(parsed(UNIT_SIZE, "512MB"), 512e6);
    ck_assert_double_eq(parsed(UNIT_SIZE, "2.5TB"), 2.5e12);
    ck_assert_double_eq(parsed(UNIT_FLOPS, "312TFLOPS"), 312e12);
    ck_assert_double_eq(parsed(UNIT_FLOPS, "989.4Tf"), 989.4e12);
    ck_assert_double_eq(parsed(UNIT_FLOPS, "1PFLOP/s"), 1e15);
    ck_assert_double_eq(parsed(UNIT_POWER, "400W"), 400.0);
    ck_assert_double_eq(parsed(UNIT_POWER, "1.5kW"), 1500.0);
}
END_TEST

START_TEST(refuses_missing_or_foreign_units)
{
    const struct {
        unit_kind kind;
        const char* text;
    } bad[] = {
        {UNIT_BANDWIDTH, "200"},  {UNIT_BANDWIDTH, "200Gb"},  {UNIT_BANDWIDTH, "200GBs"},
        {UNIT_BANDWIDTH, "200gbps"}, {UNIT_TIME, "5"},        {UNIT_TIME, "5 hours"},
        {UNIT_SIZE, "40GiBps"},   {UNIT_SIZE, "40Gb"},        {UNIT_FLOPS, "312T"},
        {UNIT_POWER, "400KiW"},   {UNIT_TIME, "inf s"},       {UNIT_TIME, "nans"},
        {UNIT_SIZE, "0x10B"},     {UNIT_BANDWIDTH, ""},       {UNIT_TIME, "s"},
        {UNIT_TIME, "1e999s"},    {UNIT_BANDWIDTH, "Gbps200"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v;
        ck_assert_msg(units_parse(bad[i].kind, bad[i].text, &v) != 0, "'%s' should be refused",
                      bad[i].text);
    }
}
END_TEST

START_TEST(formats_for_reports)
{
    char buf[32];
    ck_assert_str_eq(units_format_bytes(1536.0, buf, sizeof buf), "1.50 KiB");
    ck_assert_str_eq(units_format_bytes(80.0 * 1073741824.0, buf, sizeof buf), "80.00 GiB");
    ck_assert_str_eq(units_format_seconds(0.0125, buf, sizeof buf), "12.50 ms");
    ck_assert_str_eq(units_format_seconds(42.5, buf, sizeof buf), "42.500 s");
    ck_assert_str_eq(units_format_seconds(95 * 86400.0, buf, sizeof buf), "95.00 days");
    /* However long, a time keeps its unit within the buffer (a 31-digit
     * number was once printed cut, without one). */
    ck_assert_str_eq(units_format_seconds(86400.0 * 1.5e30, buf, sizeof buf), "1.5e+30 days");
    ck_assert_str_eq(units_format_seconds(86400.0 * 2e6, buf, sizeof buf), "2e+06 days");
    ck_assert_str_eq(units_format_seconds(86400.0 * 999999, buf, sizeof buf), "999999.00 days");
}
END_TEST

Suite* units_suite(void)
{
    Suite* s = suite_create("units");
    TCase* tc = tcase_create("parse");
    tcase_add_test(tc, bandwidth_bits_and_bytes);
    tcase_add_test(tc, time_units);
    tcase_add_test(tc, size_flops_power);
    tcase_add_test(tc, refuses_missing_or_foreign_units);
    tcase_add_test(tc, formats_for_reports);
    suite_add_tcase(s, tc);
    return s;
}
