/* options: the scenario commands' options table (see options.h). */
#include "cli/options.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/row.h"
#include "cli/args.h"

/* Each reads its value (NULL when the line ends) into the arguments and
 * returns CLI_GO_ON, or the usage error's status. */
typedef int (*option_reader)(cli_args* c, const char* value);

static int read_width(cli_args* c, const char* v)
{
    long w;
    if (cli_parse_count(v, 40, 10000, &w))
        return cli_usage_error("--width expects a number of characters from 40 to 10000, found '%s'",
                               v ? v : "nothing");
    c->width = (int)w;
    return CLI_GO_ON;
}

static int read_page(cli_args* c, const char* v)
{
    if (!v || !*v)
        return cli_usage_error("%s", "-o expects a file name for the page");
    c->out = v;
    return CLI_GO_ON;
}

static int read_trace(cli_args* c, const char* v)
{
    if (!v || !*v)
        return cli_usage_error("%s", "--trace expects a file name (.json or .json.gz)");
    c->trace = v;
    return CLI_GO_ON;
}

static int read_detail(cli_args* c, const char* v)
{
    if (!v || (strcmp(v, "full") && strcmp(v, "collapsed")))
        return cli_usage_error("--detail expects collapsed or full, found '%s'", v && *v ? v : "nothing");
    c->full_detail = !strcmp(v, "full");
    return CLI_GO_ON;
}

static int read_seed(cli_args* c, const char* v)
{
    if (cli_parse_seed(v, &c->seed))
        return cli_usage_error("--seed expects an integer from 0 to 2^63-1, found '%s'", v ? v : "nothing");
    c->seed_given = 1;
    return CLI_GO_ON;
}

/* As output.samples reads it (docs/scenario.md). */
static int read_samples(cli_args* c, const char* v)
{
    long n;
    if (cli_parse_count(v, 2, 100000, &n))
        return cli_usage_error("--samples expects a number of samples from 2 to 100000, found '%s'",
                               v ? v : "nothing");
    c->samples = (int)n;
    return CLI_GO_ON;
}

static int read_jobs(cli_args* c, const char* v)
{
    return cli_parse_jobs(v, &c->jobs);
}

static int read_timeout(cli_args* c, const char* v)
{
    return cli_parse_timeout(v, &c->timeout);
}

static int read_rows(cli_args* c, const char* v)
{
    if (!v || row_format_of(v) != ROW_JSONL)
        return cli_usage_error("--rows expects a file ending in .jsonl or .jsonl.gz, found '%s'", v ? v : "nothing");
    c->rows = v;
    return CLI_GO_ON;
}

static int set_resume(cli_args* c, const char* v) { (void)v; c->resume = 1; return CLI_GO_ON; }
static int set_nominal(cli_args* c, const char* v) { (void)v; c->nominal = 1; return CLI_GO_ON; }
static int set_colour(cli_args* c, const char* v) { (void)v; c->colour = 1; return CLI_GO_ON; }
static int set_no_colour(cli_args* c, const char* v) { (void)v; c->colour = 0; return CLI_GO_ON; }
static int set_json(cli_args* c, const char* v) { (void)v; c->json = 1; return CLI_GO_ON; }
static int set_stats(cli_args* c, const char* v) { (void)v; c->stats = 1; return CLI_GO_ON; }
static int set_stepwise(cli_args* c, const char* v) { (void)v; c->stepwise = 1; return CLI_GO_ON; }

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
    {"run", "-j", NULL, 1, read_jobs},
    {"run", "--rows", NULL, 1, read_rows},
    {"run", "--resume", NULL, 0, set_resume},
    {"run", "--nominal", NULL, 0, set_nominal},
    {"run", "--samples", NULL, 1, read_samples},
    {"run", "--timeout", NULL, 1, read_timeout},
    {"schedule", "--width", NULL, 1, read_width},
    {"schedule", "--colour", "--color", 0, set_colour},
    {"schedule", "--no-colour", "--no-color", 0, set_no_colour},
    {"report", "-o", NULL, 1, read_page},
    {"report", "-j", NULL, 1, read_jobs},
    {"report", "--rows", NULL, 1, read_rows},
    {"report", "--resume", NULL, 0, set_resume},
    {"report", "--nominal", NULL, 0, set_nominal},
    {"report", "--samples", NULL, 1, read_samples},
    {"report", "--timeout", NULL, 1, read_timeout},
};

static const cli_option* option_named(const char* command, const char* arg)
{
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        const cli_option* o = &options[i];
        if (!strcmp(o->command, command) && (!strcmp(o->name, arg) || (o->alias && !strcmp(o->alias, arg))))
            return o;
    }
    return NULL;
}

int cli_read_options(const char* command, int argc, char** argv, cli_args* c)
{
    memset(c, 0, sizeof *c);
    c->colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    for (int i = 2; i < argc; i++) {
        const char* a = argv[i];
        const cli_option* o = option_named(command, a);
        if (o) {
            int status = o->read(c, o->takes_value && i + 1 < argc ? argv[i + 1] : NULL);
            if (status != CLI_GO_ON)
                return status;
            i += o->takes_value;
        } else if (a[0] == '-' && a[1])
            return cli_usage_error("unknown option '%s'", a);
        else if (!c->file)
            c->file = a;
        else
            return cli_usage_error("unexpected argument '%s'", a);
    }
    if (!c->file)
        return cli_usage_error("'%s' needs a scenario file", command);
    if (c->resume && !c->rows)
        return cli_usage_error("%s", "--resume needs --rows ROWS: the file whose rows it keeps");
    if (!c->jobs)
        c->jobs = cli_cores();
    return CLI_GO_ON;
}
