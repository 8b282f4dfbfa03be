/* foreign_names: Megatron-LM's and NeMo's names for what a scenario says,
 * in one table that serves both `trainsim import` (which reads their
 * configurations) and the loader's "did you mean" (a scenario key written
 * with their name: tensor_model_parallel_size is parallelism.tp).
 *
 * A row names a Megatron-LM argument (without its dashes) and/or a NeMo 1.x
 * key (its dotted path from the YAML's root), the scenario key it sets, and
 * how its value becomes that key's. Arguments whose meaning needs more than
 * one value (--num-layers-per-virtual-pipeline-stage needs --num-layers and
 * the pipeline size) carry a rule, applied by the importer once every value
 * is read (input/import_scenario.c). */
#ifndef TRAINSIM_FOREIGN_NAMES_H
#define TRAINSIM_FOREIGN_NAMES_H

#include <stddef.h>

typedef enum {
    FOREIGN_INT,        /* a whole number, copied to the key */
    FOREIGN_NUMBER,     /* a number, copied */
    FOREIGN_SWITCH,     /* Megatron: given or not; NeMo: true or false. On: the key gets `on`; off: `off`
                           (NULL: nothing written) */
    FOREIGN_NAME,       /* one of the names of the key's enum (`names`), copied */
    FOREIGN_RULE,       /* read by the importer's rule `rule` */
    FOREIGN_NO_EFFECT,  /* understood; changes nothing trainsim simulates (`note` says why) */
    FOREIGN_IGNORED,    /* no meaning for a simulation: paths, logging, seeds, learning rates */
    FOREIGN_HOW_COUNT
} foreign_how;

typedef enum {
    RULE_NONE,
    RULE_QUERY_GROUPS,        /* --num-query-groups: kv_heads, with --group-query-attention */
    RULE_GROUP_QUERY,         /* --group-query-attention */
    RULE_VOCAB,               /* --vocab-size: padded as Megatron pads it */
    RULE_PADDED_VOCAB,        /* --padded-vocab-size: as is */
    RULE_VOCAB_DIVISOR,       /* --make-vocab-size-divisible-by */
    RULE_TOKENIZER,           /* the tokenizer: its vocabulary is not in the arguments */
    RULE_LAYERS_PER_VSTAGE,   /* --num-layers-per-virtual-pipeline-stage */
    RULE_VSTAGES,             /* --virtual-pipeline-model-parallel-size */
    RULE_TRAIN_SAMPLES,       /* --train-samples: tokens = samples x seq_len */
    RULE_RECOMPUTE_METHOD,    /* --recompute-method, --recompute-num-layers: said, not simulated */
    RULE_HIDDEN_DROPOUT,      /* --hidden-dropout */
    RULE_ATTENTION_DROPOUT,   /* --attention-dropout */
    RULE_ATTENTION_BACKEND,   /* --attention-backend */
    RULE_FP8_FORMAT,          /* --fp8-format */
    RULE_NEMO_FP8,            /* NeMo model.fp8 */
    RULE_NEMO_PRECISION,      /* NeMo trainer.precision */
    RULE_NEMO_ACTIVATION,     /* NeMo model.activation */
    RULE_NEMO_OPTIMIZER,      /* NeMo model.optim.name */
    RULE_WORLD_SIZE,          /* --world-size: dp */
    RULE_MOE_LAYER_FREQ,      /* --moe-layer-freq: every, first_dense */
    RULE_SHARED_EXPERT,       /* --moe-shared-expert-intermediate-size: shared_experts */
    RULE_BATCH_RAMP,          /* --rampup-batch-size: said, not simulated */
    RULE_COUNT
} foreign_rule;

typedef struct {
    const char*  megatron;   /* the argument without "--", or NULL */
    const char*  nemo;       /* the dotted path in a NeMo YAML, or NULL */
    const char*  key;        /* the scenario key it sets, or NULL */
    foreign_how  how;
    const char*  on, *off;   /* FOREIGN_SWITCH: the key's value when on, when off (NULL: none) */
    const char* const* names;   /* FOREIGN_NAME: the key's enum names ... */
    int          name_count;    /* ... and how many */
    foreign_rule rule;       /* FOREIGN_RULE */
    int          values;     /* Megatron: the words that follow it (-1: every word up to the next flag) */
    const char*  note;       /* the output's comment: what trainsim does with it */
} foreign_name;

/* The rows, ending with one whose how is FOREIGN_HOW_COUNT. */
const foreign_name* foreign_names(size_t* count);

/* The row of the Megatron argument FLAG (without dashes; '_' reads as '-',
 * as Megatron's argparse accepts neither but torchrun accepts both), or NULL. */
const foreign_name* foreign_megatron(const char* flag);

/* The row of the NeMo key at dotted PATH, or of a section above it that is
 * ignored or has no effect as a whole ("model.data" covers
 * "model.data.seq_length"), or NULL. */
const foreign_name* foreign_nemo(const char* path);

/* Whether ROW (may be NULL) stands for a whole NeMo section when it names
 * one: ignored, without effect, or the tokenizer's. */
int foreign_covers_section(const foreign_name* row);

/* The scenario key that KEY (one key, as written in a scenario: "num_layers")
 * is Megatron-LM's or NeMo's name for, or NULL. */
const char* foreign_scenario_key(const char* key);

#endif
