/* test_moe: expert tensor parallelism (parallelism.etp), MoE parallel
 * folding and the token dispatch of Megatron-Core's all-to-all dispatcher,
 * against hand counts: which GPUs form each expert group (the expert
 * RankGenerator's order, written out by hand), the bytes each GPU sends per
 * all-to-all and per ETP all-gather, the simulated dispatch against its
 * closed form, and the step's change when etp changes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "model/memory.h"
#include "plan/full_plan.h"

/* 2 layers, h 256, GeLU experts of 4h = 1024, 8 experts, top-2, capacity
 * 1.25, Megatron-Core's all-to-all dispatcher, s 64, micro-batch 2 (T = 128
 * tokens per rank and micro-batch), no dropout; NVLink and NICs of 100 GB/s, efficiency 1, 2 us and 5 us. */
static void moe_text(strbuf* out, int nodes, int gpus_per_node, const char* parallel, int global_batch)
{
    strbuf_printf(out,
                  "format: 1\n"
                  "model: {layers: 2, hidden: 256, heads: 4, vocab: 1000, seq_len: 64, dropout: 0, "
                  "moe: {experts: 8, top_k: 2, capacity_factor: 1.25, dispatcher: alltoall}}\n"
                  "gpu: a100-sxm4-80gb\n"
                  "cluster: {nodes: %d, gpus_per_node: %d, nvlink: {bandwidth: 100GBps, latency: 2us, efficiency: 1}, "
                  "nic: {count: %d, bandwidth: 100GBps, latency: 5us, efficiency: 1}}\n"
                  "parallelism: %s\n"
                  "training: {global_batch: %d, iterations: 1}\n",
                  nodes, gpus_per_node, gpus_per_node, parallel, global_batch);
}

static void load_moe(int nodes, int gpus_per_node, const char* parallel, int global_batch, scenario* sc)
{
    strbuf text = {0};
    moe_text(&text, nodes, gpus_per_node, parallel, global_batch);
    load_scenario(strbuf_text(&text), sc);
    strbuf_free(&text);
}

static void simulate_moe(int nodes, const char* parallel, int global_batch, scenario* sc, run_result* r)
{
    strbuf text = {0};
    moe_text(&text, nodes, 8, parallel, global_batch);
    simulate_scenario(strbuf_text(&text), sc, r);
    strbuf_free(&text);
}

/* The step and its expert dispatch, simulated by a trainsim process of its
 * own (SimGrid runs once per process): the scenario of one node, PARALLEL
 * and GLOBAL_BATCH. */
static void step_of(const char* parallel, int global_batch, double* step, double* dispatch)
{
    strbuf text = {0};
    moe_text(&text, 1, 8, parallel, global_batch);
    char path[64];
    temp_path(path, sizeof path, ".yaml");
    FILE* f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(strbuf_text(&text), f);
    fclose(f);
    strbuf_free(&text);
    command_result r;
    run_trainsim_ok((const char*[]){"run", path, "--json", NULL}, &r);
    remove(path);
    *step = number_in(strbuf_text(&r.out), "step_time_s");
    *dispatch = number_in(strbuf_text(&r.out), "step_breakdown_s.ep_comm");
    command_result_free(&r);
}

/* ---- which GPUs form each expert group --------------------------------- */

/* The members of G (N of them), sorted. */
static void members(group_ref g, int n, int* out)
{
    for (int k = 0; k < n; k++)
        out[k] = g.base + k * g.stride;
}

static void expect_group(const char* what, int gpu, const int* got, const int* want, int n)
{
    for (int k = 0; k < n; k++)
        ck_assert_msg(got[k] == want[k], "GPU %d, %s group: member %d is GPU %d, expected %d", gpu, what, k, got[k],
                      want[k]);
}

/* Each GPU's expert-parallel, expert-TP and expert-data-parallel groups, as
 * the full simulation runs them, against lists written by hand from
 * Megatron-Core's expert RankGenerator (order tp-cp-ep-dp-pp with etp in
 * tp's place and no cp: GPU = etp rank + etp (ep rank + ep (edp rank +
 * edp pp rank))). */
typedef struct {
    const char* parallel;
    int         gpus, ep, etp, edp;
    int         ep_group[16][8], etp_group[16][2], edp_group[16][4];
} folding_case;

static const folding_case folding_cases[] = {
    /* Qwen3's folding in small: TP 2 x DP 4 = 8 GPUs a stage, EP 8 > DP 4,
     * ETP 1: one EP group per stage, of all its GPUs, and EDP 1. */
    {"{tp: 2, pp: 2, dp: 4, ep: 8, etp: 1}", 16, 8, 1, 1,
     {{0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7},
      {0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7},
      {8, 9, 10, 11, 12, 13, 14, 15}, {8, 9, 10, 11, 12, 13, 14, 15}, {8, 9, 10, 11, 12, 13, 14, 15},
      {8, 9, 10, 11, 12, 13, 14, 15}, {8, 9, 10, 11, 12, 13, 14, 15}, {8, 9, 10, 11, 12, 13, 14, 15},
      {8, 9, 10, 11, 12, 13, 14, 15}, {8, 9, 10, 11, 12, 13, 14, 15}},
     {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, {12}, {13}, {14}, {15}},
     {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, {12}, {13}, {14}, {15}}},
    /* ETP 2 x EP 2 x EDP 2 over TP 2 x DP 4. */
    {"{tp: 2, pp: 1, dp: 4, ep: 2, etp: 2}", 8, 2, 2, 2,
     {{0, 2}, {1, 3}, {0, 2}, {1, 3}, {4, 6}, {5, 7}, {4, 6}, {5, 7}},
     {{0, 1}, {0, 1}, {2, 3}, {2, 3}, {4, 5}, {4, 5}, {6, 7}, {6, 7}},
     {{0, 4}, {1, 5}, {2, 6}, {3, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}}},
    /* ETP 1 under TP 2, EP 2: the two TP ranks of a replica exchange
     * tokens; EDP 4. */
    {"{tp: 2, pp: 1, dp: 4, ep: 2, etp: 1}", 8, 2, 1, 4,
     {{0, 1}, {0, 1}, {2, 3}, {2, 3}, {4, 5}, {4, 5}, {6, 7}, {6, 7}},
     {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}},
     {{0, 2, 4, 6}, {1, 3, 5, 7}, {0, 2, 4, 6}, {1, 3, 5, 7}, {0, 2, 4, 6}, {1, 3, 5, 7}, {0, 2, 4, 6},
      {1, 3, 5, 7}}},
    /* Context parallelism folds into the expert layout too: CP 2 x DP 2,
     * EP 4 spans both context ranks of both replicas. */
    {"{tp: 1, pp: 1, cp: 2, dp: 2, ep: 4}", 4, 4, 1, 1,
     {{0, 1, 2, 3}, {0, 1, 2, 3}, {0, 1, 2, 3}, {0, 1, 2, 3}}, {{0}, {1}, {2}, {3}}, {{0}, {1}, {2}, {3}}},
};
enum { FOLDING_CASES = sizeof folding_cases / sizeof folding_cases[0] };

START_TEST(folding_groups_are_megatron_cores)
{
    const folding_case* fc = &folding_cases[_i];
    scenario sc;
    load_moe(2, 8, fc->parallel, 64, &sc);
    ck_assert_int_eq(sc.par.etp, fc->etp);
    ck_assert_int_eq(scenario_expert_replicas(&sc), fc->edp);
    run_result rr;
    run_prepare(&sc, &rr);
    iteration_plan p;
    memset(&p, 0, sizeof p);
    plan_every_rank(&sc, &rr.topo, &rr.work.dispatch, 1, &p);
    for (int g = 0; g < fc->gpus; g++) {
        const rank_peers* r = &p.ranks[g];
        int got[16], n = 0;
        for (int e = 0, i = 0; e < fc->ep; e++)   /* its peers and itself, in GPU order */
            got[n++] = fc->ep_group[g][e] == g ? g : r->ep_peers[i++];
        ck_assert_int_eq(r->ep_count, fc->ep - 1);
        expect_group("expert-parallel", g, got, fc->ep_group[g], fc->ep);
        members(r->etp, fc->etp, got);
        expect_group("expert tensor-parallel", g, got, fc->etp_group[g], fc->etp);
        ck_assert_int_eq(r->etp.base + r->etp.index * r->etp.stride, g);
        members(r->expert, fc->edp, got);
        expect_group("expert data-parallel", g, got, fc->edp_group[g], fc->edp);
        ck_assert_int_eq(r->expert.base + r->expert.index * r->expert.stride, g);
    }
    plan_free(&p);
    run_result_free(&rr);
    scenario_free(&sc);
}
END_TEST

/* The collapsed plan (before it folds anything) sends the representative
 * GPU's all-to-all (TP rank 0 of the replica it simulates) to its EP peers:
 * with EP 4 x ETP 1 over TP 2 x DP 8, the 4 consecutive GPUs of its block,
 * its own flows first. */
START_TEST(collapsed_alltoall_goes_to_the_folded_peers)
{
    scenario sc;
    run_result r;
    load_moe(2, 8, "{tp: 2, pp: 1, dp: 8, ep: 4, etp: 1}", 64, &sc);
    run_prepare(&sc, &r);
    iteration_plan p;
    plan_build(&sc, &r.work, &r.topo, &p);
    int rep = 2 * p.replica, first = rep / 4 * 4;   /* GPU t + 2 d, t = 0 */
    const alltoall_plan* a = &p.stage[0].chunk[0].ep_fwd;
    ck_assert_int_ge(a->flow_count, 3);
    for (int k = 0, peer = first; k < 3; k++, peer++) {
        peer += peer == rep;
        ck_assert_int_eq(a->flows[k].src, rep);
        ck_assert_int_eq(a->flows[k].dst, peer);
    }
    plan_free(&p);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* ---- the dispatch's bytes ------------------------------------------------ */

/* Per GPU and MoE layer, by hand: T = 2 x 64 = 128 tokens a micro-batch; a
 * GPU holds T/tp of them with sequence parallelism and routes each to top_k
 * = 2 experts, padded by capacity 1.25; a slot is h x 2 = 512 bytes. The
 * all-to-all sends an even 1/ep of the slots to each EP rank; the ETP
 * all-gather gathers etp GPUs' slots. */
typedef struct {
    const char* parallel;
    double      pair_bytes;      /* to each EP peer, per all-to-all */
    double      gathered_bytes;  /* the ETP all-gather's result; 0 without */
    int         alltoalls, pairs;   /* per micro-batch, forward (backward the same) */
} dispatch_case;

static const dispatch_case dispatch_cases[] = {
    /* TP 2 (SP): 64 tokens held, 160 slots, 81,920 bytes; EP 4: 20,480 to each; ETP 2: 163,840 gathered. */
    {"{tp: 2, pp: 1, dp: 8, ep: 4, etp: 2, micro_batch: 2, recompute: none}", 20480, 163840, 4, 2},
    /* ETP 1 under TP 2, EP 8 > DP 4 (folded): 81,920 / 8 = 10,240 to each, no gather. */
    {"{tp: 2, pp: 1, dp: 4, ep: 8, etp: 1, micro_batch: 2, recompute: none}", 10240, 0, 4, 0},
    /* TP 1: all 128 tokens, 320 slots, 163,840 bytes; EP 8: 20,480 to each. */
    {"{tp: 1, pp: 1, dp: 8, ep: 8, micro_batch: 2, recompute: none}", 20480, 0, 4, 0},
    /* EP 1, ETP 4 = TP 4 (SP): 32 tokens, 80 slots, 40,960 bytes; no all-to-all, 163,840 gathered. */
    {"{tp: 4, pp: 1, dp: 2, micro_batch: 2, recompute: none}", 0, 163840, 0, 2},
    /* Full recompute repeats the forward's dispatch in the backward pass. */
    {"{tp: 2, pp: 1, dp: 8, ep: 4, etp: 2, micro_batch: 2, recompute: full}", 20480, 163840, 4, 2},
};
enum { DISPATCH_CASES = sizeof dispatch_cases / sizeof dispatch_cases[0] };

START_TEST(dispatch_bytes_match_the_hand_count)
{
    const dispatch_case* dc = &dispatch_cases[_i];
    scenario sc;
    run_result r;
    simulate_moe(2, dc->parallel, 16 * 2, &sc, &r);
    const workload* w = &r.work;
    const stage_work* st = &w->stage[0];
    int again = sc.par.recompute == RECOMPUTE_FULL ? 2 : 1;
    ck_assert_int_eq(st->ep_fwd_alltoalls, dc->alltoalls);
    ck_assert_int_eq(st->ep_bwd_alltoalls, dc->alltoalls * again);
    ck_assert_int_eq(st->etp_fwd_allreduces, dc->pairs);
    ck_assert_int_eq(st->etp_bwd_allreduces, dc->pairs * again);
    if (dc->alltoalls > 0) {
        ck_assert_double_eq(w->ep_pair_bytes, dc->pair_bytes);
        const chunk_plan* ch = &r.plan.stage[0].chunk[0];
        ck_assert_double_eq(ch->ep_fwd.bytes, dc->pair_bytes);
        ck_assert_int_eq(ch->ep_fwd.repeat, dc->alltoalls);
    }
    if (dc->pairs > 0) {
        ck_assert_double_eq(w->etp_message_bytes, dc->gathered_bytes);
        /* Each GPU sends (etp - 1)/etp of the gathered slots in the
         * all-gather and as much in the reduce-scatter: two NCCL calls a
         * pair, each an all-gather's worth. */
        const collective_plan* c = &r.plan.stage[0].chunk[0].etp_fwd;
        int etp = sc.par.etp;
        ck_assert_int_eq(c->shape.members, etp);
        ck_assert_int_eq(c->repeat, 2 * dc->pairs);
        double sent = 0;
        for (int k = 0; k < c->shape.phase_count; k++)
            sent += c->phase[k].steps * c->phase[k].chunk_bytes;
        ck_assert_double_eq(sent, (etp - 1.0) / etp * dc->gathered_bytes);
    }
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* The simulated dispatch of one node (NVLink: each GPU one link each way of
 * B = 100 GB/s, alpha = 2 us), m = 2 micro-batches of 2 MoE layers, forward
 * and backward: with EP 4 (ETP 1), 8 all-to-alls a micro-batch of
 * alpha + 3 S/B each, S = 81,920 / 4 bytes to each peer; with EP 2 x ETP 2,
 * 8 all-to-alls of alpha + S/B, S = 81,920 / 2 (point-to-point sends), and
 * 4 ETP pairs of an all-gather and a reduce-scatter on a ring of 2, each an
 * NCCL call: its latency + G/(2 B e), G = 163,840. */
static const struct {
    const char* parallel;
    int         alltoalls, pairs;   /* per micro-batch, forward and backward */
    double      pair_bytes, peers, gathered_bytes;
} simulated_cases[] = {
    {"{tp: 2, pp: 1, dp: 4, ep: 4, etp: 1, micro_batch: 2, recompute: none, zero: 0}", 8, 0, 20480, 3, 0},
    {"{tp: 2, pp: 1, dp: 4, ep: 2, etp: 2, micro_batch: 2, recompute: none, zero: 0}", 8, 4, 40960, 1, 163840},
};

START_TEST(simulated_dispatch_matches_its_closed_form)
{
    const double alpha = 2e-6, B = 100e9, m = 2;
    double step, dispatch;
    step_of(simulated_cases[_i].parallel, 4 * 2 * 2, &step, &dispatch);
    double alltoall = alpha + simulated_cases[_i].peers * simulated_cases[_i].pair_bytes / B;
    double pair = 2 * expected_ring_time(0, 2, 1, simulated_cases[_i].gathered_bytes, alpha, alpha, B, NULL);
    ck_assert_rel(dispatch, m * (simulated_cases[_i].alltoalls * alltoall + simulated_cases[_i].pairs * pair), 1e-6);
}
END_TEST

/* ---- etp moves the step -------------------------------------------------- */

/* TP 2 on two GPUs of a node, no data parallelism, EP 1, m = 2 micro-batches,
 * ZeRO 0, rings. Going from etp 2 to etp 1 removes the ETP all-gathers and
 * reduce-scatters (2 pairs forward, 2 backward a micro-batch, each two NCCL
 * calls of L + G/(2 B e), G = 163,840 bytes), widens each expert's GEMMs to
 * the whole FFN over half the slots (the kernels' times), and makes the two
 * TP ranks hold the same experts: their gradients all-reduce over edp = 2,
 * L + 2 P/(2 B e) with P = 4 bytes x 2 layers x 8 experts x 2 h f
 * parameters, and the optimizer steps over twice the expert parameters. The
 * step changes by the sum. */
START_TEST(etp_moves_the_step_by_its_closed_form)
{
    const char* parallel = "{tp: 2, pp: 1, dp: 1, ep: 1, etp: %d, micro_batch: 2, recompute: none, zero: 0, "
                           "dp_overlap: false, collective: ring}";
    const double alpha = 2e-6, B = 100e9, m = 2, h = 256, f = 1024;
    run_result r[3];
    scenario sc[3];
    double step[3], dispatch[3];
    for (int etp = 1; etp <= 2; etp++) {
        char text[256];
        snprintf(text, sizeof text, parallel, etp);
        step_of(text, 4, &step[etp], &dispatch[etp]);
        load_moe(1, 8, text, 4, &sc[etp]);
        run_prepare(&sc[etp], &r[etp]);   /* the kernels' and the optimizer's times */
    }
    double etp_pairs = m * 4 * 2 * expected_ring_time(0, 2, 1, 163840, alpha, alpha, B, NULL);
    double expert_params = 2 * 8 * 2 * h * f;
    ck_assert_double_eq(r[1].work.rank[0].expert_params, expert_params);
    ck_assert_double_eq(r[2].work.rank[0].expert_params, expert_params / 2);
    double reduce = expected_ring_time(1, 2, 1, 4 * expert_params, alpha, alpha, B, NULL);
    const stage_work *one = &r[1].work.stage[0], *two = &r[2].work.stage[0];
    double compute = m * (two->fwd_seconds + two->bwd_seconds - one->fwd_seconds - one->bwd_seconds);
    double optimizer = r[2].work.rank[0].optimizer_seconds - r[1].work.rank[0].optimizer_seconds;
    ck_assert_double_eq(dispatch[1], 0);
    ck_assert_rel(dispatch[2], etp_pairs, 1e-6);
    ck_assert(optimizer < 0);   /* half the expert parameters a GPU */
    ck_assert_rel(step[2] - step[1], etp_pairs - reduce + compute + optimizer, 1e-6);
    for (int etp = 1; etp <= 2; etp++) {
        run_result_free(&r[etp]);
        scenario_free(&sc[etp]);
    }
}
END_TEST

/* Expert states shard over the expert data parallelism edp = tp dp /
 * (etp ep): TP 2 x DP 8 = 16 GPUs, EP 4 x ETP 1, edp 4. A GPU holds 2 of the
 * 8 experts of each of the 2 layers whole (2 h f parameters each); ZeRO 1
 * keeps 12 bytes of Adam state of 1/4 of them, of the dense ones 1/8, and
 * the expert gradients (4 bytes each) reduce-scatter over those 4 GPUs. */
START_TEST(expert_states_shard_over_the_expert_data_parallelism)
{
    scenario sc;
    run_result r;
    simulate_moe(2, "{tp: 2, pp: 1, dp: 8, ep: 4, etp: 1, zero: 1, collective: ring}", 16, &sc, &r);
    double h = 256, f = 1024, experts = 2 * 2 * 2 * h * f;
    const rank_work* rw = &r.work.rank[0];
    ck_assert_double_eq(rw->expert_params, experts);
    ck_assert_rel(r.memory.rank[0].optimizer, 12 * (rw->dense_params / 8 + experts / 4), 1e-12);
    const collective_plan* reduce = &r.plan.stage[0].expert_reduce;
    ck_assert_int_eq(reduce->shape.members, 4);
    ck_assert_double_eq(reduce->payload_bytes, 4 * experts);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

Suite* moe_suite(void)
{
    Suite* s = suite_create("moe");
    TCase* tc = tcase_create("folding");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, folding_groups_are_megatron_cores, 0, FOLDING_CASES);
    tcase_add_test(tc, collapsed_alltoall_goes_to_the_folded_peers);
    tcase_add_loop_test(tc, dispatch_bytes_match_the_hand_count, 0, DISPATCH_CASES);
    tcase_add_loop_test(tc, simulated_dispatch_matches_its_closed_form, 0,
                        sizeof simulated_cases / sizeof simulated_cases[0]);
    tcase_add_test(tc, etp_moves_the_step_by_its_closed_form);
    tcase_add_test(tc, expert_states_shard_over_the_expert_data_parallelism);
    suite_add_tcase(s, tc);
    return s;
}
