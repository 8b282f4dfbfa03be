/* scenario_commands: the commands that take one scenario, opened by main
 * (read, validated, its platform checked) and given to them in the call,
 * with their options (options.h). Each returns the exit status. */
#ifndef TRAINSIM_SCENARIO_COMMANDS_H
#define TRAINSIM_SCENARIO_COMMANDS_H

#include "cli/options.h"

int command_run(const cli_call* call);        /* simulate and report */
int command_check(const cli_call* call);      /* validate and check the memory */
int command_platform(const cli_call* call);   /* the platform XML */
int command_schedule(const cli_call* call);   /* one step drawn as text */
int command_explain(const cli_call* call);    /* the loss terms' closed forms */
int command_report(const cli_call* call);     /* the HTML page */

#endif
