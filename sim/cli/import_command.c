/* import_command: trainsim import (see import_command.h). The scenario goes
 * to stdout, or whole to -o's file (written to a temporary name and
 * renamed); what was not understood, left as written or must be set goes
 * to stderr. */
#include "cli/import_command.h"

#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "core/diag.h"
#include "core/rowfile.h"
#include "input/import_megatron.h"
#include "input/import_nemo.h"
#include "input/import_scenario.h"

typedef struct {
    int         source;
    const char* file, *out;
} import_args;

static int read_args(int argc, char** argv, import_args* a)
{
    if (argc < 3)
        return cli_usage_error("%s", "import expects megatron or nemo, then a file");
    a->source = 0;
    while (a->source < IMPORT_SOURCE_COUNT && strcmp(argv[2], import_source_names[a->source]))
        a->source++;
    if (a->source == IMPORT_SOURCE_COUNT)
        return cli_usage_error("import expects megatron or nemo, found '%s'", argv[2]);
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc)
                return cli_usage_error("%s", "-o expects an output file");
            a->out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("unknown option '%s'", argv[i]);
        } else if (!a->file) {
            a->file = argv[i];
        } else {
            return cli_usage_error("unexpected argument '%s'", argv[i]);
        }
    }
    if (!a->file)
        return cli_usage_error("%s", "import expects a file (- for stdin with megatron)");
    if (!strcmp(a->file, "-") && a->source == IMPORT_NEMO)
        return cli_usage_error("%s", "import nemo reads a file, not stdin");
    return CLI_GO_ON;
}

/* The scenario's name: FILE without its folder and extension. */
static void name_of(const char* file, char* buf, size_t size)
{
    const char* base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    size_t n = strcspn(base, ".");
    snprintf(buf, size, "%.*s", (int)(n ? n : strlen(base)), base);
    if (!strcmp(file, "-"))
        snprintf(buf, size, "imported");
}

int command_import(const cli_call* call)
{
    import_args a = {0};
    int status = read_args(call->argc, call->argv, &a);
    if (status != CLI_GO_ON)
        return status;
    import_input in = {.source = (import_source)a.source, .file = strcmp(a.file, "-") ? a.file : "stdin"};
    diag d;
    diag_init(&d, in.file);
    strbuf yaml = {0}, notes = {0};
    char name[128];
    name_of(a.file, name, sizeof name);
    int bad = a.source == IMPORT_MEGATRON ? import_megatron_read(a.file, &in, &d) : import_nemo_read(a.file, &in, &d);
    if (!bad)
        bad = import_scenario(&in, name, &yaml, &notes, &d);
    if (bad) {
        fprintf(stderr, "%s\n", strbuf_text(&d.message));
        status = EXIT_INPUT;
    } else if (a.out) {
        status = rowfile_write_whole(a.out, strbuf_text(&yaml), yaml.len, "scenario") ? EXIT_SYSTEM : EXIT_DONE;
    } else {
        fputs(strbuf_text(&yaml), stdout);
        status = EXIT_DONE;
    }
    if (status == EXIT_DONE)
        fputs(strbuf_text(&notes), stderr);
    strbuf_free(&yaml);
    strbuf_free(&notes);
    diag_free(&d);
    import_input_free(&in);
    return status;
}
