/* fuzz_platform: libFuzzer harness for the check of a hand-written SimGrid
 * platform (cluster.platform). Any bytes are the file: the check, which
 * loads it in a child process because SimGrid aborts on a bad one, must
 * answer ok or a reason, never crash or hang the caller. Slow (a process
 * and a SimGrid engine per input). `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "network/platform_file.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/trainsim-fuzz-platform-%d.xml", (int)getpid());
    FILE* f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    strbuf why = {0};
    platform_file_check(path, 2, &why);
    strbuf_free(&why);
    unlink(path);
    return 0;
}
