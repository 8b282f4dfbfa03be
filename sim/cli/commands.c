/* commands: the command table, and the usage and help made from it (see
 * commands.h). */
#include "cli/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/batch_commands.h"
#include "cli/doc_paths.h"
#include "cli/import_command.h"
#include "cli/scenario_commands.h"
#include "core/output_file.h"

static const char run_options[] =
    "  --json                   print the JSON object of the output contract\n"
    "  --seed N                 use seed N instead of the scenario's\n"
    "  --detail full            simulate every rank and micro-batch (jobs up to 4096 GPUs)\n"
    "                           instead of the collapsed representatives (the default)\n"
    "  --trace PATH             write a timeline of one step and of the run for Perfetto\n"
    "                           (Chrome trace-event JSON; .json.gz compressed; default: output.trace)\n"
    "  --stepwise-collectives   simulate every collective step as its own transfer (slow; for checking)\n"
    "  --stats                  print wall time and peak memory of trainsim itself on stderr\n"
    "With an uncertain: section, the samples run first (docs/scenario.md):\n"
    "  -j N                     N samples at a time, each in its own process (default: the number of cores)\n"
    "  --rows ROWS              keep every sample's row, as a sweep's (.jsonl, or .jsonl.gz)\n"
    "  --resume                 keep the rows ROWS already holds for these samples and run the others\n"
    "  --nominal                run the scenario as written only, without its samples\n"
    "  --samples N              draw N samples instead of output.samples\n"
    "  --timeout SECONDS        kill a sample's process after SECONDS: its row is an error, \"timeout after N s\"\n";

static const char schedule_options[] =
    "  --width N                characters per line (default: the terminal's, else 100)\n"
    "  --colour, --no-colour    ANSI colours (default: when stdout is a terminal and NO_COLOR is unset)\n";

static const char report_options[] =
    "  -o PAGE                  write the page to PAGE (default: stdout)\n"
    "With an uncertain: section, the samples run first and the page shows what they say:\n"
    "  -j N, --rows ROWS, --resume, --nominal, --samples N, --timeout SECONDS   as for run\n";

static const char sweep_options_help[] =
    "  -j N          N points at a time, each in its own process (default: the number of cores)\n"
    "  -o OUT        write the rows to OUT: .csv, .jsonl, either with .gz (default: CSV on stdout)\n"
    "  --shard K/N   run only the points p with p mod N = K - 1 (K from 1 to N)\n"
    "  --resume      keep the rows OUT already holds for this sweep and run the others\n"
    "  --timeout S   kill a point's process after S seconds: its row is an error, \"timeout after S s\"\n";

static const char best_options_help[] =
    "  --gpus N      plan for N GPUs (default: the whole cluster)\n"
    "  --top K       print the K best plans (default 10)\n"
    "  -j N          simulate N plans at a time (default: the number of cores)\n"
    "  -o ROWS       keep every simulated plan's row (.jsonl, or .jsonl.gz)\n"
    "  --timeout S   kill a plan's process after S seconds: its row is an error, \"timeout after S s\"\n";

static const char import_options_help[] =
    "  -o OUT        write the scenario to OUT (default: stdout); what was not understood goes to stderr\n"
    "megatron reads a Megatron-LM argument list (- for stdin), nemo a NeMo training YAML (docs/import.md)\n";

static const cli_command commands[] = {
    {"run", "FILE",
     "[--json] [--seed N] [--detail collapsed|full]\n"
     "                         [--trace PATH] [--stepwise-collectives] [--stats]\n"
     "                         [-j N] [--rows ROWS.jsonl] [--resume] [--nominal] [--samples N]\n"
     "                         [--timeout SECONDS]",
     "simulate the scenario and report MFU, step time, wall-clock and cost", run_options, 1, command_run},
    {"check", "FILE", "", "read and validate the scenario only", NULL, 1, command_check},
    {"platform", "FILE", "", "print the SimGrid platform XML generated for the scenario", NULL, 1,
     command_platform},
    {"schedule", "FILE", "[--width N] [--colour|--no-colour]",
     "draw one simulated step, a row per pipeline rank, with its bubble beside the formula", schedule_options, 1,
     command_schedule},
    {"explain", "FILE", "", "every loss term's closed form with the scenario's numbers beside the simulated value",
     NULL, 1, command_explain},
    {"report", "FILE", "[-o PAGE.html] [-j N] [--rows ROWS.jsonl] [--resume] [--nominal] [--samples N]\n"
     "                         [--timeout SECONDS]",
     "one self-contained HTML page of the run (-o PAGE, else stdout)",
     report_options, 1, command_report},
    {"sweep", "FILE", "[-j N] [-o OUT] [--shard K/N] [--resume] [--timeout SECONDS]",
     "run every point of a sweep file, one row each (CSV or JSON lines)", sweep_options_help, 0, command_sweep},
    {"merge", "-o OUT FILE...", "", "join the outputs of a sweep's shards into OUT, in point order", NULL, 0,
     command_merge},
    {"best", "FILE", "[--gpus N] [--top K] [-j N] [-o ROWS.jsonl] [--timeout SECONDS]",
     "search the parallelism plans for the scenario's model and cluster, best MFU first", best_options_help, 0,
     command_best},
    {"import", "megatron|nemo FILE", "[-o OUT]",
     "a Megatron-LM argument list or a NeMo training YAML as a commented scenario", import_options_help, 0,
     command_import},
};

#define COMMAND_COUNT (sizeof commands / sizeof *commands)

const cli_command* cli_command_named(const char* name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

void cli_print_usage(FILE* f)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        const cli_command* c = &commands[i];
        fprintf(f, "%s trainsim %s %s%s%s\n", i ? "      " : "usage:", c->name, c->args, c->options[0] ? " " : "",
                c->options);
    }
    fprintf(f, "       trainsim --help | --version\n");
}

/* TEXT on F, each "docs/" in it written as the docs' folder DOCS. */
static void print_naming_docs(FILE* f, const char* text, const char* docs)
{
    for (const char* p; (p = strstr(text, "docs/")); text = p + strlen("docs/"))
        fprintf(f, "%.*s%s/", (int)(p - text), text, docs);
    fputs(text, f);
}

int cli_print_help(void)
{
    char* text = NULL;   /* written whole: a failed write then says why */
    size_t len = 0;
    FILE* f = open_memstream(&text, &len);
    if (!f) {
        output_file_say_failed(NULL, "help", errno);
        return -1;
    }
    doc_paths where;
    doc_paths_find(&where);
    fprintf(f, "trainsim: a discrete-event simulator of large-model training on GPU clusters.\n\nCommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        char synopsis[64];
        snprintf(synopsis, sizeof synopsis, "%s %s", commands[i].name, commands[i].args);
        fprintf(f, "  %-14s  %s\n", synopsis, commands[i].summary);
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (commands[i].options_help) {
            fprintf(f, "\nOptions of %s:\n", commands[i].name);
            print_naming_docs(f, commands[i].options_help, where.docs);
        }
    fprintf(f, "\nExit status: 0 done, 1 the plan is infeasible, 2 usage or input error,\n"
               "3 system error (a fork, pipe or poll failed, or a write: a full disk, a closed stdout;\n"
               "the message names the call or the output).\n");
    print_naming_docs(f,
                      "Documentation in docs/: scenario.md (the scenario format), output.md (the output),\n"
                      "tutorial.md (a tour), sweep.md (sweeps, on one machine or a Slurm cluster).\n",
                      where.docs);
    fprintf(f, "Example scenarios: %s/ (sweep files in sweeps/, the tutorial's in teach/).\n\n", where.scenarios);
    cli_print_usage(f);
    fclose(f);
    int status = output_stdout(text, len, "help");
    free(text);
    return status;
}
