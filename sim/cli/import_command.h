/* import_command: `trainsim import megatron|nemo FILE [-o OUT]`, another
 * framework's training configuration as a commented scenario
 * (input/import_scenario.h, docs/import.md). */
#ifndef TRAINSIM_IMPORT_COMMAND_H
#define TRAINSIM_IMPORT_COMMAND_H

#include "cli/options.h"

int command_import(const cli_call* call);

#endif
