/* commands: trainsim's commands in one table. A command's row holds all
 * that is said about it: its name, its usage line, its line and options in
 * the help, whether main opens a scenario for it, and what runs it. */
#ifndef TRAINSIM_COMMANDS_H
#define TRAINSIM_COMMANDS_H

#include <stdio.h>

#include "cli/options.h"

typedef struct {
    const char* name;
    const char* args;             /* its operands, as the help's list shows them: "FILE" */
    const char* options;          /* the rest of its usage line ("" for none) */
    const char* summary;          /* its line in the help */
    const char* options_help;     /* its "Options of" section, or NULL */
    int         needs_scenario;   /* main reads its options (options.h) and opens FILE for it */
    int (*run)(const cli_call* call);
} cli_command;

/* The command called NAME, or NULL. */
const cli_command* cli_command_named(const char* name);

/* The usage lines, one per command, on F. */
void cli_print_usage(FILE* f);

/* The help on stdout: the commands, their options, the exit statuses, then
 * the usage. Returns 0, or -1 after a message when it cannot be written. */
int cli_print_help(void);

#endif
