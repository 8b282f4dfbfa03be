/* test_schedule: the op lists of GPipe and 1F1B. */
#include <stdlib.h>

#include <stdio.h>

#include "helpers.h"
#include "schedule.h"

/* Every micro-batch runs forward once and backward once, forward first. */
static void check_complete(const pipeline_op* ops, int n, int m)
{
    ck_assert_int_eq(n, 2 * m);
    int* fwd_at = calloc((size_t)m, sizeof(int));
    int* bwd_at = calloc((size_t)m, sizeof(int));
    for (int i = 0; i < m; i++)
        fwd_at[i] = bwd_at[i] = -1;
    for (int i = 0; i < n; i++) {
        int* at = ops[i].kind == OP_FORWARD ? fwd_at : bwd_at;
        ck_assert_int_eq(at[ops[i].micro_batch], -1);
        at[ops[i].micro_batch] = i;
    }
    for (int i = 0; i < m; i++)
        ck_assert_int_lt(fwd_at[i], bwd_at[i]);
    free(fwd_at);
    free(bwd_at);
}

/* The most forward passes whose backward has not run yet. */
static int max_in_flight(const pipeline_op* ops, int n)
{
    int live = 0, most = 0;
    for (int i = 0; i < n; i++) {
        live += ops[i].kind == OP_FORWARD ? 1 : -1;
        if (live > most)
            most = live;
    }
    return most;
}

START_TEST(gpipe_runs_all_forwards_first)
{
    pipeline_op ops[16];
    int n = schedule_build(SCHED_GPIPE, 4, 1, 8, ops);
    check_complete(ops, n, 8);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(ops[i].kind, OP_FORWARD);
        ck_assert_int_eq(ops[i].micro_batch, i);
        ck_assert_int_eq(ops[8 + i].kind, OP_BACKWARD);
    }
    ck_assert_int_eq(max_in_flight(ops, n), 8);
}
END_TEST

START_TEST(one_f_one_b_warms_up_then_alternates)
{
    const int p = 4, m = 8;
    pipeline_op ops[16];
    for (int s = 0; s < p; s++) {
        int n = schedule_build(SCHED_1F1B, p, s, m, ops);
        check_complete(ops, n, m);
        int warmup = p - s - 1;
        ck_assert_int_eq(schedule_warmup(p, s, m), warmup);
        for (int i = 0; i < warmup; i++)
            ck_assert_int_eq(ops[i].kind, OP_FORWARD);
        /* Steady state: forward, backward, forward, backward ... */
        for (int i = warmup; i < warmup + 2 * (m - warmup); i++)
            ck_assert_int_eq(ops[i].kind, (i - warmup) % 2 == 0 ? OP_FORWARD : OP_BACKWARD);
        /* 1F1B keeps at most p - s micro-batches in flight (Narayanan et al. 2021, Sec. 2.2). */
        ck_assert_int_eq(max_in_flight(ops, n), p - s);
    }
}
END_TEST

START_TEST(one_f_one_b_with_fewer_micro_batches_than_stages)
{
    pipeline_op ops[4];
    int n = schedule_build(SCHED_1F1B, 8, 0, 2, ops);
    check_complete(ops, n, 2);
    ck_assert_int_eq(schedule_warmup(8, 0, 2), 2);
    ck_assert_int_eq(ops[0].kind, OP_FORWARD);
    ck_assert_int_eq(ops[1].kind, OP_FORWARD);
    ck_assert_int_eq(ops[2].kind, OP_BACKWARD);
}
END_TEST

START_TEST(last_stage_alternates_from_the_start)
{
    pipeline_op ops[6];
    int n = schedule_build(SCHED_1F1B, 4, 3, 3, ops);
    check_complete(ops, n, 3);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(ops[i].kind, i % 2 ? OP_BACKWARD : OP_FORWARD);
}
END_TEST

Suite* schedule_suite(void)
{
    Suite* s = suite_create("schedule");
    TCase* tc = tcase_create("order");
    tcase_add_test(tc, gpipe_runs_all_forwards_first);
    tcase_add_test(tc, one_f_one_b_warms_up_then_alternates);
    tcase_add_test(tc, one_f_one_b_with_fewer_micro_batches_than_stages);
    tcase_add_test(tc, last_stage_alternates_from_the_start);
    suite_add_tcase(s, tc);
    return s;
}
