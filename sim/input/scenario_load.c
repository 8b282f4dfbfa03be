/* scenario_load: a scenario file to a validated scenario (see
 * scenario_load.h): the YAML tree, read against the schema's table of the
 * document's keys, then the cross-field checks. */
#include "input/scenario_load.h"

#include <string.h>

#include "input/key_reader.h"
#include "input/scenario_check.h"
#include "input/scenario_schema.h"
#include "input/yaml_tree.h"

/* "runs/gpt3.yaml" -> "gpt3" */
static char* name_from_path(const char* path)
{
    const char* base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char* name = xstrdup(base);
    char* dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    return name;
}

static int load_tree(scenario* sc, const char* name, const yt_node* root, diag* d)
{
    loader L = {sc, d, root, scenario_rules};
    if (d->failed)
        return -1;
    if (!root) {
        diag_problem(d, 1, 1, "(document): expected a mapping with the scenario's keys, found an empty document");
        return -1;
    }
    if (key_read_section(&L, root, "", scenario_rules, (char*)sc))
        return -1;
    if (!sc->name)
        sc->name = name_from_path(name);
    return scenario_validate(sc, d);
}

int scenario_load_text(const char* name, const char* text, scenario* sc, diag* d)
{
    scenario_set_defaults(sc);
    sc->file = xstrdup(name);
    yt_node* root = yt_load_text(text, strlen(text), d);
    int status = load_tree(sc, name, root, d);
    yt_free(root);
    return status;
}

int scenario_load_tree(const char* name, const yt_node* root, scenario* sc, diag* d)
{
    scenario_set_defaults(sc);
    sc->file = xstrdup(name);
    return load_tree(sc, name, root, d);
}

int scenario_load_file(const char* path, scenario* sc, diag* d)
{
    scenario_set_defaults(sc);
    sc->file = xstrdup(path);
    yt_node* root = yt_load_file(path, d);
    int status = load_tree(sc, path, root, d);
    yt_free(root);
    return status;
}
