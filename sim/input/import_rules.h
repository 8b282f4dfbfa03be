/* import_rules: what `trainsim import` derives from more than one setting
 * (virtual stages from the layers per virtual stage, tokens from samples,
 * the padded vocabulary, where the MoE layers are, dp from the world size)
 * and what it reads in another framework's words (NeMo's precision, an
 * attention backend). Each value's comment says how. */
#ifndef TRAINSIM_IMPORT_RULES_H
#define TRAINSIM_IMPORT_RULES_H

#include "input/import_doc.h"

/* Applies the rule of every setting that has one (imp->by_rule). Returns 0,
 * or -1 with the bad value in imp->d. */
int import_apply_rules(importer* imp);

#endif
