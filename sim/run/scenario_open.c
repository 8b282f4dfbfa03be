/* scenario_open: load, then check the platform (see scenario_open.h); both
 * files are noted as inputs, which no output may overwrite. */
#include "run/scenario_open.h"

#include <stdio.h>

#include "core/output_file.h"
#include "input/scenario_load.h"
#include "network/platform_file.h"

/* A loaded scenario's platform file is checked only once the scenario is
 * valid: the check needs its GPU count and its directory. */
static int checked(int load_failed, scenario* sc, diag* d)
{
    if (load_failed)
        return -1;
    if (platform_file_check_scenario(sc, d))
        return -1;
    if (sc->cluster.platform[0])
        output_file_note_input(sc->cluster.platform, "platform");
    return 0;
}

int scenario_open(const char* path, scenario* sc, diag* d)
{
    output_file_note_input(path, "scenario");   /* no output of this run may be it */
    return checked(scenario_load_file(path, sc, d), sc, d);
}

int scenario_open_tree(const char* name, const struct yt_node* root, scenario* sc, diag* d)
{
    return checked(scenario_load_tree(name, root, sc, d), sc, d);
}

int scenario_open_or_say(const char* path, scenario* sc)
{
    diag d;
    diag_init(&d, path);
    int bad = scenario_open(path, sc, &d);
    if (bad) {
        fprintf(stderr, "%s\n", strbuf_text(&d.message));
        scenario_free(sc);
    }
    diag_free(&d);
    return bad ? EXIT_INPUT : 0;
}
