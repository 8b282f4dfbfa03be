/* options: the options of the commands that take a scenario (run, check,
 * platform, schedule, explain, report), read from one table of small
 * readers, and what such a command is given. */
#ifndef TRAINSIM_OPTIONS_H
#define TRAINSIM_OPTIONS_H

#include "input/scenario.h"

typedef struct {
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
    int         jobs;     /* run: an uncertainty study's samples at a time (default: the cores) */
    const char* rows;     /* run: where every sample's row goes (JSON lines); NULL: nowhere */
    int         resume;   /* run: keep the rows ROWS holds */
    int         nominal;  /* run: the nominal scenario only, no study */
    int         samples;  /* run, report: the study's samples instead of output.samples; 0: the file's */
    double      timeout;  /* run, report: seconds a sample's process may run; 0: no limit */
} cli_args;

/* What a command runs with: the whole command line; for a command that
 * takes a scenario, its options and the scenario opened (else NULL). */
typedef struct {
    int             argc;
    char**          argv;
    const cli_args* args;
    const scenario* sc;
} cli_call;

/* Reads COMMAND's options and its FILE from ARGV[2..] into A. Returns
 * CLI_GO_ON, or the exit status to leave with (CLI_USAGE included). */
int cli_read_options(const char* command, int argc, char** argv, cli_args* a);

#endif
