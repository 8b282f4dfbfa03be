/* fuzz_units: libFuzzer harness for quantity parsing: any text, every unit
 * kind; a value that parses is finite (a negative one is the caller's to
 * refuse: the scenario loader's ranges do). `make fuzz`. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    char* text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    const unit_kind kinds[] = {UNIT_BANDWIDTH, UNIT_TIME, UNIT_SIZE, UNIT_FLOPS, UNIT_POWER};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        double v = -1;
        if (units_parse(kinds[i], text, &v) == 0 && !isfinite(v))
            abort();   /* a parsed quantity is a finite number */
    }
    free(text);
    return 0;
}
