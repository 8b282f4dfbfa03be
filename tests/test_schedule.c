/* test_schedule: the op lists of GPipe, 1F1B and interleaved 1F1B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "model/schedule.h"

/* Every (chunk, micro-batch) runs forward once and backward once, forward
 * first, and a micro-batch's chunks run forward in order and backward in
 * reverse order. */
static void check_complete(const pipeline_op* ops, int n, int m, int v)
{
    ck_assert_int_eq(n, 2 * m * v);
    int* fwd_at = malloc((size_t)(m * v) * sizeof(int));
    int* bwd_at = malloc((size_t)(m * v) * sizeof(int));
    for (int i = 0; i < m * v; i++)
        fwd_at[i] = bwd_at[i] = -1;
    for (int i = 0; i < n; i++) {
        int* at = ops[i].kind == OP_FORWARD ? fwd_at : bwd_at;
        int slot = ops[i].chunk * m + ops[i].micro_batch;
        ck_assert_int_eq(at[slot], -1);
        at[slot] = i;
    }
    for (int mb = 0; mb < m; mb++)
        for (int c = 0; c < v; c++) {
            ck_assert_int_lt(fwd_at[c * m + mb], bwd_at[c * m + mb]);
            if (c > 0) {
                ck_assert_int_lt(fwd_at[(c - 1) * m + mb], fwd_at[c * m + mb]);
                ck_assert_int_gt(bwd_at[(c - 1) * m + mb], bwd_at[c * m + mb]);
            }
        }
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
    int n = schedule_build(SCHED_GPIPE, 4, 1, 8, 1, ops);
    check_complete(ops, n, 8, 1);
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
        int n = schedule_build(SCHED_1F1B, p, s, m, 1, ops);
        check_complete(ops, n, m, 1);
        int warmup = p - s - 1;
        ck_assert_int_eq(schedule_warmup(SCHED_1F1B, p, s, m, 1), warmup);
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
    int n = schedule_build(SCHED_1F1B, 8, 0, 2, 1, ops);
    check_complete(ops, n, 2, 1);
    ck_assert_int_eq(schedule_warmup(SCHED_1F1B, 8, 0, 2, 1), 2);
    ck_assert_int_eq(ops[0].kind, OP_FORWARD);
    ck_assert_int_eq(ops[1].kind, OP_FORWARD);
    ck_assert_int_eq(ops[2].kind, OP_BACKWARD);
}
END_TEST

START_TEST(last_stage_alternates_from_the_start)
{
    pipeline_op ops[6];
    int n = schedule_build(SCHED_1F1B, 4, 3, 3, 1, ops);
    check_complete(ops, n, 3, 1);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(ops[i].kind, i % 2 ? OP_BACKWARD : OP_FORWARD);
}
END_TEST

/* Megatron-LM's interleaved order for p = 2, v = 2, m = 4 on rank 0:
 * 2(p - s - 1) + (v - 1)p = 4 warm-up forwards (mb 0, 1 of chunk 0, then of
 * chunk 1), then one forward and one backward alternately. */
START_TEST(interleaved_order_on_a_small_case)
{
    pipeline_op ops[16];
    int n = schedule_build(SCHED_INTERLEAVED, 2, 0, 4, 2, ops);
    check_complete(ops, n, 4, 2);
    ck_assert_int_eq(schedule_warmup(SCHED_INTERLEAVED, 2, 0, 4, 2), 4);
    const char* expected = "F0.0 F0.1 F1.0 F1.1 F0.2 B1.0 F0.3 B1.1 F1.2 B0.0 F1.3 B0.1 B1.2 B1.3 B0.2 B0.3";
    char got[256] = "";
    for (int i = 0; i < n; i++) {
        char op[16];
        snprintf(op, sizeof op, "%s%c%d.%d", i ? " " : "", ops[i].kind == OP_FORWARD ? 'F' : 'B',
                 ops[i].chunk, ops[i].micro_batch);
        strcat(got, op);
    }
    ck_assert_str_eq(got, expected);
}
END_TEST

START_TEST(interleaved_is_complete_on_every_rank)
{
    const int p = 4, v = 3, m = 8;
    pipeline_op ops[2 * 8 * 3];
    for (int s = 0; s < p; s++) {
        int n = schedule_build(SCHED_INTERLEAVED, p, s, m, v, ops);
        check_complete(ops, n, m, v);
        int warmup = 2 * (p - s - 1) + (v - 1) * p;
        ck_assert_int_eq(schedule_warmup(SCHED_INTERLEAVED, p, s, m, v), warmup);
        ck_assert_int_eq(max_in_flight(ops, n), warmup + 1);
    }
}
END_TEST

/* Megatron-Core's interleaved schedule (pipeline_parallel/schedules.py,
 * forward_backward_pipelining_with_interleaving, core_v0.10.0) numbers the
 * passes of a rank by virtual micro-batch k = 0 .. m v - 1, in groups of p
 * per chunk, and decides with these helpers where each chunk's
 * data-parallel collectives start. Written out here from that code, apart
 * from the op lists: */
static int chunk_of(int k, int p, int v, int forward)
{
    int c = (k % (p * v)) / p;
    return forward ? c : v - 1 - c;
}

static int first_of_chunk(int k, int p, int v)
{
    return k / (p * v) == 0 && (k % (p * v)) % p == 0;
}

static int last_of_chunk(int k, int p, int v, int m)
{
    return k / (p * v) == m * v / (p * v) - 1 && (k % (p * v)) % p == p - 1;
}

/* The first two chunks' weights before the first pass; chunk c + 1 (c >= 1)
 * before forward k when k + s is chunk c's first micro-batch; chunk c's
 * gradients after backward k when k - s is its last, the rest once the
 * pipeline is over. */
START_TEST(chunk_handovers_are_megatrons)
{
    enum { P = 4, V = 3, M = 8 };
    pipeline_op ops[2 * M * V];
    for (int s = 0; s < P; s++) {
        int n = schedule_build(SCHED_INTERLEAVED, P, s, M, V, ops);
        int gather_at[V], reduce_after[V], want_gather[V] = {-1, 0, -2}, want_reduce[V];
        schedule_chunk_handovers(ops, n, s, V, gather_at, reduce_after);
        for (int c = 0; c < V; c++)
            want_reduce[c] = M * V;   /* launched after the pipeline unless handed over before */
        for (int k = 0; k < M * V; k++) {
            if (k + s < M * V && first_of_chunk(k + s, P, V)) {
                int c = chunk_of(k + s, P, V, 1) + 1;
                if (c > 1 && c < V)
                    want_gather[c] = k;
            }
            if (k - s >= 0 && last_of_chunk(k - s, P, V, M))
                want_reduce[chunk_of(k - s, P, V, 0)] = k;
        }
        for (int c = 0; c < V; c++) {
            ck_assert_msg(gather_at[c] == want_gather[c], "rank %d chunk %d: gather at forward %d, Megatron's %d", s,
                          c, gather_at[c], want_gather[c]);
            ck_assert_msg(reduce_after[c] == want_reduce[c], "rank %d chunk %d: reduce after backward %d, Megatron's %d",
                          s, c, reduce_after[c], want_reduce[c]);
        }
        ck_assert_int_ge(reduce_after[0], M * V - 1);   /* chunk 0's gradients go last: after the last backward */
    }
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
    tcase_add_test(tc, interleaved_order_on_a_small_case);
    tcase_add_test(tc, interleaved_is_complete_on_every_rank);
    tcase_add_test(tc, chunk_handovers_are_megatrons);
    suite_add_tcase(s, tc);
    return s;
}
