/* import_nemo: a NeMo 1.x training YAML (NeMo-Framework-Launcher's
 * conf/training recipes, NeMo's megatron_gpt_config.yaml: `trainer:`,
 * `model:` with `optim:`), read with the strict YAML reader into settings
 * for import_scenario, one per key by its dotted path. A null value is a
 * key left unset, and is skipped; a section the table ignores as a whole
 * (exp_manager, model.data) is one setting. */
#ifndef TRAINSIM_IMPORT_NEMO_H
#define TRAINSIM_IMPORT_NEMO_H

#include "core/diag.h"
#include "input/import_doc.h"

/* Reads PATH into IN. Returns 0, or -1 with the problem in D. */
int import_nemo_read(const char* path, import_input* in, diag* d);

#endif
