/* batch_commands: sweep, merge and best, which read their own arguments
 * from the call's command line. Each returns the exit status, or CLI_USAGE
 * after a usage error's message (args.h). */
#ifndef TRAINSIM_BATCH_COMMANDS_H
#define TRAINSIM_BATCH_COMMANDS_H

#include "cli/options.h"

int command_sweep(const cli_call* call);   /* trainsim sweep FILE [-j N] [-o OUT] [--shard K/N] [--resume] */
int command_merge(const cli_call* call);   /* trainsim merge -o OUT FILE... */
int command_best(const cli_call* call);    /* trainsim best FILE [--gpus N] [--top K] [-j N] [-o ROWS.jsonl] */

#endif
