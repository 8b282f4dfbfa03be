/* import_megatron: a Megatron-LM argument list, as a launch script writes
 * it, read into settings for import_scenario.
 *
 * The text is split into words as a shell would: spaces, tabs and newlines
 * separate them, a backslash at the end of a line continues it, '...' and
 * "..." quote, '#' starts a comment. $VARs are kept as written. A launcher
 * (torchrun, python, deepspeed, srun) and its options up to the script
 * (pretrain_gpt.py) are skipped, but for the node and GPU counts torchrun
 * is given. Every --flag takes the words after it up to the next flag: as
 * many as its row in foreign_names says (a known flag missing its value is
 * an error), all of them for a flag not in the table. */
#ifndef TRAINSIM_IMPORT_MEGATRON_H
#define TRAINSIM_IMPORT_MEGATRON_H

#include "core/diag.h"
#include "input/import_doc.h"

/* Reads PATH ("-": stdin) into IN (whose file is set to the name messages
 * give it). Returns 0, or -1 with the problem in D. */
int import_megatron_read(const char* path, import_input* in, diag* d);

/* The same from TEXT. */
int import_megatron_text(const char* text, import_input* in, diag* d);

#endif
