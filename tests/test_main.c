/* test_main: runs every Check suite of trainsim. Each test runs in its own
 * process (Check's fork mode), which SimGrid needs: one engine per process. */
#include <stdlib.h>

#include <stdio.h>

#include "helpers.h"

int main(void)
{
    SRunner* runner = srunner_create(units_suite());
    srunner_add_suite(runner, yaml_suite());
    srunner_add_suite(runner, scenario_suite());
    srunner_add_suite(runner, workload_suite());
    srunner_add_suite(runner, model_keys_suite());
    srunner_add_suite(runner, kernels_suite());
    srunner_add_suite(runner, memory_suite());
    srunner_add_suite(runner, schedule_suite());
    srunner_add_suite(runner, platform_suite());
    srunner_add_suite(runner, link_share_suite());
    srunner_add_suite(runner, collective_suite());
    srunner_add_suite(runner, nccl_suite());
    srunner_add_suite(runner, iteration_suite());
    srunner_add_suite(runner, cli_suite());
    srunner_add_suite(runner, detail_suite());
    srunner_add_suite(runner, campaign_suite());
    srunner_add_suite(runner, bound_suite());
    srunner_add_suite(runner, workers_suite());
    srunner_add_suite(runner, ettr_suite());
    srunner_add_suite(runner, power_suite());
    srunner_add_suite(runner, sweep_suite());
    srunner_add_suite(runner, plot_suite());
    srunner_add_suite(runner, trace_suite());
    srunner_add_suite(runner, teach_suite());
    srunner_add_suite(runner, report_suite());
    srunner_add_suite(runner, json_suite());
    srunner_add_suite(runner, tutorial_suite());
    srunner_add_suite(runner, determinism_suite());
    srunner_add_suite(runner, install_suite());
    srunner_add_suite(runner, slurm_suite());
    srunner_add_suite(runner, stage_layers_suite());
    srunner_add_suite(runner, tp_overlap_suite());
    srunner_add_suite(runner, param_gather_suite());
    srunner_add_suite(runner, cp_suite());
    srunner_add_suite(runner, moe_suite());
    srunner_add_suite(runner, dispatch_suite());
    srunner_add_suite(runner, gpu_speed_suite());
    srunner_add_suite(runner, uncertainty_suite());
    srunner_add_suite(runner, uncertainty_run_suite());
    srunner_add_suite(runner, outputs_suite());
    srunner_add_suite(runner, rows_suite());
    srunner_add_suite(runner, layers_suite());
    srunner_add_suite(runner, import_suite());
    srunner_add_suite(runner, invariants_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
