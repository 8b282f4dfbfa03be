/* scenario_commands: run, check, platform, schedule, explain and report, on
 * the scenario main opened for them (see scenario_commands.h). */
#include "cli/scenario_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "batch/uncertainty_run.h"
#include "cli/args.h"
#include "core/output_file.h"
#include "core/rowfile.h"
#include "output/explain.h"
#include "output/gantt.h"
#include "output/html.h"
#include "output/report.h"
#include "output/trace.h"
#include "run/run.h"
#include "run/run_invariants.h"

int command_check(const cli_call* call)
{
    const scenario* sc = call->sc;
    run_result r;
    int status = run_prepare(sc, &r);
    strbuf out = {0};
    if (status)
        fprintf(stderr, "%s: infeasible: %s\n", sc->file, r.infeasible_reason);
    else
        strbuf_printf(&out, "%s: ok: %lld GPUs (TP %d x PP %d x DP %d x CP %d), %lld micro-batches per step\n",
                      sc->file, r.world_gpus, sc->par.tp, sc->par.pp, sc->par.dp, sc->par.cp, r.micro_batches);
    if (!status && sc->uncertain.input_count)
        strbuf_printf(&out, "%s: %d uncertain input%s and %d target%s: `trainsim run` draws and runs %d samples\n",
                      sc->file, sc->uncertain.input_count, sc->uncertain.input_count == 1 ? "" : "s",
                      sc->uncertain.target_count, sc->uncertain.target_count == 1 ? "" : "s", sc->output.samples);
    run_result_free(&r);
    int unwritten = output_stdout(strbuf_text(&out), out.len, "check's result");
    strbuf_free(&out);
    return status ? EXIT_INFEASIBLE : unwritten ? EXIT_SYSTEM : EXIT_DONE;
}

/* Prints the file at PATH. Returns the exit status. */
static int print_file(const char* path)
{
    FILE* f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "trainsim: cannot read %s\n", path);
        return EXIT_INPUT;
    }
    char buf[65536];
    size_t n;
    int unwritten = 0;
    while (!unwritten && (n = fread(buf, 1, sizeof buf, f)) > 0)
        unwritten = output_stdout(buf, n, "platform");
    fclose(f);
    return unwritten ? EXIT_SYSTEM : EXIT_DONE;
}

int command_platform(const cli_call* call)
{
    const scenario* sc = call->sc;
    if (sc->cluster.platform[0])   /* the user's own file, as checked */
        return print_file(sc->cluster.platform);
    run_result r;
    int status = run_prepare(sc, &r);
    if (status) {
        fprintf(stderr, "%s: infeasible: %s\n", sc->file, r.infeasible_reason);
        run_result_free(&r);
        return EXIT_INFEASIBLE;
    }
    plan_build(sc, &r.work, &r.topo, &r.plan);
    strbuf xml = {0};
    run_platform_xml(&r.topo, &r.plan, &xml);
    int unwritten = output_stdout(strbuf_text(&xml), xml.len, "platform");
    strbuf_free(&xml);
    run_result_free(&r);
    return unwritten ? EXIT_SYSTEM : EXIT_DONE;
}

/* The scenario's uncertainty study, when it has one and the call does not
 * ask for the nominal run alone: into U, *RAN set. Its samples run in
 * worker processes forked before this process starts SimGrid. Returns 0, or
 * the exit status after a message. */
static int run_study(const cli_call* call, uncertainty_result* u, int* ran)
{
    const scenario* sc = call->sc;
    const cli_args* c = call->args;
    *ran = 0;
    if (c->rows && (!sc->uncertain.input_count || c->nominal)) {
        fprintf(stderr, "trainsim: --rows keeps the rows of an uncertainty study's samples: %s\n",
                c->nominal ? "--nominal runs none" : "the scenario has no uncertain: section");
        return EXIT_INPUT;
    }
    if (!sc->uncertain.input_count || c->nominal)
        return 0;
    uncertainty_options o = {.jobs = c->jobs, .rows = c->rows, .resume = c->resume, .timeout = c->timeout,
                             .progress = isatty(STDERR_FILENO), .seed_given = c->seed_given};
    int status = uncertainty_run(sc, &o, u);
    if (status) {
        uncertainty_free(u);
        return status;
    }
    if (c->stats)
        fprintf(stderr, "trainsim: %d samples, %lld of them reused another's step simulations\n", u->samples,
                o.reused);
    *ran = 1;
    return 0;
}

/* A run that broke inside trainsim (run_invariants.h): its reason on
 * stderr, and no report. */
static void report_broken(const scenario* sc, const run_result* r)
{
    fprintf(stderr, "trainsim: internal error on %s, no report written: %s\n", sc->file, r->broken);
}

int command_run(const cli_call* call)
{
    const scenario* sc = call->sc;
    const cli_args* c = call->args;
    const char* trace = c->trace ? c->trace : sc->output.trace[0] ? sc->output.trace : NULL;
    run_options opt = {.stepwise_collectives = c->stepwise, .full_detail = c->full_detail, .timeline = trace != NULL};
    if (c->full_detail && scenario_world_size(sc) > RUN_FULL_DETAIL_MAX_GPUS) {
        fprintf(stderr, "trainsim: --detail full simulates every rank: at most %d GPUs, the scenario uses %lld\n",
                RUN_FULL_DETAIL_MAX_GPUS, scenario_world_size(sc));
        return EXIT_INPUT;
    }
    if (trace && output_file_check(trace, "trace"))   /* a folder, or an input: before simulating */
        return EXIT_INPUT;
    uncertainty_result study;
    int studied, status = run_study(call, &study, &studied);
    if (status)
        return status;
    run_result r;
    status = run_simulate_checked(sc, &opt, &r);
    if (status < 0) {
        if (status == RUN_BROKEN)
            report_broken(sc, &r);
        else if (r.refused.len)
            fprintf(stderr, "%s\n", strbuf_text(&r.refused));
        run_result_free(&r);
        if (studied)
            uncertainty_free(&study);
        return status == RUN_BROKEN ? EXIT_SYSTEM : EXIT_INPUT;
    }
    r.uncertainty = studied ? &study : NULL;
    /* An infeasible plan prints its reason on stderr; in JSON mode stdout
     * also gets the object with "feasible": false, for scripts and sweeps. */
    strbuf out = {0};
    if (c->json || sc->output.format == OUTPUT_JSON)
        report_json(sc, &r, &out);
    else if (!status)
        report_text(sc, &r, &out);
    int unwritten = output_stdout(strbuf_text(&out), out.len, "report");
    if (status)
        fprintf(stderr, "%s: infeasible: %s\n", sc->file, r.infeasible_reason);
    int trace_status = !status && !unwritten && trace ? trace_write(trace, sc, &r) : 0;
    strbuf_free(&out);
    run_result_free(&r);
    if (studied)
        uncertainty_free(&study);
    return unwritten ? EXIT_SYSTEM : status ? EXIT_INFEASIBLE : trace_status;
}

/* The terminal's width, or 100 when stdout is no terminal. */
static int terminal_width(void)
{
    struct winsize w;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col >= 40)
        return w.ws_col;
    const char* columns = getenv("COLUMNS");
    long n;
    if (columns && !cli_parse_count(columns, 40, 10000, &n))
        return (int)n;
    return 100;
}

/* Simulates SC for a teaching command; on failure, says why and returns the
 * exit status (the result is then freed), else 0. */
static int simulate_for(const scenario* sc, const run_options* opt, run_result* r)
{
    int status = run_simulate_checked(sc, opt, r);
    if (!status)
        return 0;
    if (status > 0)
        fprintf(stderr, "%s: infeasible: %s\n", sc->file, r->infeasible_reason);
    else if (status == RUN_BROKEN)
        report_broken(sc, r);
    else if (r->refused.len)
        fprintf(stderr, "%s\n", strbuf_text(&r->refused));
    run_result_free(r);
    return status > 0 ? EXIT_INFEASIBLE : status == RUN_BROKEN ? EXIT_SYSTEM : EXIT_INPUT;
}

/* What a teaching command makes of a simulated run. */
typedef void (*rendering)(const cli_call* call, const run_result* r, strbuf* out);

/* Simulates the call's scenario with OPT and prints what RENDER makes of it,
 * the run's WHAT (with STUDY, the scenario's uncertainty study, or NULL) on
 * stdout, or writes it whole to PATH (the HTML report's -o) when PATH is
 * not NULL. Returns the exit status. */
static int show_simulated(const cli_call* call, run_options opt, const uncertainty_result* study, rendering render,
                          const char* what, const char* path)
{
    run_result r;
    int status = simulate_for(call->sc, &opt, &r);
    if (status)
        return status;
    r.uncertainty = study;
    strbuf out = {0};
    render(call, &r, &out);
    if (path)
        status = rowfile_write_whole(path, strbuf_text(&out), out.len, what);
    else if (output_stdout(strbuf_text(&out), out.len, what))
        status = EXIT_SYSTEM;
    strbuf_free(&out);
    run_result_free(&r);
    return status;
}

static void schedule_of(const cli_call* call, const run_result* r, strbuf* out)
{
    const cli_args* c = call->args;
    gantt_report(call->sc, r, &(gantt_options){c->width ? c->width : terminal_width(), c->colour}, out);
}

static void explanation_of(const cli_call* call, const run_result* r, strbuf* out)
{
    explain_report(call->sc, r, out);
}

static void page_of(const cli_call* call, const run_result* r, strbuf* out)
{
    html_report(call->sc, r, out);
}

int command_schedule(const cli_call* call)
{
    return show_simulated(call, (run_options){.timeline = 1}, NULL, schedule_of, "schedule", NULL);
}

int command_explain(const cli_call* call)
{
    return show_simulated(call, (run_options){0}, NULL, explanation_of, "explanation", NULL);
}

/* The page, with the scenario's uncertainty study when it has one: its
 * samples run first, as run's do. */
int command_report(const cli_call* call)
{
    const char* page = call->args->out;
    if (page && output_file_check(page, "report"))   /* a folder, or an input: before simulating */
        return EXIT_INPUT;
    uncertainty_result study;
    int studied, status = run_study(call, &study, &studied);
    if (status)
        return status;
    status = show_simulated(call, (run_options){.timeline = 1}, studied ? &study : NULL, page_of, "report", page);
    if (studied)
        uncertainty_free(&study);
    return status;
}
