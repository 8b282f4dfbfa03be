/* test_layers: tools/check-layers, the structural rules of sim/ that `make
 * test` enforces (docs/design.md, "Layers"), on small trees made here: a
 * tree that keeps the rules passes, and each kind of violation fails with a
 * message naming the file and the rule. (The repository's own tree is
 * checked by the Makefile before this suite runs.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

/* A fresh tree under /tmp with sim/core, sim/model and sim/plan. */
static void make_tree(char* root, size_t size)
{
    temp_path(root, size, "-layers");
    ck_assert(mkdir(root, 0700) == 0);
    const char* dirs[] = {"sim", "sim/core", "sim/model", "sim/plan"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        ck_assert(mkdir(path, 0700) == 0);
    }
}

static void write_in(const char* root, const char* name, const char* text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE* f = fopen(path, "w");
    ck_assert(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* A tree that keeps every rule: core/a, model/b (using a), plan/c (using
 * b), an enum with its count and its one name table. */
static void write_good_tree(const char* root)
{
    write_in(root, "sim/core/a.h", "typedef enum { A_ONE, A_TWO, A_COUNT } a_kind;\n");
    write_in(root, "sim/core/a.c",
             "#include \"core/a.h\"\n"
             "const char* const a_kind_names[A_COUNT] = {\"one\", \"two\"};\n");
    write_in(root, "sim/model/b.h", "#include \"core/a.h\"\n");
    write_in(root, "sim/model/b.c", "#include \"model/b.h\"\nstatic const char* x = \"one\";\n");
    write_in(root, "sim/plan/c.c", "#include \"model/b.h\"\n#include \"core/a.h\"\n");
}

/* Runs the check on ROOT (no build folder: includes only). */
static void check(const char* root, command_result* r)
{
    run_program((const char*[]){"tools/check-layers", "/nonexistent-build", root, NULL}, r);
}

static void remove_tree(const char* root)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ck_assert(system(cmd) == 0);
}

START_TEST(a_tree_that_keeps_the_rules_passes)
{
    char root[256];
    make_tree(root, sizeof root);
    write_good_tree(root);
    command_result r;
    check(root, &r);
    ck_assert_msg(r.status == 0, "%s", strbuf_text(&r.err));
    ck_assert(strstr(strbuf_text(&r.out), "5 files in 10 layers") != NULL);
    command_result_free(&r);
    remove_tree(root);
}
END_TEST

/* Each violation: the file written into the good tree, and a part of the
 * message it must get. */
static const struct {
    const char* file;
    const char* text;
    const char* message;
} violations[] = {
    {"sim/model/up.c", "#include \"plan/c.h\"\n", "sim/model/up.c:1: includes \"plan/c.h\": layer plan comes after model"},
    {"sim/model/bare.c", "#include \"b.h\"\n", "expected a header by its layer"},
    {"sim/elsewhere.c", "int x;\n", "sim/elsewhere.c: not in a layer folder"},
    {"sim/model/d.h", "#include \"model/e.h\"\n", "cycle: model/"},
    {"sim/core/e.h", "typedef enum { E_ONE, E_TWO } e_kind;\n", "sim/core/e.h:1: enum without a *_COUNT last member (found E_TWO)"},
    {"sim/plan/f.c", "static const char* const again[] = {\"one\", \"two\"};\n",
     "sim/plan/f.c:1: spells 2 names of a_kind_names again"},
};

START_TEST(each_violation_fails_with_its_rule)
{
    char root[256];
    make_tree(root, sizeof root);
    write_good_tree(root);
    write_in(root, violations[_i].file, violations[_i].text);
    if (strstr(violations[_i].message, "cycle"))   /* e.h includes d.h back */
        write_in(root, "sim/model/e.h", "#include \"model/d.h\"\n");
    command_result r;
    check(root, &r);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(strbuf_text(&r.err), violations[_i].message) != NULL, "expected '%s' in:\n%s",
                  violations[_i].message, strbuf_text(&r.err));
    command_result_free(&r);
    remove_tree(root);
}
END_TEST

START_TEST(a_file_over_600_lines_fails)
{
    char root[256];
    make_tree(root, sizeof root);
    write_good_tree(root);
    strbuf long_file = {0};
    for (int i = 0; i < 601; i++)
        strbuf_printf(&long_file, "int x%d;\n", i);
    write_in(root, "sim/model/long.c", strbuf_text(&long_file));
    strbuf_free(&long_file);
    command_result r;
    check(root, &r);
    ck_assert_int_eq(r.status, 1);
    ck_assert(strstr(strbuf_text(&r.err), "sim/model/long.c: 601 lines, more than 600") != NULL);
    command_result_free(&r);
    remove_tree(root);
}
END_TEST

Suite* layers_suite(void)
{
    Suite* s = suite_create("layers");
    TCase* t = tcase_create("rules");
    tcase_add_test(t, a_tree_that_keeps_the_rules_passes);
    tcase_add_loop_test(t, each_violation_fails_with_its_rule, 0, (int)(sizeof violations / sizeof *violations));
    tcase_add_test(t, a_file_over_600_lines_fails);
    suite_add_tcase(s, t);
    return s;
}
