/* helpers: what several test files share: running the trainsim binary,
 * loading a scenario from text, simulating a hand-made plan, and reading
 * the JSON trainsim writes (through jansson). */
#ifndef TRAINSIM_TEST_HELPERS_H
#define TRAINSIM_TEST_HELPERS_H

#include <check.h>
#include <jansson.h>

#include "des/iteration.h"
#include "network/topology.h"
#include "plan/plan.h"
#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

typedef struct {
    int    status;    /* exit status, or 128 + signal */
    strbuf out, err;
} command_result;

/* Runs the trainsim binary ($TRAINSIM, default build/trainsim) with ARGS
 * (NULL-terminated, without the program name). */
void run_trainsim(const char* const* args, command_result* r);

/* run_trainsim, failing the test (with trainsim's stderr) unless it exits 0. */
void run_trainsim_ok(const char* const* args, command_result* r);

/* A new file name under /tmp ending in SUFFIX, unique in this run (the file
 * is removed if it exists). */
void temp_path(char* buf, size_t size, const char* suffix);

/* Writes TEXT to PATH, runs `trainsim run PATH --json` (and ARG, if not
 * NULL), removes PATH and appends the report to OUT. One file for both
 * sides of a comparison keeps the file names in the reports the same;
 * SimGrid runs once per process, so every simulation goes through the
 * command. */
void run_json_text(const char* path, const char* text, const char* arg, strbuf* out);

/* Runs the scenarios TEXT and WRITTEN (a key written out that should change
 * nothing) from one temporary file and fails the test unless their JSON
 * reports are the same bytes; the report in REPORT, if not NULL. */
void assert_same_json_report(const char* text, const char* written, strbuf* report);

/* Runs ARGV[0] (a path) with ARGV (NULL-terminated). */
void run_program(const char* const* argv, command_result* r);
void command_result_free(command_result* r);

/* Reads a whole file into a strbuf (fails the test if it cannot). */
void read_file(const char* path, strbuf* out);

/* A run level of 100 h of work, checkpoints of 3 min every hour, recovery
 * 12 min, one class of 1,000 GPUs failing every 5,000 h each (the job every
 * 5 h), spares never short; SEED and REPLICATIONS as given. */
void renewal_campaign_input(campaign_input* in, unsigned long long seed, int replications);

/* Runs trainsim with ARGV (NULL-terminated) and fails the test unless it is
 * a usage error: exit 2, nothing on stdout, the usage on stderr. */
void assert_usage_error(const char* const* argv);

/* Writes TEXT as the whole file PATH (fails the test if it cannot). */
void write_text(const char* path, const char* text);

/* Loads scenario TEXT; fails the test with the loader's message on error. */
void load_scenario(const char* text, scenario* sc);

/* Loads scenario TEXT expecting an error; returns the message (owned by D). */
const char* load_error(const char* text, diag* d, scenario* sc);

/* A small dense scenario, with printf-style overrides appended to sections:
 * tiny_scenario(buf, model_extra, cluster_extra, parallel_extra, training_extra). */
void tiny_scenario(strbuf* out, const char* model, const char* cluster, const char* parallel,
                   const char* training);

/* Replaces the first OLD in TEXT by NEW (fails the test if OLD is absent). */
void replace_once(strbuf* text, const char* old, const char* new_text);

/* Loads scenario TEXT and simulates it; fails the test unless both succeed. */
void simulate_scenario(const char* text, scenario* sc, run_result* r);

/* A topology of NODES nodes of GPUS_PER_NODE GPUs, one NIC each of BANDWIDTH
 * bytes/s and one-way LATENCY, non-blocking, no islands. */
void simple_topology(topology* t, int nodes, int gpus_per_node, double bandwidth, double latency);

/* Loads a platform of two one-GPU nodes, for actors that need a host
 * (the run level's trainer and failures run on "gpu-0"). */
void load_two_gpu_platform(void);

/* Loads T's nodes used by PLAN into SimGrid and runs one step. */
void simulate_plan(const topology* t, iteration_plan* plan, int stepwise, step_profile* out);

/* A one-stage, one-micro-batch plan on GPUS that computes nothing. */
void empty_plan(iteration_plan* p, const int* gpus, int gpu_count);

/* A plan that only runs OP by ALGORITHM over members 0..N-1 on GPUs 0..N-1
 * of T, PER_NODE to a node, with every flow of every phase, each phase an
 * NCCL call as the plan builder makes it (its hops no faster than T's
 * NVLink and NIC latencies). The first flow is a slowest one: the flows
 * start from the last member of the first node, whose ring hop leaves the
 * node. */
void collective_only_plan(iteration_plan* p, const topology* t, collective_kind algorithm, collective_op op, int n,
                          int per_node, double payload);

/* Simulates that plan (STEPWISE: every step its own transfer) and returns
 * its step time, checking that all of it is exposed DP time. */
double simulated_collective(const topology* t, collective_kind algorithm, collective_op op, int n, int per_node,
                            double payload, int stepwise);

/* TEXT (LEN bytes) as strict JSON, duplicate keys refused; fails the test
 * with jansson's message and position unless it parses. json_decref it. */
json_t* parse_json(const char* text, size_t len);

/* The value at PATH in ROOT: object keys and list indices joined by dots,
 * "wall_clock_days.mean", "batch_phases.1.tokens"; fails the test when
 * there is none. */
const json_t* value_at(const json_t* root, const char* path);

/* The number (integer or real) at PATH in ROOT, exactly as it was read;
 * fails the test unless there is one. */
double number_at(const json_t* root, const char* path);

/* number_at in the JSON text JSON (a whole report), parsed for the call. */
double number_in(const char* json, const char* path);

/* NCCL's cost model (src/graph/tuning.cc at v2.21.5-1), written out again
 * from NCCL's tables for the tests, independently of sim/model/nccl_cost.c.
 * Protocols 0 LL, 1 LL128, 2 Simple. Latencies in seconds of a ring
 * (ALL_REDUCE or reduce-scatter / all-gather) and of the tree all-reduce
 * over N ranks on NODES nodes, every hop inside a node at least INTRA and
 * across nodes at least INTER (their links' latency). */
double expected_ring_latency(int all_reduce, int n, int nodes, int protocol, double intra, double inter);
double expected_tree_latency(int n, int nodes, int protocol, double intra, double inter);

/* The ring's share of the Simple protocol's bandwidth under PROTOCOL. */
double expected_ring_efficiency(int n, int nodes, int protocol);

/* The tree's share of the Simple ring's bandwidth under PROTOCOL moving
 * BYTES: 0.92 x the protocol's (1/3.8, 120/128 or 7/9 on one node, 1) x
 * 0.85 with one rank a node x the measured correction for the size. */
double expected_tree_efficiency(int n, int nodes, int protocol, double bytes);

/* NCCL's predicted time of a ring collective of PAYLOAD (its whole buffer)
 * at BANDWIDTH per rank: the least over the protocols of its latency plus
 * steps x payload / (n x bandwidth x efficiency); the winner in *PROTOCOL
 * when not NULL. */
double expected_ring_time(int all_reduce, int n, int nodes, double payload, double intra, double inter,
                          double bandwidth, int* protocol);

/* |a - b| <= tolerance * |b| */
#define ck_assert_rel(a, b, tolerance)                                                        \
    do {                                                                                      \
        double a_ = (a), b_ = (b);                                                            \
        ck_assert_msg(fabs(a_ - b_) <= (tolerance) * fabs(b_),                                \
                      "%s = %.9g, expected %.9g within %.3g %%", #a, a_, b_, 100.0 * (tolerance)); \
    } while (0)

Suite* units_suite(void);
Suite* yaml_suite(void);
Suite* scenario_suite(void);
Suite* workload_suite(void);
Suite* model_keys_suite(void);
Suite* kernels_suite(void);
Suite* memory_suite(void);
Suite* schedule_suite(void);
Suite* platform_suite(void);
Suite* link_share_suite(void);
Suite* collective_suite(void);
Suite* nccl_suite(void);
Suite* iteration_suite(void);
Suite* cli_suite(void);
Suite* bound_suite(void);
Suite* workers_suite(void);
Suite* detail_suite(void);
Suite* campaign_suite(void);
Suite* ettr_suite(void);
Suite* power_suite(void);
Suite* sweep_suite(void);
Suite* plot_suite(void);
Suite* trace_suite(void);
Suite* teach_suite(void);
Suite* report_suite(void);
Suite* json_suite(void);
Suite* tutorial_suite(void);
Suite* determinism_suite(void);
Suite* install_suite(void);
Suite* slurm_suite(void);
Suite* layers_suite(void);
Suite* import_suite(void);
Suite* stage_layers_suite(void);
Suite* tp_overlap_suite(void);
Suite* param_gather_suite(void);
Suite* cp_suite(void);
Suite* moe_suite(void);
Suite* dispatch_suite(void);
Suite* gpu_speed_suite(void);
Suite* uncertainty_suite(void);
Suite* uncertainty_run_suite(void);
Suite* outputs_suite(void);
Suite* rows_suite(void);
Suite* invariants_suite(void);

#endif
