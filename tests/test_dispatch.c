/* test_dispatch: Megatron-Core's three token dispatchers (model.moe.dispatcher)
 * against hand counts: the chance a token reaches a set of experts, the
 * bytes each GPU sends to whom (the all-to-all's even shares, the
 * allgather's hidden states, DeepEP's once-per-GPU and once-per-node flows
 * with their NVLink forwarding), the permutations' memory traffic, the
 * experts' grouped GEMMs on Transformer Engine's four streams, and the
 * simulated exchange and step against their closed forms. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "model/moe_dispatch.h"
#include "plan/ep_plan.h"

/* 2 layers, h 256, 16 GeLU experts of 1024, top-4, capacity 1, s = SEQ,
 * micro-batch 2; nodes of GPN GPUs with NVLink 400 GB/s (2 us) and one NIC
 * a GPU of 100 GB/s (5 us), efficiency 1; no data-parallel overlap or ZeRO,
 * so that nothing shares the exchange's links. */
static void dispatch_text(strbuf* out, const char* dispatcher, int seq, int nodes, int gpn, const char* parallel,
                          int global_batch)
{
    strbuf_printf(out,
                  "format: 1\n"
                  "model: {layers: 2, hidden: 256, heads: 4, vocab: 1000, seq_len: %d, dropout: 0, "
                  "moe: {experts: 16, top_k: 4, dispatcher: %s}}\n"
                  "gpu: a100-sxm4-80gb\n"
                  "cluster: {nodes: %d, gpus_per_node: %d, nvlink: {bandwidth: 400GBps, latency: 2us, efficiency: 1}, "
                  "nic: {count: %d, bandwidth: 100GBps, latency: 5us, efficiency: 1}}\n"
                  "parallelism: %s\n"
                  "training: {global_batch: %d, iterations: 1}\n",
                  seq, dispatcher, nodes, gpn, gpn, parallel, global_batch);
}

static void load_dispatch(const char* dispatcher, int seq, int gpn, const char* parallel, scenario* sc,
                          run_result* r)
{
    strbuf text = {0};
    dispatch_text(&text, dispatcher, seq, 4, gpn, parallel, 16);
    load_scenario(strbuf_text(&text), sc);
    strbuf_free(&text);
    run_prepare(sc, r);
}

/* C(n, k), by its product. */
static double binomial(int n, int k)
{
    if (k < 0 || k > n)
        return 0;
    double c = 1;
    for (int i = 1; i <= k; i++)
        c = c * (n - k + i) / i;
    return c;
}

/* ---- a token's experts ----------------------------------------------------- */

START_TEST(token_reach_is_the_hypergeometric_complement)
{
    const int cases[][3] = {{16, 2, 4}, {16, 4, 4}, {16, 8, 4}, {8, 1, 2}, {128, 4, 8}, {128, 16, 8},
                            {128, 32, 8}, {16, 13, 4}, {16, 16, 4}, {16, 0, 4}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int e = cases[i][0], held = cases[i][1], k = cases[i][2];
        double want = 1 - binomial(e - held, k) / binomial(e, k);
        ck_assert_msg(fabs(moe_token_reaches(e, held, k) - want) <= 1e-12, "E %d, held %d, K %d: %.15g, want %.15g",
                      e, held, k, moe_token_reaches(e, held, k), want);
    }
    /* One expert a GPU: K of the E experts, K/E of the tokens reach it. */
    ck_assert_double_eq_tol(moe_token_reaches(8, 1, 2), 0.25, 1e-15);
}
END_TEST

/* Megatron-Core's argument defaults to allgather but recommends alltoall
 * when expert parallelism is applied: trainsim takes the recommendation. */
START_TEST(the_default_is_megatron_cores_recommendation_alltoall)
{
    scenario sc;
    load_scenario("format: 1\nmodel: {layers: 2, hidden: 256, heads: 4, vocab: 1000, seq_len: 64, "
                  "moe: {experts: 8, top_k: 2}}\ngpu: a100-sxm4-80gb\ncluster: {nodes: 1}\n"
                  "parallelism: {tp: 1, dp: 8, ep: 8}\ntraining: {global_batch: 8, iterations: 1}\n",
                  &sc);
    ck_assert_int_eq(sc.model.moe.dispatcher, DISPATCH_ALLTOALL);
    scenario_free(&sc);
}
END_TEST

/* ---- who sends what to whom ------------------------------------------------ */

/* s = 64, micro-batch 2: T = 128 tokens a micro-batch; TP 2 with sequence
 * parallelism: a GPU holds N = 64, 64 x 256 x 2 = 32,768 bytes, and routes
 * them to R = 4 x 64 = 256 slots. */
#define TOKEN_BYTES 32768.0

typedef struct {
    const char* dispatcher;
    int         gpn;
    const char* parallel;
    int         exchanges, gathers;   /* per MoE layer and pass */
    int         peers;                /* GPU 0's */
    int         peer[8];
    double      bytes[8];             /* to each peer per exchange */
    double      gathered;             /* a gather's result */
    int         gather_members;
} peers_case;

/* 1 - C(14,4)/C(16,4): a token's 4 experts reach a GPU of 2 experts;
 * 1 - C(12,4)/C(16,4) one of 4 (EP 4); 1 - C(8,4)/C(16,4) a node of 8. */
#define P2 (1 - 1001.0 / 1820)
#define P4 (1 - 495.0 / 1820)
#define P8 (1 - 70.0 / 1820)

static const peers_case peers_cases[] = {
    /* alltoall, EP 8 x ETP 1 over TP 2 x DP 4: R h 2 / 8 = 16,384 to each of 7. */
    {"alltoall", 8, "{tp: 2, pp: 1, dp: 4, ep: 8, etp: 1, micro_batch: 2}", 2, 0, 7,
     {1, 2, 3, 4, 5, 6, 7}, {16384, 16384, 16384, 16384, 16384, 16384, 16384}, 0, 0},
    /* allgather, EP 4 x ETP 2: the 8 GPUs' hidden states, 8 x 32,768. */
    {"allgather", 8, "{tp: 2, pp: 1, dp: 4, ep: 4, etp: 2, micro_batch: 2}", 0, 1, 0, {0}, {0}, 262144, 8},
    /* allgather, EP 1, ETP = TP 2: the TP pair's, 2 x 32,768. */
    {"allgather", 8, "{tp: 2, pp: 1, dp: 4, micro_batch: 2}", 0, 1, 0, {0}, {0}, 65536, 2},
    /* flex in one node: once to each GPU with one of the token's experts. */
    {"flex", 8, "{tp: 2, pp: 1, dp: 4, ep: 8, etp: 1, micro_batch: 2}", 2, 0, 7, {1, 2, 3, 4, 5, 6, 7},
     {TOKEN_BYTES * P2, TOKEN_BYTES * P2, TOKEN_BYTES * P2, TOKEN_BYTES * P2, TOKEN_BYTES * P2,
      TOKEN_BYTES * P2, TOKEN_BYTES * P2},
     0, 0},
    /* flex over two nodes of 4: to GPUs 1-3 its own tokens and GPU 4's,
     * which it forwards (2 x); to GPU 4, its index on the other node, once
     * the tokens with an expert there. */
    {"flex", 4, "{tp: 2, pp: 1, dp: 4, ep: 8, etp: 1, micro_batch: 2}", 2, 0, 4, {1, 2, 3, 4},
     {2 * TOKEN_BYTES * P2, 2 * TOKEN_BYTES * P2, 2 * TOKEN_BYTES * P2, TOKEN_BYTES * P8}, 0, 0},
    /* flex with ETP 2: GPU 1 is GPU 0's ETP sibling (same experts), GPUs 2-3
     * the next EP rank: each gets the tokens that reach 4 experts; node 1
     * holds EP ranks 2 and 3, 8 experts. */
    {"flex", 4, "{tp: 2, pp: 1, dp: 4, ep: 4, etp: 2, micro_batch: 2}", 2, 0, 4, {1, 2, 3, 4},
     {2 * TOKEN_BYTES * P4, 2 * TOKEN_BYTES * P4, 2 * TOKEN_BYTES * P4, TOKEN_BYTES * P8}, 0, 0},
};
enum { PEERS_CASES = sizeof peers_cases / sizeof peers_cases[0] };

START_TEST(each_gpu_sends_what_the_hand_count_says)
{
    const peers_case* pc = &peers_cases[_i];
    scenario sc;
    run_result r;
    load_dispatch(pc->dispatcher, 64, pc->gpn, pc->parallel, &sc, &r);
    const moe_dispatch* d = &r.work.dispatch;
    ck_assert_int_eq(d->exchanges, pc->exchanges);
    ck_assert_int_eq(d->gathers, pc->gathers);
    ck_assert_int_eq(r.work.stage[0].ep_fwd_alltoalls, 2 * pc->exchanges);
    ck_assert_int_eq(r.work.stage[0].etp_fwd_allreduces, 2 * pc->gathers);
    int peers[16];
    double bytes[16];
    int n = plan_dispatch_peers(&sc, &r.topo, d, 0, peers, bytes);
    ck_assert_int_eq(n, pc->peers);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(peers[i], pc->peer[i]);
        ck_assert_rel(bytes[i], pc->bytes[i], 1e-12);
    }
    if (pc->gathers) {
        ck_assert_rel(r.work.etp_message_bytes, pc->gathered, 1e-12);
        iteration_plan p;
        plan_build(&sc, &r.work, &r.topo, &p);
        const collective_plan* c = &p.stage[0].chunk[0].etp_fwd;
        ck_assert_int_eq(c->shape.members, pc->gather_members);
        /* an all-gather and a reduce-scatter on a ring: two NCCL calls, each an all-gather's worth */
        ck_assert_int_eq(c->repeat, 2 * r.work.stage[0].etp_fwd_allreduces);
        double sent = 0;
        for (int k = 0; k < c->shape.phase_count; k++)
            sent += c->phase[k].steps * c->phase[k].chunk_bytes;
        ck_assert_rel(sent, (pc->gather_members - 1.0) / pc->gather_members * pc->gathered, 1e-12);
        plan_free(&p);
    }
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* The exchange is symmetric: every GPU of the stage receives what it sends
 * (DeepEP's proxies and forwarding included). */
START_TEST(every_gpu_receives_what_it_sends)
{
    const peers_case* pc = &peers_cases[_i];
    scenario sc;
    run_result r;
    load_dispatch(pc->dispatcher, 64, pc->gpn, pc->parallel, &sc, &r);
    double sent[8] = {0}, received[8] = {0};
    for (int g = 0; g < 8; g++) {
        int peers[16];
        double bytes[16];
        int n = plan_dispatch_peers(&sc, &r.topo, &r.work.dispatch, g, peers, bytes);
        for (int i = 0; i < n; i++) {
            ck_assert_int_lt(peers[i], 8);
            sent[g] += bytes[i];
            received[peers[i]] += bytes[i];
        }
    }
    for (int g = 0; g < 8; g++)
        ck_assert_rel(received[g], sent[g], 1e-12);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* ---- the MoE layer's kernels ------------------------------------------------ */

/* The permutations' bytes at HBM speed, by hand: TP 2, EP 4 x ETP 2 in one
 * node: N = 64 held, R = 256 slots, u R = 512 slots through the local
 * experts (4 of them), G = 8 GPUs in the expert group, h = 256:
 *   alltoall  permutation 2 (N + R) h, sort 4 u R h, unsort 4 u R h,
 *             unpermutation 2 (R + N) h;
 *   allgather permutation 2 (D + u R) h with D = G N P4 gathered tokens with
 *             a local expert, unpermutation 2 (u R + G N) h;
 *   flex      permutation and unpermutation 2 (D + u R) h, D = G N P4
 *             tokens received. */
START_TEST(permutations_move_the_hand_counted_bytes)
{
    const char* dispatchers[] = {"alltoall", "allgather", "flex"};
    const double h = 256, n = 64, slots = 512, group = 8, received = group * n * P4;
    const double into[] = {2 * (n + 256) * h, 2 * (received + slots) * h, 2 * (received + slots) * h};
    const double back[] = {2 * (256 + n) * h, 2 * (slots + group * n) * h, 2 * (slots + received) * h};
    for (int i = 0; i < 3; i++) {
        scenario sc;
        run_result r;
        load_dispatch(dispatchers[i], 64, 8, "{tp: 2, pp: 1, dp: 4, ep: 4, etp: 2, micro_batch: 2}", &sc, &r);
        const layer_cost* moe = &r.work.moe_layer;
        double hbm = r.work.rates.hbm_bandwidth, sorted = 0;
        const layer_kernel *permute = NULL, *unpermute = NULL;
        for (int k = 0; k < moe->count; k++) {
            if (!strcmp(moe->kernel[k].name, "token permutation"))
                permute = &moe->kernel[k];
            if (!strcmp(moe->kernel[k].name, "token unpermutation"))
                unpermute = &moe->kernel[k];
            if (strstr(moe->kernel[k].name, "sort by local expert"))
                sorted += moe->kernel[k].fwd_seconds;
        }
        ck_assert_ptr_nonnull(permute);
        ck_assert_ptr_nonnull(unpermute);
        ck_assert_rel(permute->fwd_seconds, into[i] / hbm, 1e-12);
        ck_assert_rel(permute->bwd_seconds, into[i] / hbm, 1e-12);
        ck_assert_rel(unpermute->fwd_seconds, back[i] / hbm, 1e-12);
        ck_assert_rel(sorted, i == 0 ? 2 * 4 * slots * h / hbm : 0, 1e-12);
        run_result_free(&r);
        scenario_free(&sc);
    }
}
END_TEST

/* Transformer Engine's grouped GEMM: one GEMM per local expert on 4
 * streams, so 16 experts run as 4 rounds of 4 sharing their waves, 6 as a
 * round of 4 and one of 2; each expert's fc1 is (slots) x 1024 x 256. */
START_TEST(experts_run_in_rounds_of_four_streams)
{
    const struct {
        const char* parallel;
        int         local;
    } cases[] = {{"{tp: 1, pp: 1, dp: 1, ep: 1, micro_batch: 2}", 16}, {"{tp: 1, pp: 1, dp: 8, ep: 8, micro_batch: 2}", 2}};
    for (int i = 0; i < 2; i++) {
        scenario sc;
        run_result r;
        load_dispatch("alltoall", 64, 8, cases[i].parallel, &sc, &r);
        moe_slots m;
        layer_moe_slots(&sc, &m);
        ck_assert_double_eq(m.local_experts, cases[i].local);
        const kernel_rates* k = &r.work.rates;
        double per = m.per_expert, rounds = floor(cases[i].local / 4.0), rest = cases[i].local - 4 * rounds;
        double fwd = rounds * kernel_gemm_seconds(k, per, 1024, 256, 4) + kernel_gemm_seconds(k, per, 1024, 256, rest);
        double dgrad = rounds * kernel_gemm_seconds(k, per, 256, 1024, 4) + kernel_gemm_seconds(k, per, 256, 1024, rest);
        double wgrad = rounds * kernel_gemm_seconds(k, 256, 1024, per, 4) + kernel_gemm_seconds(k, 256, 1024, per, rest);
        const layer_kernel* fc1 = NULL;
        for (int j = 0; j < r.work.moe_layer.count; j++)
            if (!strcmp(r.work.moe_layer.kernel[j].name, "expert fc1"))
                fc1 = &r.work.moe_layer.kernel[j];
        ck_assert_ptr_nonnull(fc1);
        ck_assert_rel(fc1->flops, 2.0 * per * 1024 * 256 * cases[i].local, 1e-12);
        ck_assert_rel(fc1->fwd_seconds, fwd, 1e-12);
        ck_assert_rel(fc1->dgrad_seconds, dgrad, 1e-12);
        ck_assert_rel(fc1->bwd_seconds, dgrad + wgrad, 1e-12);
        run_result_free(&r);
        scenario_free(&sc);
    }
}
END_TEST

/* ---- the simulated exchange ------------------------------------------------ */

/* The step and its expert dispatch from a trainsim process of its own. */
static void simulate(const char* dispatcher, int seq, int gpn, const char* parallel, int global_batch, double* step,
                     double* dispatch)
{
    strbuf text = {0}, out = {0};
    dispatch_text(&text, dispatcher, seq, 4, gpn, parallel, global_batch);
    char path[64];
    temp_path(path, sizeof path, ".yaml");
    run_json_text(path, strbuf_text(&text), NULL, &out);
    *step = number_in(strbuf_text(&out), "step_time_s");
    *dispatch = number_in(strbuf_text(&out), "step_breakdown_s.ep_comm");
    strbuf_free(&text);
    strbuf_free(&out);
}

/* s = 1024: N = 1,024 tokens held, 524,288 bytes; m = 2 micro-batches of
 * 2 MoE layers, 2 exchanges (or 1 gather pair) each, forward and backward.
 * One exchange, on links nothing else uses at the time, ends with its
 * slowest flow: alpha + its bytes over its share of its narrowest link.
 *   flex in a node of 8: 7 flows of S = N h 2 P2 leave and enter each GPU's
 *     NVLink: 2 us + 7 S / 400 GB/s;
 *   flex over nodes of 4: 3 NVLink flows of 2 S (GPU 0's own and GPU 4's)
 *     and one NIC flow of N h 2 P8: the NIC's 5 us + N h 2 P8 / 100 GB/s;
 *   alltoall over nodes of 4: 7 flows of R h 2 / 8, 4 of them through the
 *     NIC: 5 us + 4 R h 2 / 8 / 100 GB/s;
 *   allgather over nodes of 4 (EP 4 x ETP 2): an all-gather and a
 *     reduce-scatter on the ring of 8 over 2 nodes, each an NCCL call: its
 *     latency (hops at least NVLink's 2 us and the NIC's 5 us) + 7 steps of
 *     8 N h 2 / 8 at the NIC's 100 GB/s times its protocol's share.
 * (The all-to-alls and DeepEP's exchanges are point-to-point sends, which
 * pay their links' latency.) */
typedef struct {
    const char* dispatcher;
    int         gpn;
    const char* parallel;
    double      one;   /* seconds a exchange (or gather pair; 0: worked out by allgather_pair) */
    int         per_micro_batch;
} exchange_case;

#define N_BYTES 524288.0
static const exchange_case exchange_cases[] = {
    {"flex", 8, "{tp: 2, pp: 1, dp: 4, ep: 8, etp: 1, micro_batch: 2, zero: 0, dp_overlap: false}",
     2e-6 + 7 * N_BYTES * P2 / 400e9, 8},
    {"flex", 4, "{tp: 2, pp: 1, dp: 4, ep: 8, etp: 1, micro_batch: 2, zero: 0, dp_overlap: false}",
     5e-6 + N_BYTES * P8 / 100e9, 8},
    {"alltoall", 4, "{tp: 2, pp: 1, dp: 4, ep: 8, etp: 1, micro_batch: 2, zero: 0, dp_overlap: false}",
     5e-6 + 4 * 4 * N_BYTES / 8 / 100e9, 8},
    {"allgather", 4, "{tp: 2, pp: 1, dp: 4, ep: 4, etp: 2, micro_batch: 2, zero: 0, dp_overlap: false}", 0, 4},
};

static double one_exchange(const exchange_case* ec)
{
    return ec->one > 0 ? ec->one : 2 * expected_ring_time(0, 8, 2, 8 * N_BYTES, 2e-6, 5e-6, 100e9, NULL);
}

START_TEST(simulated_exchange_matches_its_closed_form)
{
    const exchange_case* ec = &exchange_cases[_i];
    double step, dispatch, m = 2;
    simulate(ec->dispatcher, 1024, ec->gpn, ec->parallel, 16, &step, &dispatch);
    ck_assert_rel(dispatch, m * ec->per_micro_batch * one_exchange(ec), 1e-6);
}
END_TEST

/* Going from alltoall to flex or allgather over nodes of 4 changes the step
 * by the exchanges' closed forms (above; allgather's expert group is the
 * same 8 GPUs with EP 8 x ETP 1) and the permutations' compute, nothing
 * else: the same experts, parameters and collectives. */
START_TEST(each_dispatcher_moves_the_step_by_its_closed_form)
{
    const char* parallel = "{tp: 2, pp: 1, dp: 4, ep: 8, etp: 1, micro_batch: 2, zero: 0, dp_overlap: false}";
    const char* dispatchers[] = {"alltoall", "flex", "allgather"};
    const exchange_case* form[] = {&exchange_cases[2], &exchange_cases[1], &exchange_cases[3]};
    double step[3], dispatch[3], compute[3], exchange[3], m = 2;
    for (int i = 0; i < 3; i++) {
        simulate(dispatchers[i], 1024, 4, parallel, 16, &step[i], &dispatch[i]);
        scenario sc;
        run_result r;
        load_dispatch(dispatchers[i], 1024, 4, parallel, &sc, &r);
        compute[i] = m * (r.work.stage[0].fwd_seconds + r.work.stage[0].bwd_seconds);
        exchange[i] = m * form[i]->per_micro_batch * one_exchange(form[i]);
        run_result_free(&r);
        scenario_free(&sc);
    }
    ck_assert(exchange[1] < exchange[0]);   /* flex: about half of the NIC's bytes */
    ck_assert(exchange[2] > exchange[0]);   /* allgather: every token to every GPU of the group */
    for (int i = 1; i < 3; i++)
        ck_assert_rel(step[i] - step[0], exchange[i] - exchange[0] + compute[i] - compute[0], 1e-6);
}
END_TEST

Suite* dispatch_suite(void)
{
    Suite* s = suite_create("dispatch");
    TCase* tc = tcase_create("dispatchers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, token_reach_is_the_hypergeometric_complement);
    tcase_add_test(tc, the_default_is_megatron_cores_recommendation_alltoall);
    tcase_add_loop_test(tc, each_gpu_sends_what_the_hand_count_says, 0, PEERS_CASES);
    tcase_add_loop_test(tc, every_gpu_receives_what_it_sends, 0, PEERS_CASES);
    tcase_add_test(tc, permutations_move_the_hand_counted_bytes);
    tcase_add_test(tc, experts_run_in_rounds_of_four_streams);
    tcase_add_loop_test(tc, simulated_exchange_matches_its_closed_form, 0,
                        sizeof exchange_cases / sizeof exchange_cases[0]);
    tcase_add_test(tc, each_dispatcher_moves_the_step_by_its_closed_form);
    suite_add_tcase(s, tc);
    return s;
}
