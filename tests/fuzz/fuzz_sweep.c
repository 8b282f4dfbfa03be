/* fuzz_sweep: libFuzzer harness for the sweep loader. Any bytes are a sweep
 * file (its base, when it names one, is read from tests/fuzz/ as usual);
 * one that loads has its first points expanded into scenario trees and
 * hashed. Never a crash, hang or leak. `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "batch/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    char* text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    sweep sw;
    diag d;
    diag_init(&d, "tests/fuzz/fuzz-sweep.yaml");
    if (sweep_load_text("tests/fuzz/fuzz-sweep.yaml", text, &sw, &d) == 0) {
        for (long long p = 0; p < sw.points && p < 4; p++) {
            char hash[17];
            sweep_point_hash(&sw, p, hash);
            diag point;
            diag_init(&point, sw.base);
            yt_free(sweep_point_tree(&sw, p, &point));
            diag_free(&point);
        }
    }
    sweep_free(&sw);
    diag_free(&d);
    free(text);
    return 0;
}
