/* test_stage_layers: parallelism.stage_layers, the layers of each model
 * chunk. Read and checked (the messages of the bad-input corpus are in
 * tests/bad/stage-layers-*), turned into the stages' work by the layers
 * each holds, the even split written out giving the very bytes of the
 * default, moving a layer changing the step by the closed form of a
 * pipeline whose slowest stage governs, and chunks of no layer (only the
 * embedding, only the LM head, or nothing) simulated and reported. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "model/workload.h"

/* A scenario of LAYERS layers on PP one-GPU nodes (dp 1, tp 1), PARALLEL
 * added to the parallelism mapping; fast links, no latency and a vocabulary
 * of one, so that compute alone sets the step. */
static void pipeline_text(strbuf* out, int layers, int pp, int global_batch, const char* parallel)
{
    strbuf_printf(out,
                  "format: 1\n"
                  "name: stages\n"
                  "model: {layers: %d, hidden: 1024, heads: 16, vocab: 1, seq_len: 1024}\n"
                  "gpu: a100-sxm4-80gb\n"
                  "cluster:\n  nodes: %d\n  gpus_per_node: 1\n"
                  "  nic: {count: 1, bandwidth: 100000Gbps, latency: 0s, efficiency: 1}\n"
                  "parallelism: {tp: 1, pp: %d, dp: 1, recompute: none%s}\n"
                  "training: {global_batch: %d, iterations: 1}\n",
                  layers, pp, pp, parallel, global_batch);
}

/* ---- reading and checking ---------------------------------------------- */

START_TEST(stated_layers_are_read_and_empty_means_even)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, "  stage_layers: [1, 3]\n", NULL);
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_int_eq(sc.par.stage_layer_count, 2);
    ck_assert_int_eq(sc.par.stage_layers[0], 1);
    ck_assert_int_eq(sc.par.stage_layers[1], 3);
    scenario_free(&sc);
    strbuf_free(&text);

    tiny_scenario(&text, NULL, NULL, "  stage_layers: []\n", NULL);
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_int_eq(sc.par.stage_layer_count, 0);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

/* An entry's problem points at the entry, in a block list too; a count or a
 * sum that does not fit points at the key. */
START_TEST(errors_point_at_the_entry_or_the_key)
{
    const struct {
        const char* lines;
        const char* message;
    } cases[] = {
        {"  stage_layers:\n    - 2\n    - two\n",
         "test.yaml:18:7: parallelism.stage_layers[1]: expected a non-negative integer no larger than 100000, "
         "found \"two\""},
        {"  stage_layers: [4, 0, 0]\n",
         "test.yaml:16:17: parallelism.stage_layers: expected pp x virtual_stages (2 x 1 = 2) entries, one per "
         "model chunk, found 3 entries"},
        {"  stage_layers: [0, 0]\n",
         "test.yaml:16:17: parallelism.stage_layers: expected entries adding up to model.layers (4), found "
         "entries adding up to 0"},
        {"  stage_layers: {first: 4}\n",
         "test.yaml:16:17: parallelism.stage_layers: expected a list of the layers of each model chunk "
         "(non-negative integers), found a mapping"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        strbuf text = {0};
        tiny_scenario(&text, NULL, NULL, cases[i].lines, NULL);
        scenario sc;
        diag d;
        ck_assert_str_eq(load_error(strbuf_text(&text), &d, &sc), cases[i].message);
        diag_free(&d);
        scenario_free(&sc);
        strbuf_free(&text);
    }
}
END_TEST

/* Without stage_layers an interleaved schedule still needs layers that
 * split evenly into pp x v chunks; with them it does not, but the
 * micro-batches must still come in whole groups of pp. */
START_TEST(stated_layers_lift_only_the_even_split_of_interleaving)
{
    const char* interleaved = "  schedule: interleaved\n  virtual_stages: 2\n";
    strbuf text = {0};
    tiny_scenario(&text, "  layers: 7\n", NULL, interleaved, NULL);
    replace_once(&text, "  layers: 4\n", "");
    scenario sc;
    diag d;
    ck_assert_str_eq(load_error(strbuf_text(&text), &d, &sc),
                     "test.yaml:17:19: parallelism.virtual_stages: expected a divisor of model.layers / pp (7 "
                     "layers over 2 stages) with schedule: interleaved, found 2");
    diag_free(&d);
    scenario_free(&sc);
    strbuf_free(&text);

    tiny_scenario(&text, "  layers: 7\n", NULL, "  schedule: interleaved\n  virtual_stages: 2\n"
                  "  stage_layers: [1, 2, 2, 2]\n", NULL);
    replace_once(&text, "  layers: 4\n", "");
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_int_eq(sc.par.stage_layer_count, 4);
    scenario_free(&sc);
    /* 36 sequences over dp 4: 9 micro-batches per pipeline, not a multiple of pp 2. */
    replace_once(&text, "global_batch: 32", "global_batch: 36");
    ck_assert_str_eq(load_error(strbuf_text(&text), &d, &sc),
                     "test.yaml:20:17: training.global_batch: expected a number of micro-batches per pipeline "
                     "that is a multiple of pp (2) with schedule: interleaved, found 9 micro-batches");
    diag_free(&d);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

/* ---- the stages' work ---------------------------------------------------- */

/* Each virtual stage holds its stated layers, in model order, chunk i on
 * rank i mod pp; its compute, TP collectives, MoE layers (by their global
 * index) and parameters follow from them. */
START_TEST(stages_hold_their_stated_layers)
{
    /* 8 layers, an MoE MLP every second one (layers 2, 4, 6, 8: indices 1, 3, 5, 7). */
    scenario sc;
    strbuf text = {0};
    strbuf_printf(&text,
                  "format: 1\n"
                  "model: {layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024,"
                  " moe: {experts: 4, top_k: 2, every: 2, dispatcher: alltoall}}\n"
                  "gpu: a100-sxm4-80gb\ncluster: {nodes: 2}\n"
                  "parallelism: {tp: 2, pp: 2, dp: 4, ep: 2, schedule: interleaved, virtual_stages: 2,"
                  " recompute: none, stage_layers: [0, 3, 4, 1]}\n"
                  "training: {global_batch: 32, tokens: 1e9}\n");
    load_scenario(strbuf_text(&text), &sc);
    workload w;
    workload_build(&sc, &w);
    const int first[] = {0, 0, 3, 7}, layers[] = {0, 3, 4, 1}, moe[] = {0, 1, 2, 1};
    const layer_cost *dense = &w.dense_layer, *expert = &w.moe_layer;
    for (int i = 0; i < 4; i++) {
        const stage_work* st = &w.stage[i];
        ck_assert_int_eq(st->first_layer, first[i]);
        ck_assert_int_eq(st->layers, layers[i]);
        int f, n;
        workload_stage_layers(&sc, i, 4, &f, &n);
        ck_assert_int_eq(f, first[i]);
        ck_assert_int_eq(n, layers[i]);
        ck_assert_int_eq(st->moe_layers, moe[i]);
        ck_assert_int_eq(st->has_embedding, i == 0);
        ck_assert_int_eq(st->has_head, i == 3);
        /* TP: 2 all-reduces per dense layer each way, 1 per MoE layer (its
         * routed experts' tokens move by the dispatcher), the embedding's
         * forward and the head's backward one. */
        ck_assert_int_eq(st->tp_fwd_allreduces, 2 * (layers[i] - moe[i]) + moe[i] + (i == 0));
        ck_assert_int_eq(st->tp_bwd_allreduces, 2 * (layers[i] - moe[i]) + moe[i] + (i == 3));
        ck_assert_int_eq(st->ep_fwd_alltoalls, 2 * moe[i]);
        double layer_seconds = (layers[i] - moe[i]) * dense->fwd_seconds + moe[i] * expert->fwd_seconds;
        if (i == 1 || i == 2)   /* neither the embedding nor the head */
            ck_assert_rel(st->fwd_seconds, layer_seconds, 1e-12);
    }
    /* The first chunk holds only the embedding: some compute, less than a layer. */
    ck_assert(w.stage[0].fwd_seconds > 0 && w.stage[0].fwd_seconds < dense->fwd_seconds);
    ck_assert_double_eq(w.stage[0].expert_params, 0);
    /* Chunk i runs on rank i mod pp: rank 0 holds chunks 0 and 2, rank 1 chunks 1 and 3. */
    ck_assert_ptr_eq(workload_chunk(&w, 0, 1), &w.stage[2]);
    ck_assert_ptr_eq(workload_chunk(&w, 1, 0), &w.stage[1]);
    ck_assert_rel(w.rank[0].dense_params, w.stage[0].dense_params + w.stage[2].dense_params, 1e-12);
    /* The parameters are the model's, wherever its layers are: the same sum as the even split's. */
    double stated = 0;
    for (int i = 0; i < 4; i++)
        stated += w.stage[i].dense_params + w.stage[i].expert_params;
    workload_free(&w);
    scenario even = sc;
    even.par.stage_layer_count = 0;
    workload_build(&even, &w);
    double split_evenly = 0;
    for (int i = 0; i < 4; i++)
        split_evenly += w.stage[i].dense_params + w.stage[i].expert_params;
    ck_assert_rel(stated, split_evenly, 1e-12);
    workload_free(&w);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

/* ---- the simulation -------------------------------------------------------- */

/* The even split written out is the default: the same report, byte for byte
 * (the file's name is in the report, so both are run from the same path). */
START_TEST(the_even_split_written_out_changes_nothing)
{
    const char* commands[] = {"run", "explain", "schedule"};
    char path[256];
    temp_path(path, sizeof path, ".yaml");
    strbuf plain = {0}, stated = {0};
    pipeline_text(&plain, 10, 4, 8, "");   /* 10 layers on 4 stages: 3, 3, 2, 2 */
    pipeline_text(&stated, 10, 4, 8, ", stage_layers: [3, 3, 2, 2]");
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
        command_result a, b;
        write_text(path, strbuf_text(&plain));
        run_trainsim_ok((const char*[]){commands[c], path, c == 0 ? "--json" : NULL, NULL}, &a);
        write_text(path, strbuf_text(&stated));
        run_trainsim_ok((const char*[]){commands[c], path, c == 0 ? "--json" : NULL, NULL}, &b);
        ck_assert_msg(a.out.len > 0 && a.out.len == b.out.len && memcmp(a.out.data, b.out.data, a.out.len) == 0,
                      "%s: the stated even split changed the output", commands[c]);
        command_result_free(&a);
        command_result_free(&b);
    }
    unlink(path);
    strbuf_free(&plain);
    strbuf_free(&stated);
}
END_TEST

/* The pipeline's time of SPLIT (step time less the optimizer and the exposed
 * DP communication, docs/model.md "Step breakdown"), simulated by the binary. */
static double simulated_pipeline(const char* schedule, const char* split)
{
    char path[256], extra[128];
    temp_path(path, sizeof path, ".yaml");
    snprintf(extra, sizeof extra, ", schedule: %s, stage_layers: %s", schedule, split);
    strbuf text = {0};
    pipeline_text(&text, 8, 4, 12, extra);
    write_text(path, strbuf_text(&text));
    command_result r;
    run_trainsim_ok((const char*[]){"run", path, "--json", NULL}, &r);
    const char* json = strbuf_text(&r.out);
    double pipeline = number_in(json, "step_time_s") - number_in(json, "step_breakdown_s.optimizer")
                    - number_in(json, "step_breakdown_s.dp_comm_exposed");
    command_result_free(&r);
    unlink(path);
    strbuf_free(&text);
    return pipeline;
}

/* The closed form of SPLIT's pipeline, from the stages' per-micro-batch
 * times (the workload: pure arithmetic, no simulation). GPipe's is the
 * makespan of m identical jobs through a p-machine flow shop, sum(f) + (m-1)
 * max(f) + sum(b) + (m-1) max(b); with the slowest stage k last (in both
 * passes) it is sum_{s<k} (f_s + b_s) + m (f_k + b_k), which 1F1B reaches too:
 * the last stage never waits once its first input has arrived. */
static double closed_form_pipeline(const char* split, int slowest_last)
{
    strbuf text = {0};
    char extra[128];
    snprintf(extra, sizeof extra, ", stage_layers: %s", split);
    pipeline_text(&text, 8, 4, 12, extra);
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    workload w;
    workload_build(&sc, &w);
    int p = 4, m = 12;
    double sum_f = 0, sum_b = 0, max_f = 0, max_b = 0;
    for (int s = 0; s < p; s++) {
        sum_f += w.stage[s].fwd_seconds;
        sum_b += w.stage[s].bwd_seconds;
        max_f = fmax(max_f, w.stage[s].fwd_seconds);
        max_b = fmax(max_b, w.stage[s].bwd_seconds);
    }
    double last = w.stage[p - 1].fwd_seconds + w.stage[p - 1].bwd_seconds;
    if (slowest_last)
        ck_assert(w.stage[p - 1].fwd_seconds == max_f && w.stage[p - 1].bwd_seconds == max_b);
    double gpipe = sum_f + (m - 1) * max_f + sum_b + (m - 1) * max_b;
    double governed = sum_f + sum_b - last + m * last;
    workload_free(&w);
    scenario_free(&sc);
    strbuf_free(&text);
    return slowest_last ? governed : gpipe;
}

/* A dense layer's forward and backward time per micro-batch, in the
 * scenarios above. */
static double layer_seconds(void)
{
    strbuf text = {0};
    pipeline_text(&text, 8, 4, 12, "");
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    workload w;
    workload_build(&sc, &w);
    double t = w.dense_layer.fwd_seconds + w.dense_layer.bwd_seconds;
    workload_free(&w);
    scenario_free(&sc);
    strbuf_free(&text);
    return t;
}

/* Moving layers between stages moves the step by what the closed form
 * predicts: one layer taken from the first stage and given to the last
 * makes the last the slowest by a layer, and the pipeline (m - 1 micro-
 * batches behind the first through it) longer by (m - 1)(t_f + t_b)
 * of a layer; one moved into a middle stage does the same through GPipe's
 * flow shop. The closed forms leave out the hand-overs: 2(p - 1) of them on
 * the critical path, each 2 MiB at 12.5 TB/s, 0.168 us, a millionth of the
 * step's ~30 ms apart from rounding, once added (the even split's check);
 * they are the same in both runs, so the difference holds to the same 1e-6. */
START_TEST(moving_a_layer_moves_the_step_by_the_closed_form)
{
    const struct {
        const char* schedule;
        const char* moved;
        int         slowest_last;
    } cases[] = {
        {"gpipe", "[1, 2, 2, 3]", 1},
        {"1f1b", "[1, 2, 2, 3]", 1},
        {"gpipe", "[2, 1, 3, 2]", 0},
        {"gpipe", "[0, 2, 2, 4]", 1},
    };
    const char* even = "[2, 2, 2, 2]";
    double even_gpipe = simulated_pipeline("gpipe", even);
    double even_closed = closed_form_pipeline(even, 0);
    double hand_over = 1024.0 * 1024 * 2 / 12.5e12;   /* T h 2 bytes over 100000 Gb/s */
    ck_assert_rel(even_gpipe, even_closed + 2 * (4 - 1) * hand_over, 1e-6);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double before = strcmp(cases[i].schedule, "gpipe") ? simulated_pipeline(cases[i].schedule, even) : even_gpipe;
        double after = simulated_pipeline(cases[i].schedule, cases[i].moved);
        double predicted = closed_form_pipeline(cases[i].moved, cases[i].slowest_last) - even_closed;
        ck_assert_msg(predicted > 0, "%s: moving a layer onto a stage should lengthen the step", cases[i].moved);
        ck_assert_rel(after - before, predicted, 1e-6);
        /* In layers: the last stage, already the slowest (the LM head), gains
         * one and the first loses one: m (t_f + t_b) - (t_f + t_b). */
        if (strcmp(cases[i].moved, "[1, 2, 2, 3]") == 0)
            ck_assert_rel(after - before, (12 - 1) * layer_seconds(), 1e-6);
    }
}
END_TEST

/* A first chunk with only the embedding, a last one with only the LM head,
 * and an interleaved middle chunk with nothing at all: every command
 * simulates and reports them. */
START_TEST(chunks_without_layers_simulate_and_report)
{
    const char* splits[] = {
        ", stage_layers: [0, 3, 3, 2]",
        ", stage_layers: [3, 3, 2, 0]",
        ", schedule: interleaved, virtual_stages: 2, stage_layers: [0, 4, 0, 3, 1, 0, 0, 0]",
    };
    const char* commands[] = {"run", "explain", "schedule", "check"};
    char path[256], page[256];
    temp_path(path, sizeof path, ".yaml");
    temp_path(page, sizeof page, ".html");
    for (size_t i = 0; i < sizeof splits / sizeof *splits; i++) {
        strbuf text = {0};
        pipeline_text(&text, 8, 4, 8, splits[i]);
        replace_once(&text, "tp: 1", "tp: 2");
        replace_once(&text, "gpus_per_node: 1", "gpus_per_node: 2");
        replace_once(&text, "nodes: 4", "nodes: 8");
        replace_once(&text, "dp: 1", "dp: 2");
        replace_once(&text, "recompute: none", "recompute: full, zero: 3");
        write_text(path, strbuf_text(&text));
        command_result r;
        for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
            run_trainsim_ok((const char*[]){commands[c], path, NULL}, &r);
            ck_assert_msg(strstr(strbuf_text(&r.out), " nan") == NULL && strstr(strbuf_text(&r.out), "-nan") == NULL,
                          "%s %s: nan", commands[c], splits[i]);
            command_result_free(&r);
        }
        run_trainsim_ok((const char*[]){"report", path, "-o", page, NULL}, &r);
        command_result_free(&r);
        run_trainsim_ok((const char*[]){"run", path, "--json", NULL}, &r);
        json_t* root = parse_json(r.out.data, r.out.len);
        ck_assert(json_is_true(value_at(root, "feasible")));
        ck_assert(number_at(root, "step_time_s") > 0);
        ck_assert(number_at(root, "memory_per_gpu_bytes.total") > 0);
        json_decref(root);
        command_result_free(&r);
        strbuf_free(&text);
    }
    unlink(path);
    unlink(page);
}
END_TEST

Suite* stage_layers_suite(void)
{
    Suite* s = suite_create("stage_layers");
    TCase* load = tcase_create("load");
    tcase_add_test(load, stated_layers_are_read_and_empty_means_even);
    tcase_add_test(load, errors_point_at_the_entry_or_the_key);
    tcase_add_test(load, stated_layers_lift_only_the_even_split_of_interleaving);
    tcase_add_test(load, stages_hold_their_stated_layers);
    suite_add_tcase(s, load);
    TCase* sim = tcase_create("simulation");
    tcase_set_timeout(sim, 60);
    tcase_add_test(sim, the_even_split_written_out_changes_nothing);
    tcase_add_test(sim, moving_a_layer_moves_the_step_by_the_closed_form);
    tcase_add_test(sim, chunks_without_layers_simulate_and_report);
    suite_add_tcase(s, sim);
    return s;
}
