/* test_workers: a batch's worker processes are bounded: a point that runs
 * past `--timeout` is killed and becomes an error row, and no worker
 * outlives the sweep that forked it, even one killed by SIGKILL. Both use
 * the hang hook of the tests' build of trainsim (TRAINSIM_SWEEP_HANG_POINT:
 * that point's worker waits for ever). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static const char* grid_file = "tests/sweep/tiny-grid.yaml";   /* 12 points, 8 of them valid */

static const char* hooks_binary(void)
{
    const char* hooks = getenv("TRAINSIM_TEST_HOOKS_BIN");
    return hooks ? hooks : "build/trainsim-test-hooks";
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, ms % 1000 * 1000000}, NULL);
}

/* --timeout's seconds for a point that must finish: 2 s natively, times
 * Check's CK_TIMEOUT_MULTIPLIER (the slow builds: valgrind, the sanitizers),
 * as text. */
static double slowness(void)
{
    const char* m = getenv("CK_TIMEOUT_MULTIPLIER");
    return m && atof(m) > 0 ? atof(m) : 1;
}

static const char* timeout_text(char* buf, size_t size)
{
    snprintf(buf, size, "%g", 2 * slowness());
    return buf;
}

static int count_lines(const char* text, const char* needle)
{
    int n = 0;
    for (const char* p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* A point that hangs is killed after --timeout and its row says so; the
 * others are as without it; the sweep takes the timeout, not for ever. */
START_TEST(a_point_past_its_timeout_is_an_error_row)
{
    setenv("TRAINSIM_SWEEP_HANG_POINT", "3", 1);
    command_result r;
    char seconds[32], expected[64];
    timeout_text(seconds, sizeof seconds);
    double t0 = now_seconds();
    run_program((const char*[]){hooks_binary(), "sweep", grid_file, "-j", "2", "--timeout", seconds, NULL}, &r);
    double took = now_seconds() - t0;
    unsetenv("TRAINSIM_SWEEP_HANG_POINT");
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, strbuf_text(&r.err));
    const char* rows = strbuf_text(&r.out);
    ck_assert_msg(strstr(rows, "\n3,"), "no row 3 in %s", rows);
    snprintf(expected, sizeof expected, ",error,timeout after %s s", seconds);
    ck_assert_msg(strstr(rows, expected), "no \"%s\" in %s", expected, rows);
    ck_assert_int_eq(count_lines(rows, ",ok,"), 7);
    ck_assert_int_eq(count_lines(rows, "\n"), 13);
    ck_assert_msg(took < 15 * atof(seconds), "the sweep took %.1f s", took);
    command_result_free(&r);
}
END_TEST

/* An uncertainty study's samples run as a sweep's points: --timeout holds
 * for them too, and the study reports the sample it lost. */
START_TEST(a_study_sample_past_its_timeout_is_reported)
{
    setenv("TRAINSIM_SWEEP_HANG_POINT", "1", 1);
    command_result r;
    char seconds[32];
    run_program((const char*[]){hooks_binary(), "run", "scenarios/teach/uncertain-256.yaml", "--samples", "4", "-j",
                                "2", "--timeout", timeout_text(seconds, sizeof seconds), NULL},
                &r);
    unsetenv("TRAINSIM_SWEEP_HANG_POINT");
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, strbuf_text(&r.err));
    ck_assert_msg(strstr(strbuf_text(&r.out), "3 ran, the others could not") &&
                      strstr(strbuf_text(&r.out), "1 error: timeout after"),
                  "%s", strbuf_text(&r.out));
    command_result_free(&r);
}
END_TEST

/* --timeout takes a positive number of seconds. */
START_TEST(timeout_needs_positive_seconds)
{
    const char* bad[] = {"0", "-1", "soon", "1e9"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        command_result r;
        run_trainsim((const char*[]){"sweep", grid_file, "--timeout", bad[i], NULL}, &r);
        ck_assert_msg(r.status == 2, "--timeout %s: exit %d", bad[i], r.status);
        ck_assert_msg(strstr(strbuf_text(&r.err), "--timeout expects"), "--timeout %s: %s", bad[i],
                      strbuf_text(&r.err));
        command_result_free(&r);
    }
}
END_TEST

/* The processes whose parent is PARENT, into PIDS (at most MAX); how many. */
static int children_of(pid_t parent, pid_t* pids, int max)
{
    DIR* proc = opendir("/proc");
    ck_assert_ptr_nonnull(proc);
    int n = 0;
    struct dirent* e;
    while (n < max && (e = readdir(proc)) != NULL) {
        char path[300], stat[512];
        long pid = strtol(e->d_name, NULL, 10);
        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE* f = fopen(path, "r");
        if (!f)
            continue;
        size_t got = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[got] = '\0';
        const char* after_name = strrchr(stat, ')');   /* "pid (name) state ppid ..." */
        char state;
        long ppid;
        if (after_name && sscanf(after_name + 1, " %c %ld", &state, &ppid) == 2 && ppid == parent)
            pids[n++] = (pid_t)pid;
    }
    closedir(proc);
    return n;
}

/* Whether the worker PID, this test's child since its sweep died (the test
 * is their subreaper), is still running: reaps it when it has ended. */
static int alive(pid_t pid)
{
    int status;
    pid_t got = waitpid(pid, &status, WNOHANG);
    return got == 0 || (got < 0 && errno == EINTR);
}

/* A sweep killed by SIGKILL cannot stop its workers itself: each worker
 * asks the kernel to kill it when its parent dies (issue 20: one was left
 * at 97 % CPU). The sweep's workers are gone within two seconds (times
 * CK_TIMEOUT_MULTIPLIER in the slow builds). */
START_TEST(no_worker_outlives_its_sweep)
{
    /* Orphans come to this test rather than to init, which may never reap
     * them: it can wait for them, and leaves no zombie behind. */
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    setenv("TRAINSIM_SWEEP_HANG_POINT", "0", 1);
    const char* hooks = hooks_binary();
    pid_t sweep = fork();
    ck_assert(sweep >= 0);
    if (sweep == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(hooks, hooks, "sweep", grid_file, "-j", "2", (char*)NULL);
        _exit(127);
    }
    unsetenv("TRAINSIM_SWEEP_HANG_POINT");
    pid_t workers[8];
    int n = 0;
    for (double t0 = now_seconds(); n == 0 && now_seconds() - t0 < 10 * slowness(); pause_ms(20))
        n = children_of(sweep, workers, 8);
    ck_assert_msg(n > 0, "the sweep started no worker");
    pause_ms((long)(300 * slowness()));   /* the hanging point's worker is past its start */
    n = children_of(sweep, workers, 8);
    kill(sweep, SIGKILL);
    waitpid(sweep, NULL, 0);
    int left = 0;
    for (double t0 = now_seconds(); now_seconds() - t0 < 2 * slowness(); pause_ms(20)) {
        left = 0;
        for (int i = 0; i < n; i++)
            left += alive(workers[i]);
        if (!left)
            break;
    }
    for (int i = 0; i < n; i++)   /* without the fix: end what this test started */
        if (alive(workers[i])) {
            kill(workers[i], SIGKILL);
            waitpid(workers[i], NULL, 0);
        }
    ck_assert_msg(left == 0, "%d of the sweep's %d workers outlived it", left, n);
}
END_TEST

Suite* workers_suite(void)
{
    Suite* s = suite_create("workers");
    TCase* tc = tcase_create("processes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_point_past_its_timeout_is_an_error_row);
    tcase_add_test(tc, a_study_sample_past_its_timeout_is_reported);
    tcase_add_test(tc, timeout_needs_positive_seconds);
    tcase_add_test(tc, no_worker_outlives_its_sweep);
    suite_add_tcase(s, tc);
    return s;
}
