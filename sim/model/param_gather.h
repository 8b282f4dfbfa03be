/* param_gather: parallelism.param_gather_overlap's buckets and the closed
 * form of what their all-gathers leave exposed (Megatron-Core's
 * --overlap-param-gather with the distributed optimizer, ZeRO 1 and 2).
 *
 * The updated weights are all-gathered bucket by bucket in the next step
 * instead of after the optimizer: the first bucket's gather is issued before
 * the first forward pass, and each later one when the forward pass reaches
 * the layers of the bucket before it (its pre-hook waits for that bucket and
 * issues the next), so bucket k+1's gather runs beside bucket k's forward.
 * The sources and the equation are in docs/model.md. */
#ifndef TRAINSIM_PARAM_GATHER_H
#define TRAINSIM_PARAM_GATHER_H

/* Megatron-Core's default bucket when none is given
 * (DistributedDataParallelConfig.bucket_size): max(40,000,000,
 * 1,000,000 x the data-parallel size with context parallelism) parameters,
 * larger groups taking larger buckets so that their collectives are not
 * latency-bound. */
#define PARAM_GATHER_MIN_BUCKET_PARAMS  40e6
#define PARAM_GATHER_BUCKET_PARAMS_PER_RANK 1e6

/* A model chunk's weights in buckets, in forward order: Megatron-Core fills
 * buckets from the last parameter back, so the first bucket in forward
 * order holds the remainder and every other one a whole bucket. Shares are
 * of the chunk's parameters. */
typedef struct {
    int    count;          /* 0: the chunk holds no parameters */
    double first_share;    /* the first bucket's */
    double share;          /* each other bucket's */
} weight_buckets;

double         param_gather_bucket_params(int dp_size);
weight_buckets param_gather_buckets(double params, int dp_size);

/* A model chunk's weights as one bucket, as they go with interleaving:
 * Megatron-Core's interleaved schedule hands a whole chunk's parameters to
 * param_sync_func (NeMo's distributed Adam all-gathers their buckets as one
 * coalesced group; Megatron-Core's DDP builds chunks after the first
 * without bucketing). */
weight_buckets param_gather_whole(double params);

/* The share of the chunk in bucket K of B. */
double param_gather_share(const weight_buckets* b, int k);

/* Seconds the forward pass waits for the gathers of COUNT buckets when
 * gather k takes GATHER[k] alone, bucket k's layers compute FORWARD[k], the
 * first gather starts with the pass and gather k+1 when bucket k's layers
 * start: GATHER[0] + sum over k >= 1 of max(0, GATHER[k] - FORWARD[k-1]). */
double param_gather_exposed(const double* gather, const double* forward, int count);

#endif
