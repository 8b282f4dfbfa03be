/* test_slurm: tools/slurm-sweep on a real Slurm started on this machine
 * (tests/slurm-real.sh): a job array of shards with --resume, one shard
 * requeued while it runs and one whose trainsim is killed and requeued, the
 * merge job, and merged rows byte for byte those of one sweep. Without
 * Debian's Slurm and munge, or without root, the script says so and the test
 * passes, saying it did not run. */
#include <stdio.h>
#include <string.h>

#include "helpers.h"

START_TEST(a_real_slurm_runs_the_shards_requeues_and_merges)
{
    command_result r;
    run_program((const char*[]){"/bin/sh", "tests/slurm-real.sh", NULL}, &r);
    if (r.status == 77) {
        fprintf(stderr, "test_slurm: NOT RUN: %s", strbuf_text(&r.err));
    } else if (r.status != 0) {   /* the jobs and the daemons' logs: too long for Check's message */
        fprintf(stderr, "%s", strbuf_text(&r.err));
        const char* first_line_end = strchr(strbuf_text(&r.err), '\n');
        int shown = first_line_end ? (int)(first_line_end - strbuf_text(&r.err)) : 200;
        ck_abort_msg("tests/slurm-real.sh exited with %d: %.*s (its logs above)", r.status, shown < 400 ? shown : 400,
                     strbuf_text(&r.err));
    }
    command_result_free(&r);
}
END_TEST

Suite* slurm_suite(void)
{
    Suite* s = suite_create("slurm");
    TCase* tc = tcase_create("slurm");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, a_real_slurm_runs_the_shards_requeues_and_merges);
    suite_add_tcase(s, tc);
    return s;
}
