/* helpers: shared test utilities (see helpers.h). */
#include "helpers.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "input/scenario_load.h"
#include "network/platform_xml.h"
#include "plan/link_share.h"
#include "network/simgrid_start.h"

void renewal_campaign_input(campaign_input* in, unsigned long long seed, int replications)
{
    const double hour = 3600;
    memset(in, 0, sizeof *in);
    in->work_seconds = 100 * hour;
    in->checkpoint_seconds = 0.05 * hour;
    in->load_seconds = 0.05 * hour;
    in->interval_seconds = 1 * hour;
    in->detect = 0.05 * hour;
    in->restart = 0.1 * hour;
    in->spares = -1;
    in->distribution = DIST_EXPONENTIAL;
    in->class_count = 1;
    in->classes[0] = (failure_class){FAIL_GPU, 1000, 5000 * hour, 24 * hour};
    in->seed = seed;
    in->replications = replications;
}

void assert_usage_error(const char* const* argv)
{
    command_result r;
    run_trainsim(argv, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(strbuf_text(&r.out), "");
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "usage: trainsim"));
    command_result_free(&r);
}

void write_text(const char* path, const char* text)
{
    FILE* f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

void read_file(const char* path, strbuf* out)
{
    FILE* f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        strbuf_append_n(out, chunk, n);
    fclose(f);
}

static const char* trainsim_path(void)
{
    const char* p = getenv("TRAINSIM");
    return p && *p ? p : "build/trainsim";
}

void run_trainsim(const char* const* args, command_result* r)
{
    const char* argv[32] = {trainsim_path()};
    int argc = 1;
    for (int i = 0; args[i] && argc < 31; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    run_program(argv, r);
}

void run_program(const char* const* argv, command_result* r)
{
    memset(r, 0, sizeof *r);
    char out_path[] = "/tmp/trainsim-test-out-XXXXXX";
    char err_path[] = "/tmp/trainsim-test-err-XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    ck_assert(out_fd >= 0 && err_fd >= 0);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execv(argv[0], (char* const*)argv);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    close(out_fd);
    close(err_fd);
    read_file(out_path, &r->out);
    read_file(err_path, &r->err);
    unlink(out_path);
    unlink(err_path);
}

void command_result_free(command_result* r)
{
    strbuf_free(&r->out);
    strbuf_free(&r->err);
}

void load_scenario(const char* text, scenario* sc)
{
    diag d;
    diag_init(&d, "test.yaml");
    int status = scenario_load_text("test.yaml", text, sc, &d);
    ck_assert_msg(status == 0, "scenario did not load: %s", strbuf_text(&d.message));
    diag_free(&d);
}

const char* load_error(const char* text, diag* d, scenario* sc)
{
    diag_init(d, "test.yaml");
    int status = scenario_load_text("test.yaml", text, sc, d);
    ck_assert_msg(status != 0, "scenario loaded but an error was expected");
    return strbuf_text(&d->message);
}

void tiny_scenario(strbuf* out, const char* model, const char* cluster, const char* parallel,
                   const char* training)
{
    strbuf_printf(out,
                  "format: 1\n"
                  "model:\n  layers: 4\n  hidden: 1024\n  heads: 16\n  vocab: 32000\n  seq_len: 1024\n%s"
                  "gpu: a100-sxm4-80gb\n"
                  "cluster:\n  nodes: 2\n%s"
                  "parallelism:\n  tp: 2\n  pp: 2\n  dp: 4\n  recompute: none\n%s"
                  "training:\n  global_batch: 32\n  tokens: 1e9\n%s",
                  model ? model : "", cluster ? cluster : "", parallel ? parallel : "",
                  training ? training : "");
}

void simple_topology(topology* t, int nodes, int gpus_per_node, double bandwidth, double latency)
{
    memset(t, 0, sizeof *t);
    t->nodes = nodes;
    t->gpus_per_node = gpus_per_node;
    t->gpu_speed = 1e12;
    t->nvlink = (link_spec){bandwidth, latency, 1.0};
    t->nic_links = 1;
    t->nic = (link_spec){bandwidth, latency, 1.0};
    t->uplink_bandwidth = bandwidth;
    t->inter_island = (link_spec){bandwidth, latency, 1.0};
}

void load_two_gpu_platform(void)
{
    topology t;
    simple_topology(&t, 2, 1, 25e9, 1e-6);
    int gpus[] = {0, 1};
    strbuf xml = {0};
    platform_xml(&t, gpus, 2, NULL, 0, &xml);
    ck_assert_int_eq(platform_load(strbuf_text(&xml)), 0);
    strbuf_free(&xml);
}

void simulate_plan(const topology* t, iteration_plan* plan, int stepwise, step_profile* out)
{
    plan->gpus_per_node = t->gpus_per_node;
    strbuf xml = {0};
    run_platform_xml(t, plan, &xml);
    ck_assert_int_eq(platform_load(strbuf_text(&xml)), 0);
    strbuf_free(&xml);
    iteration_options opt = {.stepwise_collectives = stepwise};
    iteration_simulate(plan, &opt, out, NULL);
}

void replace_once(strbuf* text, const char* old, const char* new_text)
{
    const char* at = strstr(strbuf_text(text), old);
    ck_assert_msg(at != NULL, "'%s' is not in the scenario", old);
    strbuf out = {0};
    strbuf_append_n(&out, text->data, (size_t)(at - text->data));
    strbuf_append(&out, new_text);
    strbuf_append(&out, at + strlen(old));
    strbuf_free(text);
    *text = out;
}

void simulate_scenario(const char* text, scenario* sc, run_result* r)
{
    load_scenario(text, sc);
    run_options opt = {0};
    ck_assert_int_eq(run_simulate(sc, &opt, r), 0);
}

json_t* parse_json(const char* text, size_t len)
{
    json_error_t error;
    json_t* root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
    ck_assert_msg(root != NULL, "not JSON: line %d, column %d: %s", error.line, error.column, error.text);
    return root;
}

/* The member of V that PART names: a key of an object, an index of a list. */
static const json_t* part_of(const json_t* v, const char* part)
{
    if (json_is_array(v)) {
        char* end;
        unsigned long i = strtoul(part, &end, 10);
        return *part >= '0' && *part <= '9' && !*end ? json_array_get(v, i) : NULL;
    }
    return json_object_get(v, part);
}

const json_t* value_at(const json_t* root, const char* path)
{
    char parts[256];
    ck_assert_uint_lt(strlen(path), sizeof parts);
    strcpy(parts, path);
    const json_t* v = root;
    char* rest = NULL;
    for (char* part = strtok_r(parts, ".", &rest); part && v; part = strtok_r(NULL, ".", &rest))
        v = part_of(v, part);
    ck_assert_msg(v != NULL, "no %s in the JSON", path);
    return v;
}

double number_at(const json_t* root, const char* path)
{
    const json_t* v = value_at(root, path);
    ck_assert_msg(json_is_number(v), "%s is not a number", path);
    return json_number_value(v);
}

double number_in(const char* json, const char* path)
{
    json_t* root = parse_json(json, strlen(json));
    double n = number_at(root, path);
    json_decref(root);
    return n;
}

void run_trainsim_ok(const char* const* args, command_result* r)
{
    run_trainsim(args, r);
    ck_assert_msg(r->status == 0, "trainsim %s exited %d: %s", args[0], r->status, strbuf_text(&r->err));
}

void run_json_text(const char* path, const char* text, const char* arg, strbuf* out)
{
    FILE* f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    command_result r;
    run_trainsim_ok((const char*[]){"run", path, "--json", arg, NULL}, &r);
    unlink(path);
    strbuf_append(out, strbuf_text(&r.out));
    command_result_free(&r);
}

void assert_same_json_report(const char* text, const char* written, strbuf* report)
{
    char path[64];
    temp_path(path, sizeof path, ".yaml");
    strbuf a = {0}, b = {0};
    run_json_text(path, text, NULL, &a);
    run_json_text(path, written, NULL, &b);
    ck_assert_msg(strcmp(strbuf_text(&a), strbuf_text(&b)) == 0, "the JSON reports differ");
    if (report)
        strbuf_append(report, strbuf_text(&a));
    strbuf_free(&a);
    strbuf_free(&b);
}

void temp_path(char* buf, size_t size, const char* suffix)
{
    static int serial;
    snprintf(buf, size, "/tmp/trainsim-test-%d-%d%s", (int)getpid(), serial++, suffix);
    unlink(buf);
}

/* ---- NCCL's cost model, for the expected values ------------------------- */

/* tuning.cc:56-59 (baseLat) and 65-78 (hwLat: NVLink, network), in
 * microseconds: [tree, ring][LL, LL128, Simple]. */
static const double nccl_base[2][3] = {{6.8, 14.0, 0.0}, {6.6, 14.0, 8.4}};
static const double nccl_nvlink[2][3] = {{0.6, 1.25, 28.0}, {0.6, 1.9, 3.4}};
static const double nccl_net[2][3] = {{5.0, 8.5, 28.0}, {2.7, 4.0, 14.0}};

static double at_least(double us, double alpha)
{
    return us * 1e-6 > alpha ? us * 1e-6 : alpha;
}

double expected_ring_latency(int all_reduce, int n, int nodes, int protocol, double intra, double inter)
{
    int steps = all_reduce ? 2 * (n - 1) : n - 1;
    int inter_steps = all_reduce ? (nodes > 1 ? 2 * nodes : 0) : nodes - 1;
    double in_node = at_least(nccl_nvlink[1][protocol], intra);
    if (nodes > 1)   /* a network step's launch: 1 us, 3 us with Simple (tuning.cc:245-247) */
        in_node = fmax(in_node, protocol == 2 ? 3e-6 : 1e-6);
    double latency = nccl_base[1][protocol] * 1e-6 + (steps - inter_steps) * in_node
                   + inter_steps * at_least(nccl_net[1][protocol], inter);
    return all_reduce && nodes > 1 && protocol == 2 ? 1.4 * latency : latency;   /* the ring's plateau */
}

double expected_tree_latency(int n, int nodes, int protocol, double intra, double inter)
{
    int depth = 0;
    for (int m = nodes; m > 1; m /= 2)
        depth++;
    return nccl_base[0][protocol] * 1e-6
         + 2 * ((n / nodes - 1) * at_least(nccl_nvlink[0][protocol], intra)
                + depth * at_least(nccl_net[0][protocol], inter));
}

double expected_ring_efficiency(int n, int nodes, int protocol)
{
    if (protocol == 0)
        return 0.5;
    if (protocol == 1)
        return n < 2 * nodes ? 0.7 : 0.92;
    return 1.0;
}

/* tuning.cc:412-416, by log2(bytes / 64). */
static const double tree_correction[3][23] = {
    {1.0, 1.0, 1.0, 1.0, .9, .8, .7, .7, .7, .7, .6, .5, .4, .4, .5, .6, .7, .8, .9, 1.0, 1.0, 1.0, 1.0},
    {1.0, 1.0, 1.0, 1.0, 1.0, .9, .8, .8, .8, .7, .6, .6, .6, .6, .6, .6, .8, .9, .9, .9, .9, 1.0, 1.0},
    {.9, .9, .9, .9, .9, .9, .9, .8, .7, .6, .6, .5, .5, .5, .5, .6, .7, .8, .7, .7, .8, .9, .9},
};

double expected_tree_efficiency(int n, int nodes, int protocol, double bytes)
{
    const double share[3] = {1 / 3.8, nodes == 1 ? 7.0 / 9 : 120.0 / 128, 1};
    double e = 0.92 * share[protocol] * (n == nodes ? 0.85 : 1);
    int size = (int)floor(log2(bytes / 64));
    return size < 23 ? e * tree_correction[protocol][size < 0 ? 0 : size] : e;
}

double expected_ring_time(int all_reduce, int n, int nodes, double payload, double intra, double inter,
                          double bandwidth, int* protocol)
{
    int steps = all_reduce ? 2 * (n - 1) : n - 1, best = 0;
    double least = INFINITY;
    for (int p = 0; p < 3; p++) {
        double t = expected_ring_latency(all_reduce, n, nodes, p, intra, inter)
                 + steps * payload / (n * bandwidth * expected_ring_efficiency(n, nodes, p));
        if (t < least) {
            least = t;
            best = p;
        }
    }
    if (protocol)
        *protocol = best;
    return least;
}

/* ---- hand-made plans ------------------------------------------------------ */

/* A one-stage, one-micro-batch plan on GPUS that computes nothing. */
void empty_plan(iteration_plan* p, const int* gpus, int gpu_count)
{
    memset(p, 0, sizeof *p);
    p->stages = 1;
    p->chunks = 1;
    p->micro_batches = 1;
    p->schedule = SCHED_1F1B;
    p->stage = calloc(1, sizeof *p->stage);
    p->stage[0].chunk = calloc(1, sizeof *p->stage[0].chunk);
    p->stage[0].gpu = gpus[0];
    p->gpus = malloc((size_t)gpu_count * sizeof *p->gpus);
    memcpy(p->gpus, gpus, (size_t)gpu_count * sizeof *gpus);
    p->gpu_count = gpu_count;
}

/* A plan that only runs OP by ALGORITHM over members 0..N-1 on GPUs
 * 0..N-1 of T, PER_NODE to a node, with every flow of every phase, each
 * phase an NCCL call as the plan builder makes it (its hops no faster than
 * T's NVLink and NIC latencies). As the plan builder does, the first flow
 * is a slowest one: the flows start from the last member of the first
 * node, whose ring hop leaves the node. */
void collective_only_plan(iteration_plan* p, const topology* t, collective_kind algorithm, collective_op op,
                                 int n, int per_node, double payload)
{
    int* gpus = malloc((size_t)n * sizeof *gpus);
    for (int i = 0; i < n; i++)
        gpus[i] = i;
    empty_plan(p, gpus, n);
    free(gpus);
    collective_plan* c = &p->stage[0].dp_reduce;
    collective_shape_of(algorithm, op, n, per_node, payload, &c->shape);
    ck_assert_int_eq(c->shape.algorithm, algorithm);
    c->payload_bytes = payload;
    c->repeat = 1;
    for (int k = 0; k < c->shape.phase_count; k++) {
        phase_plan* ph = &c->phase[k];
        ph->steps = c->shape.phase[k].steps;
        ph->chunk_bytes = payload * c->shape.phase[k].chunk;
        ph->flows = malloc((size_t)n * COLLECTIVE_MAX_PEERS * sizeof *ph->flows);
        for (int j = 0; j < n; j++) {
            int i = (per_node - 1 + j) % n;
            int peers[COLLECTIVE_MAX_PEERS], m = collective_peers(&c->shape, k, i, peers);
            for (int q = 0; q < m; q++)
                ph->flows[ph->flow_count++] = (flow){i, peers[q]};
        }
        ph->call = collective_phase_call(&c->shape, k, n / per_node, t->nvlink.latency, t->nic.latency);
        ph->call_bytes = collective_phase_bytes(&c->shape, k, payload);
        ph->simple_seconds = bandwidth_time(t, ph->flows, ph->flow_count, ph->chunk_bytes * ph->steps);
    }
}

double simulated_collective(const topology* t, collective_kind algorithm, collective_op op, int n,
                                   int per_node, double payload, int stepwise)
{
    iteration_plan p;
    collective_only_plan(&p, t, algorithm, op, n, per_node, payload);
    step_profile prof;
    simulate_plan(t, &p, stepwise, &prof);
    double seconds = prof.step_time;
    ck_assert_rel(prof.dp_comm_exposed, seconds, 1e-12);
    step_profile_free(&prof);
    plan_free(&p);
    return seconds;
}

