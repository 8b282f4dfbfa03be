/* test_install: `make install` with PREFIX and DESTDIR puts the binary, its
 * man page (readable by `man -l`, naming the installed files under PREFIX),
 * tools/plot as trainsim-plot, the docs, the platforms and the scenarios in
 * place;
 * the installed binary runs an installed scenario, and its --help names the
 * installed docs and scenarios (the build's names the source tree's, a
 * lone copy's the relative docs/); `make uninstall` takes them all away
 * again. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static int exists(const char* path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The folder that BINARY's --help names between LABEL and END, into OUT
 * (without its trailing /). */
static void help_names(const char* binary, const char* label, const char* end, char* out, size_t size)
{
    command_result r;
    run_program((const char*[]){binary, "--help", NULL}, &r);
    ck_assert_msg(r.status == 0, "%s --help: %s", binary, strbuf_text(&r.err));
    const char* from = strstr(strbuf_text(&r.out), label);
    ck_assert_msg(from != NULL, "%s --help does not say '%s'", binary, label);
    from += strlen(label);
    const char* to = strstr(from, end);
    ck_assert_msg(to && to > from && to[-1] == '/' && (size_t)(to - from) < size, "%s --help: '%s' names no folder",
                  binary, label);
    snprintf(out, size, "%.*s", (int)(to - from - 1), from);
    command_result_free(&r);
}

/* What BINARY's --help names: the docs' folder, which must hold
 * scenario.md, and the scenarios' folder, which must hold teach/tp8.yaml;
 * both under UNDER (a prefix of their paths). */
static void help_names_files_under(const char* binary, const char* under)
{
    char docs[512], scenarios[512], path[600];
    help_names(binary, "Documentation in ", ": ", docs, sizeof docs);
    help_names(binary, "Example scenarios: ", " (", scenarios, sizeof scenarios);
    ck_assert_msg(!strncmp(docs, under, strlen(under)), "%s --help names the docs %s, not under %s", binary, docs,
                  under);
    ck_assert_msg(!strncmp(scenarios, under, strlen(under)), "%s --help names the scenarios %s, not under %s", binary,
                  scenarios, under);
    snprintf(path, sizeof path, "%s/scenario.md", docs);
    ck_assert_msg(exists(path), "%s --help names %s, which does not exist", binary, path);
    snprintf(path, sizeof path, "%s/teach/tp8.yaml", scenarios);
    ck_assert_msg(exists(path), "%s --help names %s, which does not exist", binary, path);
}

/* make TARGET with the build folder of $TRAINSIM, so that the binary under
 * test is the one installed. */
static void make(const char* target, const char* destdir, command_result* r)
{
    char build[256], dest[300], build_arg[300];
    const char* trainsim = getenv("TRAINSIM") ? getenv("TRAINSIM") : "build/trainsim";
    snprintf(build, sizeof build, "%s", trainsim);
    snprintf(build_arg, sizeof build_arg, "BUILD=%s", dirname(build));
    snprintf(dest, sizeof dest, "DESTDIR=%s", destdir);
    run_program((const char*[]){"/usr/bin/make", "-s", "--no-print-directory", target, dest, "PREFIX=/usr",
                                build_arg, NULL},
                r);
    ck_assert_msg(r->status == 0, "make %s: %s%s", target, strbuf_text(&r->out), strbuf_text(&r->err));
}

START_TEST(install_and_uninstall_into_a_destdir)
{
    char dest[128], path[512];
    temp_path(dest, sizeof dest, "-destdir");
    command_result r;
    make("install", dest, &r);
    command_result_free(&r);
    const char* installed[] = {"usr/bin/trainsim", "usr/share/man/man1/trainsim.1",
                               "usr/share/trainsim/platforms/dgx-a100-pod.xml",
                               "usr/share/trainsim/scenarios/gpt4-a100-25k.yaml",
                               "usr/share/trainsim/scenarios/sweeps/bubble.yaml",
                               "usr/share/trainsim/scenarios/teach/tp8.yaml",
                               "usr/bin/trainsim-plot",
                               "usr/share/doc/trainsim/scenario.md",
                               "usr/share/doc/trainsim/README.md"};
    for (size_t i = 0; i < sizeof installed / sizeof *installed; i++) {
        snprintf(path, sizeof path, "%s/%s", dest, installed[i]);
        ck_assert_msg(exists(path), "make install did not install %s", installed[i]);
    }
    char binary[256], tiny[256], sweep[256];
    snprintf(binary, sizeof binary, "%s/usr/bin/trainsim", dest);
    snprintf(tiny, sizeof tiny, "%s/usr/share/trainsim/scenarios/tiny.yaml", dest);
    run_program((const char*[]){binary, "run", tiny, "--json", NULL}, &r);
    ck_assert_msg(r.status == 0 && strstr(strbuf_text(&r.out), "\"scenario\": \"tiny\""), "%s", strbuf_text(&r.err));
    command_result_free(&r);
    /* An installed sweep finds its base beside it. */
    snprintf(sweep, sizeof sweep, "%s/usr/share/trainsim/scenarios/sweeps/bubble.yaml", dest);
    run_program((const char*[]){binary, "sweep", sweep, "-j", "2", NULL}, &r);
    ck_assert_msg(r.status == 0, "%s", strbuf_text(&r.err));
    command_result_free(&r);
    /* Its help names the installed docs and scenarios, under DESTDIR/usr. */
    snprintf(path, sizeof path, "%s/usr/share/", dest);
    help_names_files_under(binary, path);
    /* The man page names the installed files under this PREFIX, not "PREFIX". */
    strbuf page = {0};
    snprintf(path, sizeof path, "%s/usr/share/man/man1/trainsim.1", dest);
    read_file(path, &page);
    ck_assert_msg(!strstr(strbuf_text(&page), "PREFIX/"), "the installed man page still says PREFIX/");
    ck_assert_ptr_nonnull(strstr(strbuf_text(&page), "/usr/share/trainsim/scenarios/gpt4-a100-25k.yaml"));
    ck_assert_ptr_nonnull(strstr(strbuf_text(&page), "/usr/share/doc/trainsim/"));
    strbuf_free(&page);
    if (exists("/usr/bin/man")) {
        snprintf(path, sizeof path, "%s/usr/share/man/man1/trainsim.1", dest);
        run_program((const char*[]){"/usr/bin/man", "-l", path, NULL}, &r);
        ck_assert_msg(r.status == 0 && strstr(strbuf_text(&r.out), "simulate large-model training"),
                      "man -l: %s", strbuf_text(&r.err));
        command_result_free(&r);
    } else {
        fprintf(stderr, "test_install: no /usr/bin/man: the man page was installed but not read back\n");
    }
    make("uninstall", dest, &r);
    command_result_free(&r);
    for (size_t i = 0; i < sizeof installed / sizeof *installed; i++) {
        snprintf(path, sizeof path, "%s/%s", dest, installed[i]);
        ck_assert_msg(!exists(path), "make uninstall left %s", installed[i]);
    }
    run_program((const char*[]){"/bin/rm", "-rf", dest, NULL}, &r);
    command_result_free(&r);
}
END_TEST

/* Run from the source tree's build folder, trainsim's help names the source
 * tree's docs and scenarios by their full paths; a copy alone elsewhere
 * names docs/ and scenarios/ as relative paths. */
START_TEST(the_help_names_the_source_tree_or_relative_paths)
{
    char here[512];
    ck_assert_ptr_nonnull(getcwd(here, sizeof here));   /* the tests run at the source tree's top */
    const char* trainsim = getenv("TRAINSIM") ? getenv("TRAINSIM") : "build/trainsim";
    help_names_files_under(trainsim, here);
    char lone[128], docs[64];
    temp_path(lone, sizeof lone, "-lone");
    command_result r;
    run_program((const char*[]){"/bin/cp", trainsim, lone, NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    command_result_free(&r);
    help_names(lone, "Documentation in ", ": ", docs, sizeof docs);
    ck_assert_str_eq(docs, "docs");
    unlink(lone);
}
END_TEST

Suite* install_suite(void)
{
    Suite* s = suite_create("install");
    TCase* tc = tcase_create("install");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, install_and_uninstall_into_a_destdir);
    tcase_add_test(tc, the_help_names_the_source_tree_or_relative_paths);
    suite_add_tcase(s, tc);
    return s;
}
