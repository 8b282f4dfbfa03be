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
#include "network/simgrid_start.h"

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
    iteration_simulate(plan, &opt, out);
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

void temp_path(char* buf, size_t size, const char* suffix)
{
    static int serial;
    snprintf(buf, size, "/tmp/trainsim-test-%d-%d%s", (int)getpid(), serial++, suffix);
    unlink(buf);
}
