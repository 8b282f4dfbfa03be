/* param_gather: weight buckets and their exposed all-gathers (see
 * param_gather.h). */
#include "model/param_gather.h"

#include <math.h>

double param_gather_bucket_params(int dp_size)
{
    return fmax(PARAM_GATHER_MIN_BUCKET_PARAMS, PARAM_GATHER_BUCKET_PARAMS_PER_RANK * dp_size);
}

weight_buckets param_gather_buckets(double params, int dp_size)
{
    weight_buckets b = {0, 0, 0};
    if (params <= 0)
        return b;
    double size = param_gather_bucket_params(dp_size);
    b.count = (int)ceil(params / size);
    b.share = b.count > 1 ? size / params : 1;
    b.first_share = 1 - (b.count - 1) * b.share;
    return b;
}

weight_buckets param_gather_whole(double params)
{
    weight_buckets b = {params > 0, 1, 1};
    return b;
}

double param_gather_share(const weight_buckets* b, int k)
{
    return k == 0 ? b->first_share : b->share;
}

double param_gather_exposed(const double* gather, const double* forward, int count)
{
    if (count <= 0)
        return 0;
    double exposed = gather[0];
    for (int k = 1; k < count; k++)
        exposed += fmax(0, gather[k] - forward[k - 1]);
    return exposed;
}
