/* simgrid_start: SimGrid's start-up and platform loading (see simgrid_start.h). */
#include "network/simgrid_start.h"

#include <errno.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sanitizer builds switch actor contexts with threads: AddressSanitizer
 * cannot follow SimGrid's default hand-written stack switching. */
#ifdef TRAINSIM_SIMGRID_CONTEXTS
#define CONTEXT_OPTION "--cfg=contexts/factory:" TRAINSIM_SIMGRID_CONTEXTS
#endif

void platform_start_simgrid(void)
{
    static int started;
    if (started)
        return;
    started = 1;
    /* SimGrid's own logging stays quiet: trainsim reports for itself. */
    char* argv[] = {"trainsim", "--log=root.thres:critical",
#ifdef CONTEXT_OPTION
                    CONTEXT_OPTION,
#endif
                    NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
    simgrid_init(&argc, argv);
}

int platform_load(const char* xml)
{
    const char* dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/trainsim-platform-XXXXXX", dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "trainsim: cannot create a temporary platform file in %s: %s\n",
                dir && dir[0] ? dir : "/tmp", strerror(errno));
        return -1;
    }
    FILE* f = fdopen(fd, "w");
    int ok = f && fputs(xml, f) >= 0;
    ok = (f && fclose(f) == 0) && ok;
    if (!ok) {
        fprintf(stderr, "trainsim: cannot write the temporary platform file %s\n", path);
        unlink(path);
        return -1;
    }
    platform_load_file(path);
    unlink(path);
    return 0;
}

void platform_load_file(const char* path)
{
    platform_start_simgrid();
    simgrid_load_platform(path);
}
