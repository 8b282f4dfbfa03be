/* main: trainsim's command line. Parses the arguments and wires the modules
 * of DESIGN.md together; no simulation logic lives here. The commands and
 * their options are usage_text's; run, check, platform, schedule, explain and
 * report read their options from one table (options[]), sweep, merge and
 * best parse their own.
 *
 * Exit status: 0 done, 1 infeasible plan, 2 usage or input error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "batch/best.h"
#include "core/diag.h"
#include "output/explain.h"
#include "output/gantt.h"
#include "output/html.h"
#include "output/report.h"
#include "batch/row.h"
#include "core/rowfile.h"
#include "run/run.h"
#include "run/scenario_open.h"
#include "input/scenario.h"
#include "batch/sweep_run.h"
#include "output/trace.h"

static const char usage_text[] =
    "usage: trainsim run FILE [--json] [--seed N] [--detail collapsed|full]\n"
    "                         [--trace PATH] [--stepwise-collectives] [--stats]\n"
    "       trainsim check FILE\n"
    "       trainsim platform FILE\n"
    "       trainsim schedule FILE [--width N] [--colour|--no-colour]\n"
    "       trainsim explain FILE\n"
    "       trainsim report FILE [-o PAGE.html]\n"
    "       trainsim sweep FILE [-j N] [-o OUT] [--shard K/N] [--resume]\n"
    "       trainsim merge -o OUT FILE...\n"
    "       trainsim best FILE [--gpus N] [--top K] [-j N] [-o ROWS.jsonl]\n"
    "       trainsim --help | --version\n";

static const char help_text[] =
    "trainsim: a discrete-event simulator of large-model training on GPU clusters.\n"
    "\n"
    "Commands:\n"
    "  run FILE        simulate the scenario and report MFU, step time, wall-clock and cost\n"
    "  check FILE      read and validate the scenario only\n"
    "  platform FILE   print the SimGrid platform XML generated for the scenario\n"
    "  schedule FILE   draw one simulated step, a row per pipeline rank, with its bubble beside the formula\n"
    "  explain FILE    every loss term's closed form with the scenario's numbers beside the simulated value\n"
    "  report FILE     one self-contained HTML page of the run (-o PAGE, else stdout)\n"
    "  sweep FILE      run every point of a sweep file, one row each (CSV or JSON lines)\n"
    "  merge -o OUT FILE...  join the outputs of a sweep's shards into OUT, in point order\n"
    "  best FILE       search the parallelism plans for the scenario's model and cluster, best MFU first\n"
    "\n"
    "Options of run:\n"
    "  --json                   print the JSON object of the output contract\n"
    "  --seed N                 use seed N instead of the scenario's\n"
    "  --detail full            simulate every rank and micro-batch (jobs up to 4096 GPUs)\n"
    "                           instead of the collapsed representatives (the default)\n"
    "  --trace PATH             write a timeline of one step and of the run for Perfetto\n"
    "                           (Chrome trace-event JSON; .json.gz compressed; default: output.trace)\n"
    "  --stepwise-collectives   simulate every collective step as its own transfer (slow; for checking)\n"
    "  --stats                  print wall time and peak memory of trainsim itself on stderr\n"
    "\n"
    "Options of schedule:\n"
    "  --width N                characters per line (default: the terminal's, else 100)\n"
    "  --colour, --no-colour    ANSI colours (default: when stdout is a terminal and NO_COLOR is unset)\n"
    "\n"
    "Options of report:\n"
    "  -o PAGE                  write the page to PAGE (default: stdout)\n"
    "\n"
    "Options of sweep:\n"
    "  -j N          N points at a time, each in its own process (default: the number of cores)\n"
    "  -o OUT        write the rows to OUT: .csv, .jsonl, either with .gz (default: CSV on stdout)\n"
    "  --shard K/N   run only the points p with p mod N = K - 1 (K from 1 to N)\n"
    "  --resume      keep the rows OUT already holds for this sweep and run the others\n"
    "\n"
    "Options of best:\n"
    "  --gpus N      plan for N GPUs (default: the whole cluster)\n"
    "  --top K       print the K best plans (default 10)\n"
    "  -j N          simulate N plans at a time (default: the number of cores)\n"
    "  -o ROWS       keep every simulated plan's row (.jsonl, or .jsonl.gz)\n"
    "\n"
    "Exit status: 0 done, 1 the plan is infeasible, 2 usage or input error.\n"
    "Scenario format: docs/scenario.md. Output: docs/output.md.\n";

typedef struct {
    const char* command;
    const char* file;
    int         json;
    const char* trace;
    const char* out;      /* report: the page's file; NULL: stdout */
    int         stats;
    int         stepwise;
    int         full_detail;
    int         seed_given;
    unsigned long long seed;
    int         width;    /* schedule: characters per line; 0 = the terminal's */
    int         colour;   /* schedule: ANSI colours */
} cli;

static int usage_error(const char* fmt, const char* arg)
{
    fprintf(stderr, "trainsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_text);
    return EXIT_INPUT;
}

static int parse_seed(const char* text, unsigned long long* seed)
{
    if (!text || !*text || strlen(text) > 19)
        return -1;
    for (const char* s = text; *s; s++)
        if (*s < '0' || *s > '9')
            return -1;
    *seed = strtoull(text, NULL, 10);
    return *seed > 9223372036854775807ULL ? -1 : 0;
}

static int parse_count(const char* text, long min, long max, long* out)
{
    char* end = NULL;
    if (!text || !*text)
        return -1;
    long v = strtol(text, &end, 10);
    if (*end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* --help or -h anywhere ("trainsim run --help" too) asks for the help. */
static int asks_for_help(int argc, char** argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

/* ---- the options of run, check, platform, schedule, explain, report ----- */

/* Each reads its value (NULL when the line ends) into the cli and returns -1,
 * or the usage error's exit status. */
typedef int (*option_reader)(cli* c, const char* value);

static int read_width(cli* c, const char* v)
{
    long w;
    if (parse_count(v, 40, 10000, &w))
        return usage_error("--width expects a number of characters from 40 to 10000, found '%s'", v ? v : "nothing");
    c->width = (int)w;
    return -1;
}

static int read_page(cli* c, const char* v)
{
    if (!v || !*v)
        return usage_error("%s", "-o expects a file name for the page");
    c->out = v;
    return -1;
}

static int read_trace(cli* c, const char* v)
{
    if (!v || !*v)
        return usage_error("%s", "--trace expects a file name (.json or .json.gz)");
    c->trace = v;
    return -1;
}

static int read_detail(cli* c, const char* v)
{
    if (!v || (strcmp(v, "full") && strcmp(v, "collapsed")))
        return usage_error("--detail expects collapsed or full, found '%s'", v && *v ? v : "nothing");
    c->full_detail = !strcmp(v, "full");
    return -1;
}

static int read_seed(cli* c, const char* v)
{
    if (parse_seed(v, &c->seed))
        return usage_error("--seed expects an integer from 0 to 2^63-1, found '%s'", v ? v : "nothing");
    c->seed_given = 1;
    return -1;
}

static int set_colour(cli* c, const char* v) { (void)v; c->colour = 1; return -1; }
static int set_no_colour(cli* c, const char* v) { (void)v; c->colour = 0; return -1; }
static int set_json(cli* c, const char* v) { (void)v; c->json = 1; return -1; }
static int set_stats(cli* c, const char* v) { (void)v; c->stats = 1; return -1; }
static int set_stepwise(cli* c, const char* v) { (void)v; c->stepwise = 1; return -1; }

typedef struct {
    const char*   command;       /* the command that takes it */
    const char*   name;
    const char*   alias;         /* another spelling, or NULL */
    int           takes_value;   /* the next argument is its value */
    option_reader read;
} cli_option;

static const cli_option options[] = {
    {"run", "--json", NULL, 0, set_json},
    {"run", "--stats", NULL, 0, set_stats},
    {"run", "--trace", NULL, 1, read_trace},
    {"run", "--stepwise-collectives", NULL, 0, set_stepwise},
    {"run", "--detail", NULL, 1, read_detail},
    {"run", "--seed", NULL, 1, read_seed},
    {"schedule", "--width", NULL, 1, read_width},
    {"schedule", "--colour", "--color", 0, set_colour},
    {"schedule", "--no-colour", "--no-color", 0, set_no_colour},
    {"report", "-o", NULL, 1, read_page},
};

static const char* const scenario_commands[] = {"run", "check", "platform", "schedule", "explain", "report"};

static const cli_option* option_named(const char* command, const char* arg)
{
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        const cli_option* o = &options[i];
        if (!strcmp(o->command, command) && (!strcmp(o->name, arg) || (o->alias && !strcmp(o->alias, arg))))
            return o;
    }
    return NULL;
}

static int is_scenario_command(const char* command)
{
    for (size_t i = 0; i < sizeof scenario_commands / sizeof *scenario_commands; i++)
        if (!strcmp(scenario_commands[i], command))
            return 1;
    return 0;
}

/* Returns -1 when parsed, else the exit status to leave with. */
static int parse_cli(int argc, char** argv, cli* c)
{
    memset(c, 0, sizeof *c);
    if (argc < 2)
        return usage_error("%s", "no command given");
    if (asks_for_help(argc, argv)) {
        fputs(help_text, stdout);
        fputs("\n", stdout);
        fputs(usage_text, stdout);
        return EXIT_DONE;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("trainsim %s\n", TRAINSIM_VERSION);
        return EXIT_DONE;
    }
    c->command = argv[1];
    if (!strcmp(c->command, "sweep") || !strcmp(c->command, "merge") || !strcmp(c->command, "best"))
        return -1;   /* parsed by their commands */
    if (!is_scenario_command(c->command))
        return usage_error("unknown command '%s'", c->command);
    c->colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    for (int i = 2; i < argc; i++) {
        const char* a = argv[i];
        const cli_option* o = option_named(c->command, a);
        if (o) {
            int status = o->read(c, o->takes_value && i + 1 < argc ? argv[i + 1] : NULL);
            if (status >= 0)
                return status;
            i += o->takes_value;
        } else if (a[0] == '-' && a[1])
            return usage_error("unknown option '%s'", a);
        else if (!c->file)
            c->file = a;
        else
            return usage_error("unexpected argument '%s'", a);
    }
    if (!c->file)
        return usage_error("'%s' needs a scenario file", c->command);
    return -1;
}

static void print_stats(const struct timespec* t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double wall = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
    fprintf(stderr, "trainsim: wall %.3f s, peak RSS %.1f MiB\n", wall, usage.ru_maxrss / 1024.0);
}

static int command_check(const scenario* sc)
{
    run_result r;
    int status = run_prepare(sc, &r);
    if (status)
        fprintf(stderr, "%s: infeasible: %s\n", sc->file, r.infeasible_reason);
    else
        printf("%s: ok: %lld GPUs (TP %d x PP %d x DP %d x CP %d), %lld micro-batches per step\n",
               sc->file, r.world_gpus, sc->par.tp, sc->par.pp, sc->par.dp, sc->par.cp, r.micro_batches);
    run_result_free(&r);
    return status ? EXIT_INFEASIBLE : EXIT_DONE;
}

static int print_file(const char* path)
{
    FILE* f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "trainsim: cannot read %s\n", path);
        return -1;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

static int command_platform(const scenario* sc)
{
    if (sc->cluster.platform[0])   /* the user's own file, as checked */
        return print_file(sc->cluster.platform) ? EXIT_INPUT : EXIT_DONE;
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
    fputs(strbuf_text(&xml), stdout);
    strbuf_free(&xml);
    run_result_free(&r);
    return EXIT_DONE;
}

static int command_run(const scenario* sc, const cli* c)
{
    const char* trace = c->trace ? c->trace : sc->output.trace[0] ? sc->output.trace : NULL;
    run_options opt = {.stepwise_collectives = c->stepwise, .full_detail = c->full_detail, .timeline = trace != NULL};
    if (c->full_detail && scenario_world_size(sc) > RUN_FULL_DETAIL_MAX_GPUS) {
        fprintf(stderr, "trainsim: --detail full simulates every rank: at most %d GPUs, the scenario uses %lld\n",
                RUN_FULL_DETAIL_MAX_GPUS, scenario_world_size(sc));
        return EXIT_INPUT;
    }
    run_result r;
    int status = run_simulate(sc, &opt, &r);
    if (status < 0) {
        run_result_free(&r);
        return EXIT_INPUT;
    }
    /* An infeasible plan prints its reason on stderr; in JSON mode stdout
     * also gets the object with "feasible": false, for scripts and sweeps. */
    strbuf out = {0};
    if (c->json || sc->output.format == OUTPUT_JSON)
        report_json(sc, &r, &out);
    else if (!status)
        report_text(sc, &r, &out);
    fputs(strbuf_text(&out), stdout);
    if (status)
        fprintf(stderr, "%s: infeasible: %s\n", sc->file, r.infeasible_reason);
    int trace_failed = !status && trace && trace_write(trace, sc, &r);
    strbuf_free(&out);
    run_result_free(&r);
    return status ? EXIT_INFEASIBLE : trace_failed ? EXIT_INPUT : EXIT_DONE;
}

/* The terminal's width, or 100 when stdout is no terminal. */
static int terminal_width(void)
{
    struct winsize w;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col >= 40)
        return w.ws_col;
    const char* columns = getenv("COLUMNS");
    long n;
    if (columns && !parse_count(columns, 40, 10000, &n))
        return (int)n;
    return 100;
}

/* Simulates SC for a teaching command; on failure, says why and returns the
 * exit status (the result is then freed), else 0. */
static int simulate_for(const scenario* sc, const run_options* opt, run_result* r)
{
    int status = run_simulate(sc, opt, r);
    if (!status)
        return 0;
    if (status > 0)
        fprintf(stderr, "%s: infeasible: %s\n", sc->file, r->infeasible_reason);
    run_result_free(r);
    return status > 0 ? EXIT_INFEASIBLE : EXIT_INPUT;
}

static int command_schedule(const scenario* sc, const cli* c)
{
    run_result r;
    int status = simulate_for(sc, &(run_options){.timeline = 1}, &r);
    if (status)
        return status;
    strbuf out = {0};
    gantt_report(sc, &r, &(gantt_options){c->width ? c->width : terminal_width(), c->colour}, &out);
    fputs(strbuf_text(&out), stdout);
    strbuf_free(&out);
    run_result_free(&r);
    return EXIT_DONE;
}

static int command_explain(const scenario* sc)
{
    run_result r;
    int status = simulate_for(sc, &(run_options){0}, &r);
    if (status)
        return status;
    strbuf out = {0};
    explain_report(sc, &r, &out);
    fputs(strbuf_text(&out), stdout);
    strbuf_free(&out);
    run_result_free(&r);
    return EXIT_DONE;
}

static int command_report(const scenario* sc, const cli* c)
{
    run_result r;
    int status = simulate_for(sc, &(run_options){.timeline = 1}, &r);
    if (status)
        return status;
    strbuf page = {0};
    html_report(sc, &r, &page);
    if (c->out)
        status = rowfile_write_whole(c->out, strbuf_text(&page), page.len, "report") ? EXIT_INPUT : EXIT_DONE;
    else
        fputs(strbuf_text(&page), stdout);
    strbuf_free(&page);
    run_result_free(&r);
    return status;
}

/* ---- sweep and merge ------------------------------------------------------ */


static int parse_shard(const char* text, sweep_options* o)
{
    long k, n;
    char buf[64];
    const char* slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%.*s", (int)(slash - text), text);
    if (parse_count(buf, 1, 1000000, &k) || parse_count(slash + 1, 1, 1000000, &n) || k > n)
        return -1;
    o->shard = (int)k;
    o->shards = (int)n;
    return 0;
}

/* Worker processes: the cores by default, or -j's value. */
static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

/* -1 when V is a number of workers (set in JOBS), else the usage error's status. */
static int parse_jobs(const char* v, int* jobs)
{
    long n;
    if (parse_count(v, 1, 1024, &n))
        return usage_error("-j expects a number of workers from 1 to 1024, found '%s'", v ? v : "nothing");
    *jobs = (int)n;
    return -1;
}

/* trainsim sweep FILE [-j N] [-o OUT] [--shard K/N] [--resume] */
static int command_sweep(int argc, char** argv)
{
    sweep_options o = {.jobs = cores(), .shard = 1, .shards = 1, .progress = isatty(STDERR_FILENO)};
    const char* file = NULL;
    for (int i = 2; i < argc; i++) {
        const char* a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad;
        if (!strcmp(a, "-j")) {
            if ((bad = parse_jobs(v, &o.jobs)) >= 0)
                return bad;
            i++;
        } else if (!strcmp(a, "-o")) {
            if (!v)
                return usage_error("%s", "-o expects an output file");
            o.out = v;
            i++;
        } else if (!strcmp(a, "--shard")) {
            if (parse_shard(v, &o))
                return usage_error("--shard expects K/N with 1 <= K <= N, found '%s'", v ? v : "nothing");
            i++;
        } else if (!strcmp(a, "--resume"))
            o.resume = 1;
        else if (a[0] == '-' && a[1])
            return usage_error("unknown option '%s'", a);
        else if (!file)
            file = a;
        else
            return usage_error("unexpected argument '%s'", a);
    }
    if (!file)
        return usage_error("%s", "'sweep' needs a sweep file");
    if (o.resume && (!o.out || !strcmp(o.out, "-")))
        return usage_error("%s", "--resume needs -o OUT: the file whose rows it keeps");
    sweep sw;
    diag d;
    diag_init(&d, file);
    int status = sweep_load(file, &sw, &d) ? EXIT_INPUT : EXIT_DONE;
    if (status)
        fprintf(stderr, "%s\n", strbuf_text(&d.message));
    else
        status = sweep_run(&sw, &o);
    diag_free(&d);
    sweep_free(&sw);
    return status;
}

/* trainsim merge -o OUT FILE... */
static int command_merge(int argc, char** argv)
{
    const char* out = NULL;
    char** inputs = xcalloc((size_t)argc, sizeof *inputs);
    int count = 0, status = -1;
    for (int i = 2; i < argc && status < 0; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc)
                status = usage_error("%s", "-o expects an output file");
            else
                out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1])
            status = usage_error("unknown option '%s'", argv[i]);
        else
            inputs[count++] = argv[i];
    }
    if (status < 0 && (!out || !count))
        status = usage_error("%s", "'merge' needs -o OUT and at least one shard's output");
    if (status < 0)
        status = sweep_merge(out, inputs, count);
    free(inputs);
    return status;
}

/* trainsim best FILE [--gpus N] [--top K] [-j N] [-o ROWS.jsonl] */
static int command_best(int argc, char** argv)
{
    best_options o = {.top = 10, .jobs = cores()};
    for (int i = 2; i < argc; i++) {
        const char* a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        int bad;
        if (!strcmp(a, "--gpus")) {
            if (parse_count(v, 1, 10000000, &n))
                return usage_error("--gpus expects a number of GPUs from 1 to 10,000,000, found '%s'", v ? v : "nothing");
            o.gpus = n;
            i++;
        } else if (!strcmp(a, "--top")) {
            if (parse_count(v, 1, 100000, &n))
                return usage_error("--top expects a number of plans from 1 to 100,000, found '%s'", v ? v : "nothing");
            o.top = (int)n;
            i++;
        } else if (!strcmp(a, "-j")) {
            if ((bad = parse_jobs(v, &o.jobs)) >= 0)
                return bad;
            i++;
        } else if (!strcmp(a, "-o")) {
            if (!v || row_format_of(v) != ROW_JSONL)
                return usage_error("-o expects a file ending in .jsonl or .jsonl.gz, found '%s'", v ? v : "nothing");
            o.rows = v;
            i++;
        } else if (a[0] == '-' && a[1])
            return usage_error("unknown option '%s'", a);
        else if (!o.scenario)
            o.scenario = a;
        else
            return usage_error("unexpected argument '%s'", a);
    }
    if (!o.scenario)
        return usage_error("%s", "'best' needs a scenario file");
    return best_search(&o);
}

int main(int argc, char** argv)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cli c;
    int early = parse_cli(argc, argv, &c);
    if (early >= 0)
        return early;
    if (!strcmp(c.command, "sweep"))
        return command_sweep(argc, argv);
    if (!strcmp(c.command, "merge"))
        return command_merge(argc, argv);
    if (!strcmp(c.command, "best"))
        return command_best(argc, argv);

    scenario sc;
    if (scenario_open_or_say(c.file, &sc))
        return EXIT_INPUT;
    if (c.seed_given)
        sc.seed = c.seed;

    int status;
    if (!strcmp(c.command, "check"))
        status = command_check(&sc);
    else if (!strcmp(c.command, "platform"))
        status = command_platform(&sc);
    else if (!strcmp(c.command, "schedule"))
        status = command_schedule(&sc, &c);
    else if (!strcmp(c.command, "explain"))
        status = command_explain(&sc);
    else if (!strcmp(c.command, "report"))
        status = command_report(&sc, &c);
    else
        status = command_run(&sc, &c);
    if (c.stats)
        print_stats(&t0);
    scenario_free(&sc);
    return status;
}
