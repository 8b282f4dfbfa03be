/* test_install: `make install` with PREFIX and DESTDIR puts the binary, its
 * man page (readable by `man -l`, naming the installed files under PREFIX),
 * tools/plot as trainsim-plot, the docs, the platforms and the scenarios in
 * place;
 * the installed binary runs an installed scenario; `make uninstall` takes
 * them all away again. */
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
    /* The man page names the installed files under this PREFIX, not "PREFIX". */
    strbuf page = {0};
    snprintf(path, sizeof path, "%s/usr/share/man/man1/trainsim.1", dest);
    read_file(path, &page);
    ck_assert_msg(!strstr(strbuf_text(&page), "PREFIX/"), "the installed man page still says PREFIX/");
    ck_assert_ptr_nonnull(strstr(strbuf_text(&page), "/usr/share/trainsim/scenarios/gpt4-a100-25k.yaml"));
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

Suite* install_suite(void)
{
    Suite* s = suite_create("install");
    TCase* tc = tcase_create("install");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, install_and_uninstall_into_a_destdir);
    suite_add_tcase(s, tc);
    return s;
}
