/* foreign_names: the table of Megatron-LM's and NeMo's names (see
 * foreign_names.h). Sources: Megatron-LM's megatron/training/arguments.py
 * (the arguments, their defaults and validate_args's derivations) and NeMo
 * 1.x's megatron_gpt_config.yaml with NeMo-Framework-Launcher's training
 * recipes (the keys). docs/import.md is this table for readers. */
#include "input/foreign_names.h"

#include <string.h>

#include "input/gpu_catalog.h"
#include "input/scenario.h"

#define INT(m, n, k) {.megatron = m, .nemo = n, .key = k, .how = FOREIGN_INT, .values = 1}
#define NUMBER(m, n, k) {.megatron = m, .nemo = n, .key = k, .how = FOREIGN_NUMBER, .values = 1}
#define SWITCH(m, n, k, on_value, off_value) \
    {.megatron = m, .nemo = n, .key = k, .how = FOREIGN_SWITCH, .on = on_value, .off = off_value}
#define NAME(m, n, k, list, count) \
    {.megatron = m, .nemo = n, .key = k, .how = FOREIGN_NAME, .names = list, .name_count = count, .values = 1}
#define RULE(m, n, k, r, v) {.megatron = m, .nemo = n, .key = k, .how = FOREIGN_RULE, .rule = r, .values = v}
#define NO_EFFECT(m, n, v, why) {.megatron = m, .nemo = n, .how = FOREIGN_NO_EFFECT, .values = v, .note = why}
#define IGNORED(m, n, v) {.megatron = m, .nemo = n, .how = FOREIGN_IGNORED, .values = v}

static const char no_positions[] =
    "no effect: trainsim's layer has no position-embedding kernel and counts no position table";
static const char no_router_loss[] = "no effect: the router's loss and scores are not in trainsim's cost";
static const char no_fusion[] = "no effect: trainsim's kernels do not depend on this fusion";

static const foreign_name table[] = {
    /* the model */
    INT("num-layers", "model.num_layers", "model.layers"),
    INT("hidden-size", "model.hidden_size", "model.hidden"),
    INT("ffn-hidden-size", "model.ffn_hidden_size", "model.ffn_hidden"),
    INT("num-attention-heads", "model.num_attention_heads", "model.heads"),
    RULE("num-query-groups", "model.num_query_groups", "model.kv_heads", RULE_QUERY_GROUPS, 1),
    RULE("group-query-attention", NULL, NULL, RULE_GROUP_QUERY, 0),
    INT("kv-channels", "model.kv_channels", "model.head_dim"),
    INT("seq-length", "model.encoder_seq_length", "model.seq_len"),
    NO_EFFECT("max-position-embeddings", "model.max_position_embeddings", 1,
              "no effect: the step's cost follows seq_len; a learned position table is not counted"),
    RULE("vocab-size", NULL, "model.vocab", RULE_VOCAB, 1),
    RULE("padded-vocab-size", NULL, "model.vocab", RULE_PADDED_VOCAB, 1),
    RULE("make-vocab-size-divisible-by", "model.make_vocab_size_divisible_by", NULL, RULE_VOCAB_DIVISOR, 1),
    RULE("tokenizer-type", "model.tokenizer", NULL, RULE_TOKENIZER, 1),
    RULE("tokenizer-model", NULL, NULL, RULE_TOKENIZER, 1),
    RULE("vocab-file", NULL, NULL, RULE_TOKENIZER, 1),
    RULE("merge-file", NULL, NULL, RULE_TOKENIZER, 1),
    SWITCH("swiglu", NULL, "model.ffn_kind", "swiglu", NULL),
    RULE(NULL, "model.activation", "model.ffn_kind", RULE_NEMO_ACTIVATION, 1),
    SWITCH("untie-embeddings-and-output-weights", NULL, "model.tie_embeddings", "false", NULL),
    SWITCH(NULL, "model.share_embeddings_and_output_weights", "model.tie_embeddings", "true", "false"),
    RULE("hidden-dropout", "model.hidden_dropout", "model.dropout", RULE_HIDDEN_DROPOUT, 1),
    RULE("attention-dropout", "model.attention_dropout", "model.dropout", RULE_ATTENTION_DROPOUT, 1),
    NO_EFFECT(NULL, "model.ffn_dropout", 1, "no effect: trainsim has one dropout, model.dropout"),
    NO_EFFECT("normalization", "model.normalization", 1,
              "no effect: trainsim's layer norms are memory-bound kernels of the same traffic either way"),
    NO_EFFECT("position-embedding-type", "model.position_embedding_type", 1, no_positions),
    NO_EFFECT("use-rotary-position-embeddings", NULL, 0, no_positions),
    NO_EFFECT("no-position-embedding", NULL, 0, no_positions),
    NO_EFFECT("rotary-base", "model.rotary_base", 1, no_positions),
    NO_EFFECT("rotary-percent", "model.rotary_percentage", 1, no_positions),
    NO_EFFECT("disable-bias-linear", "model.bias", 0, "no effect: trainsim leaves the linear layers' biases out"),
    NO_EFFECT("no-masked-softmax-fusion", "model.masked_softmax_fusion", 0, no_fusion),
    NO_EFFECT("attention-softmax-in-fp32", NULL, 0, no_fusion),
    NO_EFFECT(NULL, "model.bias_activation_fusion", 1, no_fusion),
    NO_EFFECT(NULL, "model.bias_dropout_add_fusion", 1, no_fusion),
    NO_EFFECT(NULL, "model.apply_rope_fusion", 1, no_fusion),
    NO_EFFECT(NULL, "model.gradient_accumulation_fusion", 1, no_fusion),
    NO_EFFECT(NULL, "model.cross_entropy_loss_fusion", 1, no_fusion),
    NO_EFFECT(NULL, "model.persist_layer_norm", 1, no_fusion),
    NO_EFFECT(NULL, "model.mcore_gpt", 1, "no effect: trainsim simulates Megatron-Core's layers"),
    NO_EFFECT("use-mcore-models", NULL, 0, "no effect: trainsim simulates Megatron-Core's layers"),
    NO_EFFECT(NULL, "model.transformer_engine", 1, "no effect: trainsim's kernels are Transformer Engine's"),
    NO_EFFECT("transformer-impl", NULL, 1, "no effect: trainsim's kernels are Transformer Engine's"),
    /* mixture of experts */
    INT("num-experts", "model.num_moe_experts", "model.moe.experts"),
    INT("moe-router-topk", "model.moe_router_topk", "model.moe.top_k"),
    INT("moe-ffn-hidden-size", "model.moe_ffn_hidden_size", "model.moe.expert_ffn_hidden"),
    RULE("moe-shared-expert-intermediate-size", "model.moe_shared_expert_intermediate_size",
         "model.moe.shared_experts", RULE_SHARED_EXPERT, 1),
    RULE("moe-layer-freq", "model.moe_layer_freq", "model.moe.every", RULE_MOE_LAYER_FREQ, 1),
    NAME("moe-token-dispatcher-type", "model.moe_token_dispatcher_type", "model.moe.dispatcher",
         dispatcher_names, DISPATCH_COUNT),
    SWITCH("moe-enable-deepep", NULL, "model.moe.dispatcher", "flex", NULL),
    NUMBER("moe-expert-capacity-factor", "model.moe_expert_capacity_factor", "model.moe.capacity_factor"),
    NO_EFFECT("moe-grouped-gemm", "model.moe_grouped_gemm", 0,
              "no effect: trainsim runs the experts as Transformer Engine's grouped GEMM either way"),
    NO_EFFECT("moe-router-load-balancing-type", "model.moe_router_load_balancing_type", 1, no_router_loss),
    NO_EFFECT("moe-aux-loss-coeff", "model.moe_aux_loss_coeff", 1, no_router_loss),
    NO_EFFECT("moe-z-loss-coeff", "model.moe_z_loss_coeff", 1, no_router_loss),
    NO_EFFECT("moe-router-pre-softmax", "model.moe_router_pre_softmax", 0, no_router_loss),
    NO_EFFECT("moe-router-score-function", NULL, 1, no_router_loss),
    /* parallelism */
    INT("tensor-model-parallel-size", "model.tensor_model_parallel_size", "parallelism.tp"),
    INT("pipeline-model-parallel-size", "model.pipeline_model_parallel_size", "parallelism.pp"),
    RULE("num-layers-per-virtual-pipeline-stage", NULL, "parallelism.virtual_stages", RULE_LAYERS_PER_VSTAGE, 1),
    RULE("virtual-pipeline-model-parallel-size", "model.virtual_pipeline_model_parallel_size",
         "parallelism.virtual_stages", RULE_VSTAGES, 1),
    INT("context-parallel-size", "model.context_parallel_size", "parallelism.cp"),
    INT("expert-model-parallel-size", "model.expert_model_parallel_size", "parallelism.ep"),
    INT("expert-tensor-parallel-size", "model.expert_tensor_parallel_size", "parallelism.etp"),
    SWITCH("sequence-parallel", "model.sequence_parallel", "parallelism.sequence_parallel", "true", "false"),
    SWITCH("use-distributed-optimizer", NULL, "parallelism.zero", "1", NULL),
    RULE(NULL, "model.optim.name", "parallelism.zero", RULE_NEMO_OPTIMIZER, 1),
    SWITCH("overlap-grad-reduce", "model.optim.overlap_grad_sync", "parallelism.dp_overlap", "true", "false"),
    SWITCH("overlap-param-gather", "model.optim.overlap_param_sync", "parallelism.param_gather_overlap", "true",
           "false"),
    SWITCH("tp-comm-overlap", "model.ub_tp_comm_overlap", "parallelism.tp_comm_overlap", "true", "false"),
    NO_EFFECT(NULL, "model.overlap_p2p_comm", 1,
              "not simulated: trainsim's pipeline sends do not change with this switch"),
    NO_EFFECT(NULL, "model.batch_p2p_comm", 1,
              "not simulated: trainsim's pipeline sends do not change with this switch"),
    NAME("recompute-granularity", "model.activations_checkpoint_granularity", "parallelism.recompute",
         recompute_names, RECOMPUTE_COUNT),
    SWITCH("recompute-activations", NULL, "parallelism.recompute", "selective", NULL),
    SWITCH("checkpoint-activations", NULL, "parallelism.recompute", "full", NULL),
    RULE("recompute-method", "model.activations_checkpoint_method", NULL, RULE_RECOMPUTE_METHOD, 1),
    RULE("recompute-num-layers", "model.activations_checkpoint_num_layers", NULL, RULE_RECOMPUTE_METHOD, 1),
    SWITCH("use-flash-attn", "model.use_flash_attention", "parallelism.flash_attention", "true", "false"),
    RULE("attention-backend", NULL, "parallelism.flash_attention", RULE_ATTENTION_BACKEND, 1),
    INT("micro-batch-size", "model.micro_batch_size", "parallelism.micro_batch"),
    /* the cluster: torchrun's and NeMo's trainer */
    INT("nnodes", "trainer.num_nodes", "cluster.nodes"),
    INT("nproc-per-node", "trainer.devices", "cluster.gpus_per_node"),
    RULE("world-size", NULL, "parallelism.dp", RULE_WORLD_SIZE, 1),
    /* training */
    INT("global-batch-size", "model.global_batch_size", "training.global_batch"),
    INT("train-iters", "trainer.max_steps", "training.iterations"),
    RULE("train-samples", NULL, "training.tokens", RULE_TRAIN_SAMPLES, 1),
    RULE("rampup-batch-size", "model.rampup_batch_size", NULL, RULE_BATCH_RAMP, 3),
    SWITCH("bf16", NULL, "training.precision", "bf16", NULL),
    SWITCH("fp16", NULL, "training.precision", "fp16", NULL),
    RULE(NULL, "trainer.precision", "training.precision", RULE_NEMO_PRECISION, 1),
    RULE("fp8-format", NULL, "training.precision", RULE_FP8_FORMAT, 1),
    RULE(NULL, "model.fp8", "training.precision", RULE_NEMO_FP8, 1),
    NO_EFFECT(NULL, "model.fp8_e4m3", 1, "no effect: trainsim's fp8 GEMMs take the same time in either format"),
    NO_EFFECT(NULL, "model.fp8_hybrid", 1, "no effect: trainsim's fp8 GEMMs take the same time in either format"),
    NO_EFFECT("fp8-recipe", NULL, 1, "no effect: trainsim simulates Transformer Engine's delayed scaling"),
    SWITCH("fp8-param-gather", "model.fp8_params", "training.fp8_weights", "primary", NULL),
    SWITCH("grad-reduce-in-bf16", NULL, "training.grad_precision", "bf16", NULL),
    NAME(NULL, "model.optim.grad_sync_dtype", "training.grad_precision", grad_precision_names, GRAD_COUNT),
    NO_EFFECT("accumulate-allreduce-grads-in-fp32", NULL, 0,
              "no effect: fp32 gradients are trainsim's default with bf16 (training.grad_precision: auto)"),
    NO_EFFECT(NULL, "model.megatron_amp_O2", 1, "no effect: trainsim keeps fp32 master weights either way"),
    /* no meaning for a simulation */
    IGNORED("seed", "model.seed", 1),
    IGNORED("lr", "model.optim.lr", 1),
    IGNORED("min-lr", NULL, 1),
    IGNORED("lr-decay-style", NULL, 1),
    IGNORED("lr-decay-iters", NULL, 1),
    IGNORED("lr-decay-samples", NULL, 1),
    IGNORED("lr-warmup-iters", NULL, 1),
    IGNORED("lr-warmup-samples", NULL, 1),
    IGNORED("lr-warmup-fraction", NULL, 1),
    IGNORED("weight-decay", "model.optim.weight_decay", 1),
    IGNORED("clip-grad", "trainer.gradient_clip_val", 1),
    IGNORED("adam-beta1", NULL, 1),
    IGNORED("adam-beta2", NULL, 1),
    IGNORED("adam-eps", NULL, 1),
    IGNORED(NULL, "model.optim.betas", 1),
    IGNORED(NULL, "model.optim.sched", 1),
    IGNORED("init-method-std", "model.init_method_std", 1),
    IGNORED("log-interval", "trainer.log_every_n_steps", 1),
    IGNORED("save-interval", NULL, 1),
    IGNORED("eval-interval", "trainer.val_check_interval", 1),
    IGNORED("eval-iters", "trainer.limit_val_batches", 1),
    IGNORED("save", NULL, 1),
    IGNORED("load", NULL, 1),
    IGNORED("data-path", "model.data", -1),
    IGNORED("split", NULL, 1),
    IGNORED("tensorboard-dir", NULL, 1),
    IGNORED("wandb-project", NULL, 1),
    IGNORED("wandb-exp-name", NULL, 1),
    IGNORED("no-load-optim", NULL, 0),
    IGNORED("no-load-rng", NULL, 0),
    IGNORED("exit-on-missing-checkpoint", NULL, 0),
    IGNORED("use-checkpoint-args", NULL, 0),
    IGNORED("distributed-backend", NULL, 1),
    IGNORED("mock-data", NULL, 0),
    IGNORED(NULL, "run", 1),
    IGNORED(NULL, "hydra", 1),
    IGNORED(NULL, "defaults", 1),
    IGNORED(NULL, "exp_manager", 1),
    IGNORED(NULL, "name", 1),
    IGNORED(NULL, "model.nsys_profile", 1),
    IGNORED(NULL, "trainer.logger", 1),
    IGNORED(NULL, "trainer.max_time", 1),
    IGNORED(NULL, "trainer.accelerator", 1),
    IGNORED(NULL, "trainer.enable_checkpointing", 1),
    IGNORED(NULL, "trainer.max_epochs", 1),
    IGNORED(NULL, "trainer.limit_test_batches", 1),
    IGNORED(NULL, "trainer.use_distributed_sampler", 1),
    IGNORED(NULL, "model.use_scaled_init_method", 1),
    IGNORED(NULL, "model.layernorm_epsilon", 1),
    IGNORED(NULL, "model.do_layer_norm_weight_decay", 1),
    IGNORED(NULL, "model.native_amp_init_scale", 1),
    IGNORED(NULL, "model.native_amp_growth_interval", 1),
    IGNORED(NULL, "model.hysteresis", 1),
    IGNORED(NULL, "model.resume_from_checkpoint", 1),
    IGNORED(NULL, "model.use_cpu_initialization", 1),
    IGNORED(NULL, "model.onnx_safe", 1),
    IGNORED(NULL, "model.apex_transformer_log_level", 1),
    IGNORED(NULL, "model.deterministic_mode", 1),
    IGNORED(NULL, "model.gc_interval", 1),
    {.how = FOREIGN_HOW_COUNT}
};

const foreign_name* foreign_names(size_t* count)
{
    *count = sizeof table / sizeof *table - 1;
    return table;
}

/* A and B equal, '_' and '-' read alike. */
static int same_flag(const char* a, const char* b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

const foreign_name* foreign_megatron(const char* flag)
{
    for (const foreign_name* f = table; f->how != FOREIGN_HOW_COUNT; f++)
        if (f->megatron && same_flag(f->megatron, flag))
            return f;
    return NULL;
}

int foreign_covers_section(const foreign_name* f)
{
    return f && (f->how == FOREIGN_IGNORED || f->how == FOREIGN_NO_EFFECT || f->rule == RULE_TOKENIZER);
}

const foreign_name* foreign_nemo(const char* path)
{
    for (const foreign_name* f = table; f->how != FOREIGN_HOW_COUNT; f++)
        if (f->nemo && !strcmp(f->nemo, path))
            return f;
    for (const foreign_name* f = table; f->how != FOREIGN_HOW_COUNT; f++) {
        size_t n = f->nemo ? strlen(f->nemo) : 0;
        if (n && foreign_covers_section(f) && !strncmp(f->nemo, path, n) && path[n] == '.')
            return f;
    }
    return NULL;
}

/* The last name of a dotted PATH. */
static const char* last_name(const char* path)
{
    const char* dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

const char* foreign_scenario_key(const char* key)
{
    for (const foreign_name* f = table; f->how != FOREIGN_HOW_COUNT; f++) {
        if (!f->key)
            continue;
        if ((f->megatron && same_flag(f->megatron, key)) ||
            (f->nemo && !strcmp(last_name(f->nemo), key)))
            return f->key;
    }
    return NULL;
}
