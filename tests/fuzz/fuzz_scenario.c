/* fuzz_scenario: libFuzzer harness for the scenario loader. Any bytes are
 * a scenario file: it must load or be refused with a message (never crash,
 * hang or leak), and a scenario that loads must also get through the
 * workload and memory model (run_prepare: exit 0 or 1). `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "run/run.h"
#include "input/scenario.h"
#include "input/scenario_load.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    char* text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    scenario sc;
    diag d;
    diag_init(&d, "fuzz.yaml");
    if (scenario_load_text("fuzz.yaml", text, &sc, &d) == 0 && !sc.cluster.platform[0]) {
        run_result r;
        run_prepare(&sc, &r);
        run_result_free(&r);
    }
    scenario_free(&sc);
    diag_free(&d);
    free(text);
    return 0;
}
