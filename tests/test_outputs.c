/* test_outputs: outputs never destroy what their names point at, and a
 * failed write is an error.
 *
 * Devices are copies made with mknod in a temporary folder when the tests
 * run as root (then an output replacing a device would replace only the
 * copy, never /dev/full itself), else /dev/full and /dev/null, which a user
 * cannot replace. Each test works in a folder of its own and checks that
 * nothing else appears there: no temporary file left behind. */
#define _XOPEN_SOURCE 700   /* mknod */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

/* A new empty folder under /tmp, into DIR. */
static void make_folder(char* dir, size_t size)
{
    snprintf(dir, size, "/tmp/trainsim-outputs-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* DIR/NAME into BUF. */
static const char* in_folder(char* buf, size_t size, const char* dir, const char* name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

/* How many entries DIR holds (without . and ..). */
static int entries(const char* dir)
{
    DIR* d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent* e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Removes DIR and what it holds (files, links, devices, one level of folders). */
static void remove_folder(const char* dir)
{
    DIR* d = opendir(dir);
    if (!d)
        return;
    struct dirent* e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path))
            remove_folder(path);
    }
    closedir(d);
    rmdir(dir);
}

/* The character device 1:MINOR (3 /dev/null, 7 /dev/full) as DIR/NAME when
 * mknod may make it, else the system's own. */
static const char* device(char* buf, size_t size, const char* dir, const char* name, int minor)
{
    in_folder(buf, size, dir, name);
    if (mknod(buf, S_IFCHR | 0666, makedev(1, (unsigned)minor)) == 0)
        return buf;
    snprintf(buf, size, "%s", minor == 7 ? "/dev/full" : "/dev/null");
    return buf;
}

static int is_character_device(const char* path)
{
    struct stat st;
    return !lstat(path, &st) && S_ISCHR(st.st_mode);
}

static void assert_contains(const command_result* r, const char* text)
{
    ck_assert_msg(strstr(strbuf_text(&r->err), text), "expected on stderr: %s\ngot: %s", text,
                  strbuf_text(&r->err));
}

/* ---- devices and FIFOs: written in place ------------------------------------ */

/* A trace on a full device: exit 3 naming it and the reason; the device
 * stays a device, and nothing else appears beside it. */
START_TEST(trace_on_a_full_device_is_an_error_and_the_device_stays)
{
    char dir[64], full[128];
    make_folder(dir, sizeof dir);
    device(full, sizeof full, dir, "full", 7);
    command_result r;
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--trace", full, NULL}, &r);
    ck_assert_int_eq(r.status, 3);
    char expected[256];
    snprintf(expected, sizeof expected, "trainsim: cannot write the trace %s: No space left on device", full);
    assert_contains(&r, expected);
    ck_assert(is_character_device(full));
    ck_assert_int_eq(entries(dir), strncmp(full, dir, strlen(dir)) ? 0 : 1);
    command_result_free(&r);
    remove_folder(dir);
}
END_TEST

/* A trace and a page into a null device: written into it (exit 0), the
 * device stays. */
START_TEST(outputs_into_a_null_device_are_written_in_place)
{
    char dir[64], null[128];
    make_folder(dir, sizeof dir);
    device(null, sizeof null, dir, "null", 3);
    command_result r;
    run_trainsim_ok((const char*[]){"run", "scenarios/tiny.yaml", "--trace", null, NULL}, &r);
    command_result_free(&r);
    run_trainsim_ok((const char*[]){"report", "scenarios/tiny.yaml", "-o", null, NULL}, &r);
    command_result_free(&r);
    ck_assert(is_character_device(null));
    ck_assert_int_eq(entries(dir), strncmp(null, dir, strlen(dir)) ? 0 : 1);
    remove_folder(dir);
}
END_TEST

/* A trace into a FIFO reaches the process reading it, byte for byte the
 * trace written to a file, and the FIFO stays a FIFO. */
START_TEST(trace_into_a_fifo_reaches_its_reader)
{
    char dir[64], fifo[128], copy[128], file[128];
    make_folder(dir, sizeof dir);
    in_folder(fifo, sizeof fifo, dir, "fifo");
    in_folder(copy, sizeof copy, dir, "copy.json");
    in_folder(file, sizeof file, dir, "file.json");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    pid_t reader = fork();
    ck_assert(reader >= 0);
    if (reader == 0) {   /* copies what comes through the FIFO */
        int in = open(fifo, O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        char buf[65536];
        ssize_t n;
        while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                _exit(1);
        _exit(in >= 0 && out >= 0 ? 0 : 1);
    }
    command_result r;
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--trace", fifo, NULL}, &r);
    struct stat st;
    int still_fifo = !lstat(fifo, &st) && S_ISFIFO(st.st_mode);
    if (!still_fifo)
        kill(reader, SIGKILL);   /* it waits on a FIFO no one opens */
    int status;
    waitpid(reader, &status, 0);
    ck_assert_msg(still_fifo, "the FIFO was replaced");
    ck_assert_int_eq(r.status, 0);
    command_result_free(&r);
    run_trainsim_ok((const char*[]){"run", "scenarios/tiny.yaml", "--trace", file, NULL}, &r);
    command_result_free(&r);
    strbuf a = {0}, b = {0};
    read_file(copy, &a);
    read_file(file, &b);
    ck_assert_uint_gt(a.len, 100);
    ck_assert_str_eq(strbuf_text(&a), strbuf_text(&b));
    strbuf_free(&a);
    strbuf_free(&b);
    ck_assert_int_eq(entries(dir), 3);
    remove_folder(dir);
}
END_TEST

/* ---- symbolic links: their targets are written ----------------------------- */

/* A trace and a page through symbolic links (one relative, into another
 * folder; one to a file not there yet): the links stay, their targets get
 * the output. */
START_TEST(outputs_through_links_write_their_targets)
{
    char dir[64], sub[128], target[160], link[128], dangling[128], page[160];
    make_folder(dir, sizeof dir);
    in_folder(sub, sizeof sub, dir, "sub");
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    in_folder(target, sizeof target, sub, "trace.json");
    write_text(target, "old\n");
    in_folder(link, sizeof link, dir, "link.json");
    ck_assert_int_eq(symlink("sub/trace.json", link), 0);
    command_result r;
    run_trainsim_ok((const char*[]){"run", "scenarios/tiny.yaml", "--trace", link, NULL}, &r);
    command_result_free(&r);
    struct stat st;
    ck_assert(!lstat(link, &st) && S_ISLNK(st.st_mode));
    strbuf text = {0};
    read_file(target, &text);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&text), "\"traceEvents\""));
    in_folder(dangling, sizeof dangling, dir, "page.html");
    ck_assert_int_eq(symlink("sub/page-target.html", dangling), 0);
    run_trainsim_ok((const char*[]){"report", "scenarios/tiny.yaml", "-o", dangling, NULL}, &r);
    command_result_free(&r);
    ck_assert(!lstat(dangling, &st) && S_ISLNK(st.st_mode));
    in_folder(page, sizeof page, sub, "page-target.html");
    strbuf_clear(&text);
    read_file(page, &text);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&text), "<html"));
    strbuf_free(&text);
    ck_assert_int_eq(entries(dir), 3);   /* sub, the two links */
    ck_assert_int_eq(entries(sub), 2);
    remove_folder(sub);
    remove_folder(dir);
}
END_TEST

/* ---- inputs are never outputs ---------------------------------------------- */

/* Copies scenarios/tiny.yaml to DIR/NAME. */
static void copy_tiny(char* path, size_t size, const char* dir, const char* name)
{
    strbuf text = {0};
    read_file("scenarios/tiny.yaml", &text);
    write_text(in_folder(path, size, dir, name), strbuf_text(&text));
    strbuf_free(&text);
}

/* Runs ARGS, which name an input as an output: exit 2, a message naming
 * both (MESSAGE), and the file FILE (WAS its text) as it was. */
static void assert_refused(const char* const* args, const char* message, const char* file, const char* was)
{
    command_result r;
    run_trainsim(args, &r);
    ck_assert_msg(r.status == 2, "%s %s: exit %d, expected 2", args[0], args[1], r.status);
    assert_contains(&r, message);
    command_result_free(&r);
    strbuf now = {0};
    read_file(file, &now);
    ck_assert_str_eq(strbuf_text(&now), was);
    strbuf_free(&now);
}

START_TEST(an_input_is_never_an_output)
{
    char dir[64], in[128], hard[128], sweep_file[128], message[512];
    make_folder(dir, sizeof dir);
    copy_tiny(in, sizeof in, dir, "in.yaml");
    in_folder(hard, sizeof hard, dir, "other-name.yaml");
    ck_assert_int_eq(link(in, hard), 0);   /* the same file by another name */
    strbuf was = {0};
    read_file(in, &was);
    snprintf(message, sizeof message, "cannot write the trace %s: it is the scenario %s, which this run reads", in, in);
    assert_refused((const char*[]){"run", in, "--trace", in, NULL}, message, in, strbuf_text(&was));
    snprintf(message, sizeof message, "cannot write the trace %s: it is the scenario %s", hard, in);
    assert_refused((const char*[]){"run", in, "--trace", hard, NULL}, message, in, strbuf_text(&was));
    snprintf(message, sizeof message, "cannot write the report %s: it is the scenario %s", in, in);
    assert_refused((const char*[]){"report", in, "-o", in, NULL}, message, in, strbuf_text(&was));
    char rows[128];   /* best's rows must end in .jsonl: a third name for in.yaml */
    in_folder(rows, sizeof rows, dir, "rows.jsonl");
    ck_assert_int_eq(link(in, rows), 0);
    snprintf(message, sizeof message, "cannot write the rows %s: it is the scenario %s", rows, in);
    assert_refused((const char*[]){"best", in, "-o", rows, NULL}, message, in, strbuf_text(&was));
    unlink(rows);
    /* A sweep over in.yaml: neither the sweep file nor its base. */
    in_folder(sweep_file, sizeof sweep_file, dir, "s.yaml");
    write_text(sweep_file, "format: 1\nbase: in.yaml\ngrid:\n  seed: [1, 2]\n");
    strbuf sweep_text = {0};
    read_file(sweep_file, &sweep_text);
    for (int resume = 0; resume < 2; resume++) {
        const char* opt = resume ? "--resume" : "-j";
        const char* arg = resume ? "--resume" : "1";
        snprintf(message, sizeof message, "cannot write the rows %s: it is the sweep %s", sweep_file, sweep_file);
        assert_refused((const char*[]){"sweep", sweep_file, "-o", sweep_file, opt, arg, NULL}, message, sweep_file,
                       strbuf_text(&sweep_text));
        snprintf(message, sizeof message, "cannot write the rows %s: it is the base scenario", hard);
        assert_refused((const char*[]){"sweep", sweep_file, "-o", hard, opt, arg, NULL}, message, in,
                       strbuf_text(&was));
    }
    strbuf_free(&sweep_text);
    strbuf_free(&was);
    ck_assert_int_eq(entries(dir), 3);
    remove_folder(dir);
}
END_TEST

/* merge refuses to write over one of the shards it reads. */
START_TEST(merge_never_writes_over_a_shard)
{
    char dir[64], shard[128], message[512];
    make_folder(dir, sizeof dir);
    in_folder(shard, sizeof shard, dir, "a.csv");
    write_text(shard, "point,hash\n");
    snprintf(message, sizeof message, "cannot write the merged rows %s: it is the shard %s", shard, shard);
    assert_refused((const char*[]){"merge", "-o", shard, shard, NULL}, message, shard, "point,hash\n");
    ck_assert_int_eq(entries(dir), 1);
    remove_folder(dir);
}
END_TEST

/* ---- folders, and what --resume reads -------------------------------------- */

/* An output naming a folder is refused before anything is written: no
 * temporary file beside it or in it, with or without --resume. */
START_TEST(a_folder_is_never_an_output)
{
    char dir[64], out[128], message[256];
    make_folder(dir, sizeof dir);
    in_folder(out, sizeof out, dir, "out");
    ck_assert_int_eq(mkdir(out, 0700), 0);
    snprintf(message, sizeof message, "cannot write the rows %s: it is a directory", out);
    const char* sweep_file = "tests/sweep/tiny-grid.yaml";
    command_result r;
    const char* const calls[][8] = {
        {"sweep", sweep_file, "-o", out, NULL},
        {"sweep", sweep_file, "-o", out, "--resume", NULL},
        {"run", "scenarios/tiny.yaml", "--trace", out, NULL},
        {"report", "scenarios/tiny.yaml", "-o", out, NULL},
    };
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        run_trainsim(calls[i], &r);
        ck_assert_msg(r.status == 2, "%s: exit %d, expected 2", calls[i][0], r.status);
        assert_contains(&r, "it is a directory");
        if (i < 2)
            assert_contains(&r, message);
        command_result_free(&r);
        ck_assert_int_eq(entries(dir), 1);
        ck_assert_int_eq(entries(out), 0);
    }
    remove_folder(out);
    remove_folder(dir);
}
END_TEST

/* --resume reads the rows already written: a device is refused (a null
 * device's copy would otherwise be read, then replaced). */
START_TEST(resume_reads_only_a_regular_file)
{
    char dir[64], null[128];
    make_folder(dir, sizeof dir);
    device(null, sizeof null, dir, "rows.csv", 3);
    command_result r;
    run_trainsim((const char*[]){"sweep", "tests/sweep/tiny-grid.yaml", "-o", null, "--resume", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    assert_contains(&r, "--resume reads the rows already in");
    assert_contains(&r, "expected a regular file, found a character device");
    command_result_free(&r);
    ck_assert(is_character_device(null));
    ck_assert_int_eq(entries(dir), strncmp(null, dir, strlen(dir)) ? 0 : 1);
    remove_folder(dir);
}
END_TEST

/* ---- write errors are errors ----------------------------------------------- */

/* Runs trainsim with ARGS, its stdout the file OUT. */
static void run_into(const char* out, const char* const* args, command_result* r)
{
    const char* trainsim = getenv("TRAINSIM") && *getenv("TRAINSIM") ? getenv("TRAINSIM") : "build/trainsim";
    const char* argv[32] = {"/bin/sh", "-c", "out=$1; shift; exec \"$@\" >\"$out\"", "sh", out, trainsim};
    int argc = 6;
    for (int i = 0; args[i] && argc < 31; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    run_program(argv, r);
}

/* Every command that prints, its stdout on a full device: exit 3 and a
 * message naming what could not be written, never "(null)". */
START_TEST(stdout_on_a_full_device_is_an_error)
{
    char dir[64], full[128], shard[128];
    make_folder(dir, sizeof dir);
    device(full, sizeof full, dir, "full", 7);
    in_folder(shard, sizeof shard, dir, "shard.csv");
    write_text(shard, "point,hash,status\n0,0123456789abcdef,ok\n");   /* a row: as many columns as its header */
    static const struct {
        const char* args[8];
        const char* what;
    } calls[] = {
        {{"run", "scenarios/tiny.yaml", NULL}, "the report"},
        {{"run", "scenarios/tiny.yaml", "--json", NULL}, "the report"},
        {{"explain", "scenarios/tiny.yaml", NULL}, "the explanation"},
        {{"schedule", "scenarios/tiny.yaml", NULL}, "the schedule"},
        {{"report", "scenarios/tiny.yaml", NULL}, "the report"},
        {{"platform", "scenarios/tiny.yaml", NULL}, "the platform"},
        {{"platform", "tests/platform/dgx-a100-pod.yaml", NULL}, "the platform"},
        {{"check", "scenarios/tiny.yaml", NULL}, "the check's result"},
        {{"best", "scenarios/tiny.yaml", "--gpus", "2", NULL}, "the plans"},
        {{"sweep", "tests/sweep/tiny-grid.yaml", NULL}, "the rows"},
        {{"--version", NULL}, "the version"},
        {{"--help", NULL}, "the help"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        command_result r;
        run_into(full, calls[i].args, &r);
        char expected[128];
        snprintf(expected, sizeof expected, "trainsim: cannot write %s to stdout: No space left on device",
                 calls[i].what);
        ck_assert_msg(r.status == 3, "%s %s: exit %d, expected 3 (%s)", calls[i].args[0],
                      calls[i].args[1] ? calls[i].args[1] : "", r.status, strbuf_text(&r.err));
        assert_contains(&r, expected);
        ck_assert_ptr_null(strstr(strbuf_text(&r.err), "(null)"));
        command_result_free(&r);
    }
    command_result r;
    run_into(full, (const char*[]){"merge", "-o", "-", shard, NULL}, &r);
    ck_assert_int_eq(r.status, 3);
    assert_contains(&r, "trainsim: cannot write the merged rows to stdout: No space left on device");
    command_result_free(&r);
    ck_assert(is_character_device(full));
    remove_folder(dir);
}
END_TEST

/* Rows into a full device: exit 3 naming it. */
START_TEST(rows_on_a_full_device_are_an_error)
{
    char dir[64], full[128], expected[256];
    make_folder(dir, sizeof dir);
    device(full, sizeof full, dir, "rows.csv", 7);
    command_result r;
    run_trainsim((const char*[]){"sweep", "tests/sweep/tiny-grid.yaml", "-o", full, NULL}, &r);
    ck_assert_int_eq(r.status, 3);
    snprintf(expected, sizeof expected, "trainsim: cannot write the rows %s: No space left on device", full);
    assert_contains(&r, expected);
    command_result_free(&r);
    char shard[128];
    in_folder(shard, sizeof shard, dir, "shard.csv");
    write_text(shard, "point,hash,status\n0,0123456789abcdef,ok\n");   /* a row: as many columns as its header */
    run_trainsim((const char*[]){"merge", "-o", full, shard, NULL}, &r);
    ck_assert_int_eq(r.status, 3);
    snprintf(expected, sizeof expected, "trainsim: cannot write the merged rows %s: No space left on device", full);
    assert_contains(&r, expected);
    command_result_free(&r);
    ck_assert(is_character_device(full));
    remove_folder(dir);
}
END_TEST

Suite* outputs_suite(void)
{
    Suite* s = suite_create("outputs");
    TCase* tc = tcase_create("paths");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, trace_on_a_full_device_is_an_error_and_the_device_stays);
    tcase_add_test(tc, outputs_into_a_null_device_are_written_in_place);
    tcase_add_test(tc, trace_into_a_fifo_reaches_its_reader);
    tcase_add_test(tc, outputs_through_links_write_their_targets);
    tcase_add_test(tc, an_input_is_never_an_output);
    tcase_add_test(tc, merge_never_writes_over_a_shard);
    tcase_add_test(tc, a_folder_is_never_an_output);
    tcase_add_test(tc, resume_reads_only_a_regular_file);
    tcase_add_test(tc, stdout_on_a_full_device_is_an_error);
    tcase_add_test(tc, rows_on_a_full_device_are_an_error);
    suite_add_tcase(s, tc);
    return s;
}
