/* host_names: the GPUs' host names (see host_names.h). */
#include "network/host_names.h"

#include <stdio.h>

void platform_host_name(int gpu, char* buf, int size)
{
    snprintf(buf, (size_t)size, "gpu-%d", gpu);
}
