/* import_defaults: what `trainsim import` writes where the configuration
 * says nothing: Megatron-Core's defaults where they differ from trainsim's
 * (so that the scenario means what the configuration meant), values
 * Megatron derives from others (the SwiGLU width, dp, the global batch),
 * and SET-ME for what only the user knows (the GPU, the nodes). */
#ifndef TRAINSIM_IMPORT_DEFAULTS_H
#define TRAINSIM_IMPORT_DEFAULTS_H

#include "input/import_doc.h"

/* Writes the defaults and placeholders of every key still unset. */
void import_fill_defaults(importer* imp);

#endif
