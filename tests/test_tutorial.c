/* test_tutorial: every command written in docs/tutorial.md runs and prints
 * what the page cites. In the page's ```console blocks a line "$ trainsim
 * ARGS" is a command (exit 0, or N with a trailing "# exits N"), and each
 * line after it, up to the next command, must appear in what it printed
 * (stdout and stderr, leading and trailing blanks ignored). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define MAX_ARGS 16

typedef struct {
    char        line[512];
    const char* args[MAX_ARGS + 1];
    int         status;        /* expected exit status */
    strbuf      expected;      /* lines, each ending in \n */
} tutorial_command;

/* Splits "$ trainsim ARGS [# exits N]" into C. */
static void parse_command(const char* text, tutorial_command* c)
{
    snprintf(c->line, sizeof c->line, "%s", text + strlen("$ trainsim "));
    c->status = 0;
    char* comment = strstr(c->line, "# exits ");
    if (comment) {
        c->status = atoi(comment + strlen("# exits "));
        *comment = '\0';
    }
    int n = 0;
    char* save = NULL;
    for (char* tok = strtok_r(c->line, " ", &save); tok && n < MAX_ARGS; tok = strtok_r(NULL, " ", &save))
        c->args[n++] = tok;
    c->args[n] = NULL;
}

static char* trimmed(char* s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Runs C and checks its status and every expected line. */
static void check_command(tutorial_command* c, const char* shown)
{
    command_result r;
    run_trainsim(c->args, &r);
    ck_assert_msg(r.status == c->status, "`%s` exited %d, the tutorial says %d: %s", shown, r.status, c->status,
                  strbuf_text(&r.err));
    strbuf all = {0};
    strbuf_printf(&all, "%s%s", strbuf_text(&r.out), strbuf_text(&r.err));
    char *lines = xstrdup(strbuf_text(&c->expected)), *save = NULL;
    for (char* line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char* want = trimmed(line);
        ck_assert_msg(strstr(strbuf_text(&all), want), "`%s` does not print what the tutorial cites: \"%s\"", shown,
                      want);
    }
    free(lines);
    strbuf_free(&all);
    command_result_free(&r);
}

START_TEST(every_tutorial_command_prints_what_the_page_cites)
{
    strbuf page = {0};
    read_file("docs/tutorial.md", &page);
    char* text = xstrdup(strbuf_text(&page));
    int in_console = 0, commands = 0, have = 0;
    tutorial_command c = {0};
    char shown[512] = "", *save = NULL;
    for (char* line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "```", 3)) {
            if (have)
                check_command(&c, shown);
            have = 0;
            in_console = !in_console && !strcmp(line, "```console");
            continue;
        }
        if (!in_console)
            continue;
        if (!strncmp(line, "$ trainsim ", 11)) {
            if (have)
                check_command(&c, shown);
            strbuf_clear(&c.expected);
            snprintf(shown, sizeof shown, "%s", line + 2);
            parse_command(line, &c);
            have = 1;
            commands++;
        } else {
            ck_assert_msg(have, "a console line before any command: %s", line);
            strbuf_printf(&c.expected, "%s\n", line);
        }
    }
    ck_assert_msg(commands >= 20, "only %d commands found in docs/tutorial.md", commands);
    strbuf_free(&c.expected);
    free(text);
    strbuf_free(&page);
}
END_TEST

Suite* tutorial_suite(void)
{
    Suite* s = suite_create("tutorial");
    TCase* tc = tcase_create("tutorial");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_tutorial_command_prints_what_the_page_cites);
    suite_add_tcase(s, tc);
    return s;
}
