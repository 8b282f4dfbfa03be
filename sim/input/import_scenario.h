/* import_scenario: another framework's training configuration, read into
 * settings by a front end (import_megatron, import_nemo), turned into a
 * commented scenario of format 1 through the table of foreign_names.h.
 *
 * Every setting lands somewhere the reader sees: a scenario key (its
 * comment names the setting), the list of settings with no effect on the
 * simulation (with why), the list of those with no meaning for it (paths,
 * logging, learning rates), or the list of those not understood, which is
 * also printed on stderr. What the configuration does not say (the GPU, the
 * nodes, often the vocabulary) is written as SET-ME with a comment: the file
 * loads once those are set. Defaults of Megatron-Core that differ from
 * trainsim's are written out, so the scenario means what the configuration
 * meant. docs/import.md says all of it for readers. */
#ifndef TRAINSIM_IMPORT_SCENARIO_H
#define TRAINSIM_IMPORT_SCENARIO_H

#include "core/diag.h"
#include "core/strbuf.h"
#include "input/import_doc.h"

/* The scenario IN describes, as commented YAML, into OUT; the lines for
 * stderr (not understood, values left as written, values to set) into
 * NOTES. NAME is the scenario's name. Returns 0, or -1 with the first bad
 * value in D (a word where a number belongs, a value no rule reads). */
int import_scenario(const import_input* in, const char* name, strbuf* out, strbuf* notes, diag* d);

#endif
