/* test_sweep: `trainsim sweep` and `trainsim merge` end to end: rows in point
 * order whatever the workers, invalid and crashed points as rows, a sweep
 * killed with SIGKILL and resumed giving exactly the rows of one run (plain
 * and gzip), shards merged into the unsharded output, and bad sweep files. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "core/rowfile.h"

static const char grid_file[] = "tests/sweep/tiny-grid.yaml";
static const char seeds_file[] = "tests/sweep/seeds.yaml";

static void append_line(const char* line, void* arg)
{
    strbuf_printf(arg, "%s\n", line);
}

/* PATH's complete lines (decompressed), as text. */
static void lines_of(const char* path, strbuf* out)
{
    strbuf_clear(out);
    ck_assert_int_eq(rowfile_read_lines(path, append_line, out), 0);
}

static int count_lines(const char* text, const char* needle)
{
    int n = 0;
    for (const char* p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Writes a sweep file over scenarios/tiny.yaml (by its absolute path) with
 * TEXT after the base line, at a new temporary PATH. */
static void write_sweep(char* path, size_t size, const char* text)
{
    char cwd[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    temp_path(path, size, ".yaml");
    FILE* f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "format: 1\nbase: %s/scenarios/tiny.yaml\n%s", cwd, text);
    fclose(f);
}

START_TEST(rows_do_not_depend_on_the_workers)
{
    command_result one, two;
    run_trainsim((const char*[]){"sweep", grid_file, "-j", "1", NULL}, &one);
    run_trainsim((const char*[]){"sweep", grid_file, "-j", "2", NULL}, &two);
    ck_assert_msg(one.status == 0, "%s", strbuf_text(&one.err));
    /* no progress line when stderr is not a terminal; the counts by status at the end */
    ck_assert_str_eq(strbuf_text(&one.err), "trainsim sweep: 12 rows: 8 ok, 0 infeasible, 4 invalid, 0 error\n");
    ck_assert_str_eq(strbuf_text(&one.out), strbuf_text(&two.out));
    const char* rows = strbuf_text(&one.out);
    ck_assert_int_eq(count_lines(rows, "\n"), 13);   /* the header and 12 points */
    ck_assert_int_eq(count_lines(rows, ",ok,"), 8);
    ck_assert_int_eq(count_lines(rows, ",invalid,"), 4);
    ck_assert_ptr_nonnull(strstr(rows, "point,hash,status,reason,parallelism.tp,parallelism.micro_batch,"));
    ck_assert_ptr_nonnull(strstr(rows, "\n11,"));   /* the last point's row */
    command_result_free(&one);
    command_result_free(&two);
}
END_TEST

/* On a terminal (script(1) gives it one), stderr gets the progress line. */
/* Points over run-level keys share one step simulation (sweep.md, "Shared
 * step simulations"), and their rows are the same bytes as when every point
 * simulates its own (the tests' build turns the sharing off). */
START_TEST(shared_steps_change_no_byte)
{
    char cwd[512], sweep_path[128];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    temp_path(sweep_path, sizeof sweep_path, ".yaml");
    FILE* f = fopen(sweep_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "format: 1\nbase: %s/tests/campaign/tiny-failures.yaml\n"
               "grid:\n  failures.components[0].mtbf: [100h, 400h]\n  checkpoint.interval: [10min, auto]\n"
               "  output.replications: [5]\n  parallelism.micro_batch: [1, 2]\n", cwd);
    fclose(f);
    const char* hooks = getenv("TRAINSIM_TEST_HOOKS_BIN") ? getenv("TRAINSIM_TEST_HOOKS_BIN")
                                                          : "build/trainsim-test-hooks";
    command_result shared, own;
    run_program((const char*[]){hooks, "sweep", sweep_path, "-j", "2", NULL}, &shared);
    setenv("TRAINSIM_NO_STEP_CACHE", "1", 1);
    run_program((const char*[]){hooks, "sweep", sweep_path, "-j", "2", NULL}, &own);
    unsetenv("TRAINSIM_NO_STEP_CACHE");
    ck_assert_msg(shared.status == 0 && own.status == 0, "%s%s", strbuf_text(&shared.err), strbuf_text(&own.err));
    ck_assert_int_eq(count_lines(strbuf_text(&shared.out), ",ok,"), 8);
    ck_assert_str_eq(strbuf_text(&shared.out), strbuf_text(&own.out));
    unlink(sweep_path);
    command_result_free(&shared);
    command_result_free(&own);
}
END_TEST

START_TEST(progress_shows_on_a_terminal)
{
    char out[128], command[512];
    temp_path(out, sizeof out, ".csv");
    const char* trainsim = getenv("TRAINSIM") ? getenv("TRAINSIM") : "build/trainsim";
    snprintf(command, sizeof command, "%s sweep %s -o %s", trainsim, grid_file, out);
    command_result r;
    run_program((const char*[]){"/usr/bin/script", "-qec", command, "/dev/null", NULL}, &r);
    ck_assert_msg(r.status == 0, "%s%s", strbuf_text(&r.out), strbuf_text(&r.err));
    ck_assert_msg(strstr(strbuf_text(&r.out), "trainsim sweep: 12/12 points, "), "no progress line in \"%s\"",
                  strbuf_text(&r.out));
    unlink(out);
    command_result_free(&r);
    /* best labels its own: the plans it simulates */
    snprintf(command, sizeof command, "%s best scenarios/tiny.yaml --top 1", trainsim);
    run_program((const char*[]){"/usr/bin/script", "-qec", command, "/dev/null", NULL}, &r);
    ck_assert_msg(r.status == 0, "%s%s", strbuf_text(&r.out), strbuf_text(&r.err));
    ck_assert_msg(strstr(strbuf_text(&r.out), "trainsim best: 248/248 plans, "), "no progress line of best in \"%s\"",
                  strbuf_text(&r.out));
    command_result_free(&r);
}
END_TEST

/* A row keeps the values the point ran with: dp after auto is the number
 * auto gave (tiny.yaml's 16 GPUs / (tp x pp 2)); an invalid point, which
 * has no report, keeps "auto" as written. The counts at the end say how
 * many rows have each status, kept ones included. */
START_TEST(a_row_keeps_the_resolved_values)
{
    char sweep_path[128], out[128];
    write_sweep(sweep_path, sizeof sweep_path, "grid:\n  parallelism.tp: [1, 2, 16]\n  parallelism.dp: [auto]\n");
    temp_path(out, sizeof out, ".csv");
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", sweep_path, "-o", out, "-j", "1", NULL}, &r);
    strbuf rows = {0};
    lines_of(out, &rows);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&rows), "point,hash,status,reason,parallelism.tp,parallelism.dp,gpus,"));
    ck_assert_msg(strstr(strbuf_text(&rows), ",ok,,1,8,16,"), "no dp 8 for tp 1 in %s", strbuf_text(&rows));
    ck_assert_msg(strstr(strbuf_text(&rows), ",ok,,2,4,16,"), "no dp 4 for tp 2 in %s", strbuf_text(&rows));
    ck_assert_msg(strstr(strbuf_text(&rows), ",16,auto,"), "tp 16 (invalid) lost its auto in %s", strbuf_text(&rows));
    ck_assert_int_eq(count_lines(strbuf_text(&rows), ",ok,"), 2);
    ck_assert_int_eq(count_lines(strbuf_text(&rows), ",invalid,"), 1);
    ck_assert_str_eq(strbuf_text(&r.err), "trainsim sweep: 3 rows: 2 ok, 0 infeasible, 1 invalid, 0 error\n");
    command_result_free(&r);
    run_trainsim_ok((const char*[]){"sweep", sweep_path, "-o", out, "--resume", NULL}, &r);
    ck_assert_str_eq(strbuf_text(&r.err),
                     "trainsim sweep: 3 rows: 2 ok, 0 infeasible, 1 invalid, 0 error (3 of them kept from before)\n");
    command_result_free(&r);
    strbuf_free(&rows);
    unlink(out);
    unlink(sweep_path);
}
END_TEST

/* A value the scenario rejects is reported where the sweep writes it. */
START_TEST(a_bad_value_is_a_row_that_points_into_the_sweep)
{
    char sweep_path[128];
    write_sweep(sweep_path, sizeof sweep_path, "grid:\n  parallelism.tp: [2, many]\n");
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", sweep_path, "-o", "-", NULL}, &r);
    char expected[256];
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.out), ",invalid,"));
    snprintf(expected, sizeof expected, "%s:4:23: parallelism.tp: expected a positive integer", sweep_path);
    ck_assert_msg(strstr(strbuf_text(&r.out), expected), "no \"%s\" in %s", expected, strbuf_text(&r.out));
    unlink(sweep_path);
    command_result_free(&r);
}
END_TEST

/* The crash hook is compiled only into the tests' build of trainsim
 * ($TRAINSIM_TEST_HOOKS_BIN, default build/trainsim-test-hooks); the
 * trainsim users run ignores the variable. */
START_TEST(a_crashed_point_is_an_error_row_and_the_sweep_goes_on)
{
    const char* hooks = getenv("TRAINSIM_TEST_HOOKS_BIN") ? getenv("TRAINSIM_TEST_HOOKS_BIN")
                                                          : "build/trainsim-test-hooks";
    setenv("TRAINSIM_SWEEP_CRASH_POINT", "3", 1);
    command_result r, plain;
    run_program((const char*[]){hooks, "sweep", grid_file, "-j", "2", NULL}, &r);
    run_trainsim((const char*[]){"sweep", grid_file, "-j", "2", NULL}, &plain);
    unsetenv("TRAINSIM_SWEEP_CRASH_POINT");
    ck_assert_msg(r.status == 0, "%s", strbuf_text(&r.err));
    const char* rows = strbuf_text(&r.out);
    ck_assert_ptr_nonnull(strstr(rows, "\n3,"));
    ck_assert_ptr_nonnull(strstr(rows, ",error,the point's process was killed by signal 6"));
    ck_assert_int_eq(count_lines(rows, ",ok,"), 7);
    ck_assert_int_eq(count_lines(rows, "\n"), 13);
    ck_assert_msg(plain.status == 0, "%s", strbuf_text(&plain.err));
    ck_assert_int_eq(count_lines(strbuf_text(&plain.out), ",error,"), 0);
    ck_assert_int_eq(count_lines(strbuf_text(&plain.out), ",ok,"), 8);
    command_result_free(&r);
    command_result_free(&plain);
}
END_TEST

/* Starts `trainsim sweep seeds -j 2 -o OUT` in its own process group, kills
 * the group with SIGKILL once OUT holds at least three rows, and returns how
 * many rows it held then. */
static int sweep_killed_part_way(const char* out)
{
    const char* trainsim = getenv("TRAINSIM") ? getenv("TRAINSIM") : "build/trainsim";
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        freopen("/dev/null", "w", stderr);
        execl(trainsim, trainsim, "sweep", seeds_file, "-j", "2", "-o", out, (char*)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    strbuf text = {0};
    int rows = 0;
    for (int i = 0; i < 20000 && rows < 4; i++) {   /* the header and three rows */
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        strbuf_clear(&text);
        if (rowfile_read_lines(out, append_line, &text) == 0)
            rows = count_lines(strbuf_text(&text), "\n");
    }
    kill(-pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    strbuf_clear(&text);
    rowfile_read_lines(out, append_line, &text);
    rows = count_lines(strbuf_text(&text), "\n") - 1;
    strbuf_free(&text);
    return rows;
}

static void check_kill_and_resume(const char* suffix)
{
    char whole[128], resumed[128];
    temp_path(whole, sizeof whole, suffix);
    temp_path(resumed, sizeof resumed, suffix);
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", seeds_file, "-j", "2", "-o", whole, NULL}, &r);
    command_result_free(&r);
    int rows = sweep_killed_part_way(resumed);
    ck_assert_msg(rows >= 3 && rows < 24, "killed with %d of 24 rows written: not part-way", rows);
    run_trainsim_ok((const char*[]){"sweep", seeds_file, "-j", "2", "-o", resumed, "--resume", NULL}, &r);
    command_result_free(&r);
    strbuf a = {0}, b = {0};
    lines_of(whole, &a);
    lines_of(resumed, &b);
    ck_assert_str_eq(strbuf_text(&b), strbuf_text(&a));
    ck_assert_int_eq(count_lines(strbuf_text(&a), "\n"), suffix[1] == 'c' ? 25 : 24);
    if (strstr(suffix, ".gz")) {   /* the resumed file is compressed too, from its first byte */
        FILE* f = fopen(resumed, "rb");
        unsigned char magic[2] = {0};
        ck_assert(f && fread(magic, 1, 2, f) == 2);
        fclose(f);
        ck_assert_msg(magic[0] == 0x1f && magic[1] == 0x8b, "%s is not gzip", resumed);
    }
    strbuf_free(&a);
    strbuf_free(&b);
    unlink(whole);
    unlink(resumed);
}

START_TEST(a_killed_sweep_resumes_to_the_same_rows)
{
    check_kill_and_resume(".csv");
}
END_TEST

START_TEST(a_killed_gzip_sweep_resumes_to_the_same_rows)
{
    check_kill_and_resume(".jsonl.gz");
}
END_TEST

START_TEST(shards_merge_into_the_unsharded_rows)
{
    char whole[128], shard[3][128], merged[128];
    temp_path(whole, sizeof whole, ".jsonl");
    temp_path(merged, sizeof merged, ".jsonl");
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", grid_file, "-o", whole, NULL}, &r);
    command_result_free(&r);
    for (int k = 0; k < 3; k++) {
        char spec[16];
        snprintf(spec, sizeof spec, "%d/3", k + 1);
        temp_path(shard[k], sizeof shard[k], ".jsonl");
        run_trainsim_ok((const char*[]){"sweep", grid_file, "--shard", spec, "-o", shard[k], NULL}, &r);
        command_result_free(&r);
    }
    run_trainsim_ok((const char*[]){"merge", "-o", merged, shard[2], shard[0], shard[1], NULL}, &r);
    command_result_free(&r);
    strbuf a = {0}, b = {0};
    lines_of(whole, &a);
    lines_of(merged, &b);
    ck_assert_str_eq(strbuf_text(&b), strbuf_text(&a));
    lines_of(shard[1], &b);
    ck_assert_int_eq(count_lines(strbuf_text(&b), "\n"), 4);   /* points 1, 4, 7, 10 */
    strbuf_free(&a);
    strbuf_free(&b);
    unlink(whole);
    unlink(merged);
    for (int k = 0; k < 3; k++)
        unlink(shard[k]);
}
END_TEST

/* Shards that hold no row (a shard of a sweep with fewer points than
 * shards) merge into the header alone: nothing to sort (qsort of no rows was
 * undefined behaviour, which make asan's UBSan stopped at). */
START_TEST(shards_without_rows_merge_into_a_header)
{
    char shard[2][128], merged[128];
    temp_path(merged, sizeof merged, ".csv");
    for (int k = 0; k < 2; k++) {
        temp_path(shard[k], sizeof shard[k], ".csv");
        write_text(shard[k], "point,hash\n");
    }
    command_result r;
    run_trainsim_ok((const char*[]){"merge", "-o", merged, shard[0], shard[1], NULL}, &r);
    command_result_free(&r);
    strbuf text = {0};
    read_file(merged, &text);
    ck_assert_str_eq(strbuf_text(&text), "point,hash\n");
    strbuf_free(&text);
    unlink(merged);
    for (int k = 0; k < 2; k++)
        unlink(shard[k]);
}
END_TEST

/* A sweep file with TEXT (its base: tiny.yaml) gives exit 2 and MESSAGE
 * after the file's name. */
static void check_bad_sweep(const char* text, const char* message)
{
    char path[128];
    write_sweep(path, sizeof path, text);
    command_result r;
    run_trainsim((const char*[]){"sweep", path, NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(strbuf_text(&r.out), "");
    char expected[512];
    snprintf(expected, sizeof expected, "%s%s\n", path, message);
    ck_assert_str_eq(strbuf_text(&r.err), expected);
    unlink(path);
    command_result_free(&r);
}

START_TEST(bad_sweep_files_are_refused_with_their_position)
{
    check_bad_sweep("grids:\n  parallelism.tp: [1]\n",
                    ":3:1: (document): expected a key of a sweep (format, name, description, base, grid, zip), "
                    "found the unknown key \"grids\"");
    check_bad_sweep("grid:\n  parallelism.tp: []\n",
                    ":4:19: grid.parallelism.tp: expected a non-empty list of values, found an empty list");
    check_bad_sweep("zip:\n  parallelism.tp: [1, 2]\n  parallelism.pp: [2]\n",
                    ":5:19: zip.parallelism.pp: expected a list of 2 values, as long as the zip's first, found a list of 1");
    check_bad_sweep("grid:\n  model.layers.count: [4]\n",
                    ":4:3: grid.model.layers.count: expected a dotted key of the scenario (parallelism.tp, "
                    "failures.components[0].mtbf), found \"model.layers.count\", which is not a key of the scenario format");
    check_bad_sweep("grid:\n  model..layers: [4]\n",
                    ":4:3: grid.model..layers: expected a dotted key of the scenario (parallelism.tp, "
                    "failures.components[0].mtbf), found \"model..layers\", which is not a key of the scenario format");
    /* a misspelt key: refused at load, not 6 invalid rows and exit 0 */
    check_bad_sweep("grid:\n  parallelism.tp: [1, 2]\n  parallelism.ppp: [1, 2, 4]\n",
                    ":5:3: grid.parallelism.ppp: expected a dotted key of the scenario (parallelism.tp, "
                    "failures.components[0].mtbf), found \"parallelism.ppp\", which is not a key of the scenario "
                    "format (did you mean parallelism.pp?)");
    check_bad_sweep("zip:\n  failures.component[0].mtbf: [1h]\n",
                    ":4:3: zip.failures.component[0].mtbf: expected a dotted key of the scenario (parallelism.tp, "
                    "failures.components[0].mtbf), found \"failures.component[0].mtbf\", which is not a key of the "
                    "scenario format (did you mean failures.components[0].mtbf?)");
    /* a key of the format that the base cannot hold there: at load too */
    check_bad_sweep("grid:\n  failures.components[3].mtbf: [1h]\n",
                    ":4:3: failures.components[3].mtbf: expected a path through the base scenario's mappings (and "
                    "lists, as name[i], within their length), found one that does not lead to a value there");
    check_bad_sweep("name: empty\n",
                    ":1:1: grid: expected at least one key to vary, in grid or zip (the key is required), found nothing");
}
END_TEST

/* A base scenario with a NUL byte is refused whole (its points once read a
 * copy cut at the NUL for the file's full length). */
START_TEST(a_base_with_a_nul_byte_is_refused)
{
    char base[128], sweep_path[128];
    temp_path(base, sizeof base, ".yaml");
    temp_path(sweep_path, sizeof sweep_path, ".yaml");
    FILE* f = fopen(base, "w");
    ck_assert_ptr_nonnull(f);
    static const char text[] = "format: 1\nname: a\0b\n";
    fwrite(text, 1, sizeof text - 1, f);
    fclose(f);
    f = fopen(sweep_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "format: 1\nbase: %s\ngrid:\n  seed: [1]\n", base);
    fclose(f);
    command_result r;
    run_trainsim((const char*[]){"sweep", sweep_path, NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(strbuf_text(&r.out), "");
    ck_assert_msg(strstr(strbuf_text(&r.err), "not valid UTF-8 text"), "%s", strbuf_text(&r.err));
    unlink(base);
    unlink(sweep_path);
    command_result_free(&r);
}
END_TEST

START_TEST(resume_needs_an_output_file)
{
    command_result r;
    run_trainsim((const char*[]){"sweep", grid_file, "--resume", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "--resume needs -o OUT"));
    command_result_free(&r);
    run_trainsim((const char*[]){"sweep", grid_file, "--shard", "4/3", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "--shard expects K/N with 1 <= K <= N, found '4/3'"));
    command_result_free(&r);
}
END_TEST

/* tools/slurm-sweep with a fake sbatch, and with --local: its jobs' merged
 * rows are one run's (tests/slurm-sweep.sh says what failed). */
START_TEST(the_slurm_script_runs_the_shards_and_merges_them)
{
    command_result r;
    run_program((const char*[]){"/bin/sh", "tests/slurm-sweep.sh", NULL}, &r);
    ck_assert_msg(r.status == 0, "tests/slurm-sweep.sh: %s", strbuf_text(&r.err));
    command_result_free(&r);
}
END_TEST

/* trainsim best: every candidate counted once (ruled out, too big, or
 * simulated), plans printed best MFU first, and the simulated rows kept. */
START_TEST(best_ranks_the_plans_that_fit)
{
    char rows[128];
    temp_path(rows, sizeof rows, ".jsonl");
    command_result r;
    run_trainsim_ok((const char*[]){"best", "tests/best/small.yaml", "--top", "5", "-o", rows, NULL}, &r);
    const char* out = strbuf_text(&r.out);
    long candidates, ruled_out, too_big, simulated;
    ck_assert_int_eq(sscanf(out, "trainsim best: best-small on 16 GPUs: %ld candidate plans; %ld ruled out by the "
                                 "scenario's rules or dominated, %ld do not fit in 80.0 GiB; %ld simulated",
                            &candidates, &ruled_out, &too_big, &simulated), 4);
    ck_assert_int_eq(candidates, ruled_out + too_big + simulated);
    ck_assert(too_big > 0 && simulated > 0);
    double previous = 101, mfu;
    int plans = 0;
    for (const char* line = strstr(out, "\n   1 "); line; line = strchr(line + 1, '\n')) {
        const char* percent = strchr(line, '%');
        if (!percent)
            break;
        const char* start = percent;
        while (start > line && start[-1] != ' ')
            start--;
        mfu = strtod(start, NULL);
        ck_assert_msg(mfu <= previous, "plan %d's MFU %.1f %% is above the one before it", plans + 1, mfu);
        previous = mfu;
        plans++;
    }
    ck_assert_int_eq(plans, 5);
    strbuf kept = {0};
    lines_of(rows, &kept);
    ck_assert_int_eq(count_lines(strbuf_text(&kept), "\n"), (int)simulated);
    strbuf_free(&kept);
    unlink(rows);
    command_result_free(&r);
}
END_TEST

/* best opens its scenario as every command does: a hand-written platform
 * that cannot be loaded is an input error before any plan is searched. */
START_TEST(best_checks_a_hand_written_platform)
{
    command_result r;
    run_trainsim((const char*[]){"best", "tests/bad/platform-missing.yaml", "-j", "1", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(strbuf_text(&r.out), "");
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "tests/bad/platform-missing.yaml:5:49: cluster.platform: "
                                                      "expected a SimGrid platform file"));
    command_result_free(&r);
}
END_TEST

/* A sweep that cannot make the pipe to its workers (here: too few file
 * descriptors allowed, the test's own closed first) fails as a system
 * error, status 3, naming the call, not as a bad input. */
START_TEST(a_failed_pipe_is_a_system_error)
{
    const char* bin = getenv("TRAINSIM") ? getenv("TRAINSIM") : "build/trainsim";
    char out[256];
    temp_path(out, sizeof out, ".csv");
    command_result r;
    run_program((const char*[]){"/bin/sh", "-c", "exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; ulimit -n 5 && "
                                "exec \"$0\" sweep tests/sweep/tiny-grid.yaml -j 2 -o \"$1\"",
                                bin, out, NULL},
                &r);
    ck_assert_int_eq(r.status, 3);
    ck_assert_str_eq(strbuf_text(&r.err), "trainsim: system error: pipe: Too many open files\n");
    command_result_free(&r);
    unlink(out);
}
END_TEST

Suite* sweep_suite(void)
{
    Suite* s = suite_create("sweep");
    TCase* tc = tcase_create("sweep");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, rows_do_not_depend_on_the_workers);
    tcase_add_test(tc, a_bad_value_is_a_row_that_points_into_the_sweep);
    tcase_add_test(tc, progress_shows_on_a_terminal);
    tcase_add_test(tc, shared_steps_change_no_byte);
    tcase_add_test(tc, a_crashed_point_is_an_error_row_and_the_sweep_goes_on);
    tcase_add_test(tc, a_killed_sweep_resumes_to_the_same_rows);
    tcase_add_test(tc, a_killed_gzip_sweep_resumes_to_the_same_rows);
    tcase_add_test(tc, shards_merge_into_the_unsharded_rows);
    tcase_add_test(tc, shards_without_rows_merge_into_a_header);
    tcase_add_test(tc, bad_sweep_files_are_refused_with_their_position);
    tcase_add_test(tc, a_row_keeps_the_resolved_values);
    tcase_add_test(tc, resume_needs_an_output_file);
    tcase_add_test(tc, a_base_with_a_nul_byte_is_refused);
    tcase_add_test(tc, the_slurm_script_runs_the_shards_and_merges_them);
    tcase_add_test(tc, best_ranks_the_plans_that_fit);
    tcase_add_test(tc, best_checks_a_hand_written_platform);
    tcase_add_test(tc, a_failed_pipe_is_a_system_error);
    suite_add_tcase(s, tc);
    return s;
}
