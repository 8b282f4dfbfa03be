/* batch_commands: sweep, merge and best, which read their own arguments
 * (see batch_commands.h). */
#include "cli/batch_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/best.h"
#include "batch/row.h"
#include "batch/sweep_merge.h"
#include "batch/sweep_run.h"
#include "cli/args.h"
#include "core/diag.h"

static int parse_shard(const char* text, sweep_options* o)
{
    long k, n;
    char buf[64];
    const char* slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%.*s", (int)(slash - text), text);
    if (cli_parse_count(buf, 1, 1000000, &k) || cli_parse_count(slash + 1, 1, 1000000, &n) || k > n)
        return -1;
    o->shard = (int)k;
    o->shards = (int)n;
    return 0;
}

/* trainsim sweep FILE [-j N] [-o OUT] [--shard K/N] [--resume] [--timeout SECONDS] */
int command_sweep(const cli_call* call)
{
    int argc = call->argc;
    char** argv = call->argv;
    sweep_options o = {.jobs = cli_cores(), .shard = 1, .shards = 1, .progress = isatty(STDERR_FILENO),
                       .summary = 1};
    const char* file = NULL;
    for (int i = 2; i < argc; i++) {
        const char* a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad;
        if (!strcmp(a, "-j")) {
            if ((bad = cli_parse_jobs(v, &o.jobs)) != CLI_GO_ON)
                return bad;
            i++;
        } else if (!strcmp(a, "-o")) {
            if (!v)
                return cli_usage_error("%s", "-o expects an output file");
            o.out = v;
            i++;
        } else if (!strcmp(a, "--shard")) {
            if (parse_shard(v, &o))
                return cli_usage_error("--shard expects K/N with 1 <= K <= N, found '%s'", v ? v : "nothing");
            i++;
        } else if (!strcmp(a, "--timeout")) {
            if ((bad = cli_parse_timeout(v, &o.timeout)) != CLI_GO_ON)
                return bad;
            i++;
        } else if (!strcmp(a, "--resume"))
            o.resume = 1;
        else if (a[0] == '-' && a[1])
            return cli_usage_error("unknown option '%s'", a);
        else if (!file)
            file = a;
        else
            return cli_usage_error("unexpected argument '%s'", a);
    }
    if (!file)
        return cli_usage_error("%s", "'sweep' needs a sweep file");
    if (o.resume && (!o.out || !strcmp(o.out, "-")))
        return cli_usage_error("%s", "--resume needs -o OUT: the file whose rows it keeps");
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
int command_merge(const cli_call* call)
{
    int argc = call->argc;
    char** argv = call->argv;
    const char* out = NULL;
    char** inputs = xcalloc((size_t)argc, sizeof *inputs);
    int count = 0, status = CLI_GO_ON;
    for (int i = 2; i < argc && status == CLI_GO_ON; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc)
                status = cli_usage_error("%s", "-o expects an output file");
            else
                out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1])
            status = cli_usage_error("unknown option '%s'", argv[i]);
        else
            inputs[count++] = argv[i];
    }
    if (status == CLI_GO_ON && (!out || !count))
        status = cli_usage_error("%s", "'merge' needs -o OUT and at least one shard's output");
    if (status == CLI_GO_ON)
        status = sweep_merge(out, inputs, count);
    free(inputs);
    return status;
}

/* trainsim best FILE [--gpus N] [--top K] [-j N] [-o ROWS.jsonl] [--timeout SECONDS] */
int command_best(const cli_call* call)
{
    int argc = call->argc;
    char** argv = call->argv;
    best_options o = {.top = 10, .jobs = cli_cores()};
    for (int i = 2; i < argc; i++) {
        const char* a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        int bad;
        if (!strcmp(a, "--gpus")) {
            if (cli_parse_count(v, 1, 10000000, &n))
                return cli_usage_error("--gpus expects a number of GPUs from 1 to 10,000,000, found '%s'", v ? v : "nothing");
            o.gpus = n;
            i++;
        } else if (!strcmp(a, "--top")) {
            if (cli_parse_count(v, 1, 100000, &n))
                return cli_usage_error("--top expects a number of plans from 1 to 100,000, found '%s'", v ? v : "nothing");
            o.top = (int)n;
            i++;
        } else if (!strcmp(a, "-j")) {
            if ((bad = cli_parse_jobs(v, &o.jobs)) != CLI_GO_ON)
                return bad;
            i++;
        } else if (!strcmp(a, "-o")) {
            if (!v || row_format_of(v) != ROW_JSONL)
                return cli_usage_error("-o expects a file ending in .jsonl or .jsonl.gz, found '%s'", v ? v : "nothing");
            o.rows = v;
            i++;
        } else if (!strcmp(a, "--timeout")) {
            if ((bad = cli_parse_timeout(v, &o.timeout)) != CLI_GO_ON)
                return bad;
            i++;
        } else if (a[0] == '-' && a[1])
            return cli_usage_error("unknown option '%s'", a);
        else if (!o.scenario)
            o.scenario = a;
        else
            return cli_usage_error("unexpected argument '%s'", a);
    }
    if (!o.scenario)
        return cli_usage_error("%s", "'best' needs a scenario file");
    return best_search(&o);
}
