/* main: trainsim's command line. Finds the command in the table
 * (commands.h), opens the scenario for those that take one and runs it;
 * no simulation logic lives here.
 *
 * Exit status: 0 done, 1 infeasible plan, 2 usage or input error, 3 system
 * error (a fork, pipe or poll that failed, a write that failed: a full
 * disk, a closed stdout). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/diag.h"
#include "core/output_file.h"
#include "output/report.h"   /* TRAINSIM_VERSION */
#include "run/scenario_open.h"

/* --help or -h anywhere ("trainsim run --help" too) asks for the help. */
static int asks_for_help(int argc, char** argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
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

/* A command that takes a scenario: its options, the scenario opened (read,
 * validated, its platform checked), the command, then --stats. */
static int run_on_scenario(const cli_command* command, int argc, char** argv, const struct timespec* t0)
{
    cli_args args;
    int status = cli_read_options(command->name, argc, argv, &args);
    if (status != CLI_GO_ON)
        return status;
    scenario sc;
    if (scenario_open_or_say(args.file, &sc))
        return EXIT_INPUT;
    if (args.seed_given)
        sc.seed = args.seed;
    if (args.samples)
        sc.output.samples = args.samples;
    status = command->run(&(cli_call){argc, argv, &args, &sc});
    if (args.stats)
        print_stats(t0);
    scenario_free(&sc);
    return status;
}

static int dispatch(int argc, char** argv, const struct timespec* t0)
{
    if (argc < 2)
        return cli_usage_error("%s", "no command given");
    if (asks_for_help(argc, argv)) {
        return cli_print_help() ? EXIT_SYSTEM : EXIT_DONE;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("trainsim %s\n", TRAINSIM_VERSION);
        return output_stdout_flush("version") ? EXIT_SYSTEM : EXIT_DONE;
    }
    const cli_command* command = cli_command_named(argv[1]);
    if (!command)
        return cli_usage_error("unknown command '%s'", argv[1]);
    if (command->needs_scenario)
        return run_on_scenario(command, argc, argv, t0);
    return command->run(&(cli_call){argc, argv, NULL, NULL});
}

int main(int argc, char** argv)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int status = dispatch(argc, argv, &t0);
    if (status == CLI_USAGE) {   /* its message is out: the usage follows it */
        cli_print_usage(stderr);
        return EXIT_INPUT;
    }
    /* Whatever a command printed and did not check: a failed write is never
     * exit 0 (a command that checked its own returned EXIT_SYSTEM). */
    if (status != EXIT_SYSTEM && output_stdout_flush("output"))
        return EXIT_SYSTEM;
    return status;
}
