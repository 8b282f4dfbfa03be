/* doc_paths: the documentation and example scenarios beside the running
 * binary, installed or in its source tree (see doc_paths.h). */
#include "cli/doc_paths.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_file(const char* path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_folder(const char* path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder above the one that holds the running binary (PREFIX for
 * PREFIX/bin/trainsim, the source tree for DIR/build/trainsim) into TOP;
 * 0, or -1 when the binary's path cannot be read. */
static int binary_top(char* top, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", top, size - 1);
    if (n <= 0)
        return -1;
    top[n] = '\0';
    for (int up = 0; up < 2; up++) {   /* drop the binary's name, then its folder */
        char* slash = strrchr(top, '/');
        if (!slash)
            return -1;
        *slash = '\0';
    }
    return 0;
}

/* Whether DOCS and SCENARIOS hold trainsim's docs and scenarios. */
static int holds_docs(const char* docs, const char* scenarios)
{
    char scenario_md[DOC_PATH_MAX + 16];
    snprintf(scenario_md, sizeof scenario_md, "%s/scenario.md", docs);
    return is_file(scenario_md) && is_folder(scenarios);
}

/* The layout under TOP: installed (share/...) or a source tree; 0 when
 * PATHS holds it, -1 when TOP has neither. */
static int layout_under(const char* top, doc_paths* paths)
{
    static const char* const layouts[][2] = {
        {"share/doc/trainsim", "share/trainsim/scenarios"},   /* make install */
        {"docs", "scenarios"},                                 /* the source tree */
    };
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
        int a = snprintf(paths->docs, sizeof paths->docs, "%s/%s", top, layouts[i][0]);
        int b = snprintf(paths->scenarios, sizeof paths->scenarios, "%s/%s", top, layouts[i][1]);
        if (a < (int)sizeof paths->docs && b < (int)sizeof paths->scenarios &&
            holds_docs(paths->docs, paths->scenarios))
            return 0;
    }
    return -1;
}

void doc_paths_find(doc_paths* paths)
{
    char top[DOC_PATH_MAX];
    if (binary_top(top, sizeof top) == 0 && layout_under(top, paths) == 0)
        return;
    snprintf(paths->docs, sizeof paths->docs, "docs");
    snprintf(paths->scenarios, sizeof paths->scenarios, "scenarios");
}
