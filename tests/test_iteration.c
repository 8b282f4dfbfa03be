/* test_iteration: the pipeline simulation against the closed forms on small
 * cases: step time (m + p - 1)(t_f + t_b) and bubble fraction
 * (p - 1)/(m + p - 1) for GPipe and 1F1B (Huang et al. 2019; Narayanan et al.
 * 2021, Sec. 2.2), with and without pipeline transfers; the steady state's
 * increment per micro-batch measured inside one simulation against a
 * longer simulation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "helpers.h"
#include "network/simgrid_start.h"
#include "run/run.h"

/* P stages on P one-GPU nodes, each stage T_F forward and T_B backward,
 * sending PP_BYTES per micro-batch to its neighbours. */
static void pipeline_plan(iteration_plan* p, schedule_kind kind, int stages, int m, double t_f,
                          double t_b, double pp_bytes)
{
    memset(p, 0, sizeof *p);
    p->stages = stages;
    p->chunks = 1;
    p->micro_batches = m;
    p->schedule = kind;
    p->stage = calloc((size_t)stages, sizeof *p->stage);
    p->gpus = malloc((size_t)stages * sizeof *p->gpus);
    p->gpu_count = stages;
    for (int s = 0; s < stages; s++) {
        stage_plan* st = &p->stage[s];
        p->gpus[s] = s;
        st->gpu = s;
        st->chunk = calloc(1, sizeof *st->chunk);
        st->chunk[0].fwd_seconds = t_f;
        st->chunk[0].bwd_seconds = t_b;
        st->pp_bytes = pp_bytes;
        if (s + 1 < stages) {
            st->next_flows = malloc(sizeof *st->next_flows);
            st->next_flows[0] = (flow){s, s + 1};
            st->next_flow_count = 1;
        }
        if (s > 0) {
            st->prev_flows = malloc(sizeof *st->prev_flows);
            st->prev_flows[0] = (flow){s, s - 1};
            st->prev_flow_count = 1;
        }
    }
}

/* The same pipeline, interleaved: each rank runs CHUNKS chunks of T_F/v and
 * T_B/v, and the last rank hands over to the first between chunks. */
static void interleave(iteration_plan* p, int chunks)
{
    p->chunks = chunks;
    p->schedule = SCHED_INTERLEAVED;
    int last = p->stages - 1;
    for (int s = 0; s < p->stages; s++) {
        stage_plan* st = &p->stage[s];
        chunk_plan one = st->chunk[0];
        free(st->chunk);
        st->chunk = calloc((size_t)chunks, sizeof *st->chunk);
        for (int c = 0; c < chunks; c++) {
            st->chunk[c].fwd_seconds = one.fwd_seconds / chunks;
            st->chunk[c].bwd_seconds = one.bwd_seconds / chunks;
        }
    }
    p->stage[last].next_flows = malloc(sizeof(flow));
    p->stage[last].next_flows[0] = (flow){last, 0};
    p->stage[last].next_flow_count = 1;
    p->stage[0].prev_flows = malloc(sizeof(flow));
    p->stage[0].prev_flows[0] = (flow){0, last};
    p->stage[0].prev_flow_count = 1;
}

static double simulate_pipeline(schedule_kind kind, int stages, int m, double t_f, double t_b,
                                double pp_bytes, double bandwidth, step_profile* prof)
{
    topology t;
    simple_topology(&t, stages, 1, bandwidth, 0);
    iteration_plan p;
    pipeline_plan(&p, kind, stages, m, t_f, t_b, pp_bytes);
    simulate_plan(&t, &p, 0, prof);
    plan_free(&p);
    return prof->step_time;
}

static void check_bubble(schedule_kind kind, int p, int m)
{
    step_profile prof;
    double t_f = 1e-3, t_b = 2e-3;
    double step = simulate_pipeline(kind, p, m, t_f, t_b, 0, 25e9, &prof);
    ck_assert_rel(step, (m + p - 1) * (t_f + t_b), 0.005);
    ck_assert_rel(prof.bubble / prof.step_time, (double)(p - 1) / (m + p - 1), 0.005);
    ck_assert_rel(prof.compute, m * (t_f + t_b), 1e-9);
    ck_assert_double_eq_tol(prof.pp_comm, 0, 1e-12);
    step_profile_free(&prof);
}

START_TEST(gpipe_bubble_fraction)
{
    check_bubble(SCHED_GPIPE, 4, 8);
}
END_TEST

START_TEST(one_f_one_b_bubble_fraction)
{
    check_bubble(SCHED_1F1B, 4, 8);
}
END_TEST

START_TEST(one_f_one_b_bubble_with_many_stages)
{
    check_bubble(SCHED_1F1B, 12, 5);
}
END_TEST

/* Narayanan et al. 2021, Sec. 2.2.2: with v chunks per rank the bubble
 * shrinks to (p - 1)(t_f + t_b) / v. */
START_TEST(interleaved_bubble_shrinks_by_chunks)
{
    static const int chunk_counts[] = {2, 3, 4};
    int p = 4, m = 8, v = chunk_counts[_i];
    double t_f = 1.2e-3, t_b = 2.4e-3;
    topology t;
    simple_topology(&t, p, 1, 25e9, 0);
    iteration_plan plan;
    pipeline_plan(&plan, SCHED_1F1B, p, m, t_f, t_b, 0);
    interleave(&plan, v);
    step_profile prof;
    simulate_plan(&t, &plan, 0, &prof);
    ck_assert_rel(prof.step_time, m * (t_f + t_b) + (p - 1) * (t_f + t_b) / v, 0.005);
    ck_assert_rel(prof.bubble, (p - 1) * (t_f + t_b) / v, 0.005);
    step_profile_free(&prof);
    plan_free(&plan);
}
END_TEST

START_TEST(step_time_grows_with_micro_batches_as_the_formula)
{
    /* Each micro-batch count in its own process: one SimGrid engine each. */
    static const int counts[] = {1, 2, 3, 5, 8, 16, 32};
    int m = counts[_i];
    step_profile prof;
    double step = simulate_pipeline(SCHED_1F1B, 6, m, 2e-3, 4e-3, 0, 25e9, &prof);
    ck_assert_rel(step, (m + 6 - 1) * 6e-3, 0.005);
    step_profile_free(&prof);
}
END_TEST

/* GPipe with a transfer of t_c < t_f between stages: the transfers of the
 * first forward and the first backward wave add 2 (p - 1) t_c to the step. */
START_TEST(gpipe_with_pipeline_transfers)
{
    step_profile prof;
    int p = 4, m = 6;
    double t_f = 1e-3, t_b = 2e-3, bytes = 5e6, bandwidth = 25e9;
    double t_c = bytes / bandwidth;
    double step = simulate_pipeline(SCHED_GPIPE, p, m, t_f, t_b, bytes, bandwidth, &prof);
    ck_assert_rel(step, (m + p - 1) * (t_f + t_b) + 2 * (p - 1) * t_c, 0.005);
    ck_assert(prof.pp_comm > 0);
    step_profile_free(&prof);
}
END_TEST

/* One micro-batch whose transfers outlast the passes: the last rank ends
 * as soon as it has sent its gradient, and the first still waits for all
 * of it (a rank puts its own flows: it must not end before they arrive,
 * or SimGrid would cancel them). 2 (f + b) + 2 t_c. */
START_TEST(the_last_gradient_arrives_after_its_sender_ended)
{
    step_profile prof;
    double t_f = 1e-3, t_b = 2e-3, bytes = 1e9, bandwidth = 25e9;
    double step = simulate_pipeline(SCHED_1F1B, 2, 1, t_f, t_b, bytes, bandwidth, &prof);
    ck_assert_rel(step, 2 * (t_f + t_b) + 2 * bytes / bandwidth, 0.005);
    step_profile_free(&prof);
}
END_TEST

START_TEST(breakdown_sums_to_step_time)
{
    step_profile prof;
    simulate_pipeline(SCHED_1F1B, 5, 7, 1e-3, 2.5e-3, 2e7, 25e9, &prof);
    double sum = prof.compute + prof.tp_comm + prof.pp_comm + prof.ep_comm + prof.bubble
               + prof.dp_comm_exposed + prof.optimizer;
    ck_assert_rel(sum, prof.step_time, 1e-9);
    for (int s = 0; s < prof.stages; s++)
        ck_assert(prof.stage[s].idle >= -1e-12);
    step_profile_free(&prof);
}
END_TEST

/* The same closed forms through the whole pipeline: scenario, workload, plan,
 * platform. Zero latency, a vocabulary of one, fast links. The first stage
 * also looks up the embedding and the last runs the LM head, so stages differ
 * by about 2 %: the exact makespan of m identical jobs through p unequal
 * stages (a permutation flow shop) is sum(f) + (m-1) max(f) + sum(b) +
 * (m-1) max(b), which reduces to (m+p-1)(f+b) for equal stages. */
static void check_scenario_pipeline(const char* schedule)
{
    char text[1024];
    snprintf(text, sizeof text,
             "format: 1\n"
             "model: {layers: 8, hidden: 1024, heads: 16, vocab: 1, seq_len: 1024}\n"
             "gpu: a100-sxm4-80gb\n"
             "cluster:\n  nodes: 4\n  gpus_per_node: 1\n"
             "  nic: {count: 1, bandwidth: 100000Gbps, latency: 0s, efficiency: 1}\n"
             "parallelism: {tp: 1, pp: 4, dp: 1, schedule: %s, recompute: none}\n"
             "training: {global_batch: 12, iterations: 1}\n",
             schedule);
    scenario sc;
    run_result r;
    simulate_scenario(text, &sc, &r);
    int p = 4, m = 12;
    double sum_f = 0, sum_b = 0, max_f = 0, max_b = 0;
    for (int s = 0; s < p; s++) {
        sum_f += r.work.stage[s].fwd_seconds;
        sum_b += r.work.stage[s].bwd_seconds;
        max_f = fmax(max_f, r.work.stage[s].fwd_seconds);
        max_b = fmax(max_b, r.work.stage[s].bwd_seconds);
    }
    double makespan = sum_f + (m - 1) * max_f + sum_b + (m - 1) * max_b;
    ck_assert_rel(r.profile.pipeline_time, makespan, 0.005);
    /* The stages are nearly equal: the bubble is nearly (p - 1)/(m + p - 1). */
    ck_assert_rel(r.profile.bubble / r.profile.pipeline_time, (double)(p - 1) / (m + p - 1), 0.05);
    /* The optimizer step follows the pipeline. */
    ck_assert_rel(r.profile.step_time, r.profile.pipeline_time + r.profile.optimizer, 1e-9);
    run_result_free(&r);
    scenario_free(&sc);
}

START_TEST(scenario_gpipe_bubble)
{
    check_scenario_pipeline("gpipe");
}
END_TEST

START_TEST(scenario_1f1b_bubble)
{
    check_scenario_pipeline("1f1b");
}
END_TEST

/* ---- the steady state measured inside one simulation (step_increment) ----
 * A 1F1B pipeline whose stage 2 is the slowest (T_F = 1.5 ms, T_B = 3 ms
 * against 1 and 2 ms), with transfers that its neighbours' slack hides:
 * past the warm-up every micro-batch adds the bottleneck's f + b (the
 * permutation flow shop's (m - 1) max(f) + (m - 1) max(b) term). Both
 * simulations on one platform, as run.c runs them. */
static void uneven_pipeline(iteration_plan* p, schedule_kind kind, int m, int chunks, topology* t)
{
    simple_topology(t, 4, 1, 25e9, 0);
    pipeline_plan(p, kind, 4, m, 1e-3, 2e-3, 5e6);
    p->stage[2].chunk[0].fwd_seconds = 1.5e-3;
    p->stage[2].chunk[0].bwd_seconds = 3e-3;
    if (chunks > 1)
        interleave(p, chunks);
    p->gpus_per_node = t->gpus_per_node;
    strbuf xml = {0};
    run_platform_xml(t, p, &xml);
    ck_assert_int_eq(platform_load(strbuf_text(&xml)), 0);
    strbuf_free(&xml);
}

static void ck_same_timing(const stage_timing* x, const stage_timing* y, double scale)
{
    const double a[] = {x->compute, x->pp_comm, x->idle, x->pipeline_end, x->end};
    const double b[] = {y->compute, y->pp_comm, y->idle, y->pipeline_end, y->end};
    for (size_t i = 0; i < sizeof a / sizeof *a; i++)
        ck_assert_msg(fabs(a[i] - b[i]) <= 1e-9 * scale, "field %zu: %.12g against %.12g", i, a[i], b[i]);
}

START_TEST(steady_increment_extends_the_step_as_simulating_it)
{
    topology t;
    iteration_plan plan;
    int m2 = 8, m = 20;
    uneven_pipeline(&plan, SCHED_1F1B, m2, 1, &t);
    iteration_options opt = {0};
    step_profile at_2p, advanced, whole;
    step_increment inc;
    ck_assert_int_eq(iteration_simulate(&plan, &opt, &at_2p, &inc), 0);
    ck_assert_int_eq(inc.settled, 1);
    ck_assert_rel(inc.period, 1.5e-3 + 3e-3, 1e-9);
    step_profile_advance(&at_2p, &inc, m - m2, &advanced);
    plan.micro_batches = m;
    ck_assert_int_eq(iteration_simulate(&plan, &opt, &whole, NULL), 0);
    double scale = whole.step_time;
    ck_assert_msg(fabs(advanced.step_time - whole.step_time) <= 1e-9 * scale, "%.12g against %.12g",
                  advanced.step_time, whole.step_time);
    const double a[] = {advanced.pipeline_time, advanced.compute, advanced.pp_comm, advanced.bubble};
    const double w[] = {whole.pipeline_time, whole.compute, whole.pp_comm, whole.bubble};
    for (size_t i = 0; i < sizeof a / sizeof *a; i++)
        ck_assert_msg(fabs(a[i] - w[i]) <= 1e-9 * scale, "figure %zu: %.12g against %.12g", i, a[i], w[i]);
    for (int s = 0; s < plan.stages; s++)
        ck_same_timing(&advanced.stage[s], &whole.stage[s], scale);
    /* Each period the first stage computes its own f + b and waits for
     * what the bottleneck does beyond it (part of it with the gradient in
     * flight); the bottleneck never waits. */
    ck_assert_rel(inc.stage[0].compute, 3e-3, 1e-9);
    ck_assert_rel(inc.stage[0].idle + inc.stage[0].pp_comm, 1.5e-3, 1e-9);
    ck_assert_rel(inc.stage[2].compute, 4.5e-3, 1e-9);
    ck_assert_double_eq_tol(inc.stage[2].idle + inc.stage[2].pp_comm, 0, 1e-12);
    step_increment_free(&inc);
    step_profile_free(&at_2p);
    step_profile_free(&advanced);
    step_profile_free(&whole);
    plan_free(&plan);
}
END_TEST

/* GPipe has no forward-backward pairs, and with model chunks a micro-batch
 * is several pairs: neither measures its period, and run.c simulates p
 * micro-batches as well. */
START_TEST(no_steady_increment_without_pairs)
{
    topology t;
    iteration_plan plan;
    uneven_pipeline(&plan, SCHED_GPIPE, 8, _i == 0 ? 1 : 2, &t);
    iteration_options opt = {0};
    step_profile prof;
    step_increment inc;
    ck_assert_int_eq(iteration_simulate(&plan, &opt, &prof, &inc), 0);
    ck_assert_int_eq(inc.settled, 0);
    ck_assert_ptr_null(inc.stage);
    step_profile_free(&prof);
    plan_free(&plan);
}
END_TEST

/* MFU from its definition: model FLOPs per step / (GPUs x peak x step time). */
START_TEST(run_figures_follow_definitions)
{
    scenario sc;
    run_result r;
    simulate_scenario(
        "format: 1\n"
        "model: {layers: 4, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024}\n"
        "gpu: a100-sxm4-80gb\n"
        "cluster: {nodes: 2}\n"
        "parallelism: {tp: 2, pp: 2, dp: 4, micro_batch: 2}\n"
        "training: {global_batch: 64, tokens: 1e9}\n"
        "cost: {gpu_hour: 2.5}\n",
        &sc, &r);
    double step = r.profile.step_time, tokens = 64 * 1024;
    ck_assert_double_eq(r.steps, ceil(1e9 / tokens));
    ck_assert_rel(r.mfu, r.work.model_flops_per_token * tokens / (16 * 312e12 * step), 1e-12);
    ck_assert_rel(r.tokens_per_s, tokens / step, 1e-12);
    ck_assert_rel(r.wall_seconds, r.steps * step, 1e-12);
    ck_assert_rel(r.gpu_hours, 16 * r.wall_seconds / 3600, 1e-12);
    ck_assert_rel(r.cost, 2.5 * r.gpu_hours, 1e-12);
    ck_assert(r.hfu > r.mfu);   /* selective recompute by default */
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

Suite* iteration_suite(void)
{
    Suite* s = suite_create("iteration");
    TCase* tc = tcase_create("pipeline");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, gpipe_bubble_fraction);
    tcase_add_test(tc, one_f_one_b_bubble_fraction);
    tcase_add_test(tc, one_f_one_b_bubble_with_many_stages);
    tcase_add_loop_test(tc, step_time_grows_with_micro_batches_as_the_formula, 0, 7);
    tcase_add_loop_test(tc, interleaved_bubble_shrinks_by_chunks, 0, 3);
    tcase_add_test(tc, gpipe_with_pipeline_transfers);
    tcase_add_test(tc, breakdown_sums_to_step_time);
    tcase_add_test(tc, the_last_gradient_arrives_after_its_sender_ended);
    tcase_add_test(tc, scenario_gpipe_bubble);
    tcase_add_test(tc, scenario_1f1b_bubble);
    tcase_add_test(tc, run_figures_follow_definitions);
    tcase_add_test(tc, steady_increment_extends_the_step_as_simulating_it);
    tcase_add_loop_test(tc, no_steady_increment_without_pairs, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
