/* doc_paths: where trainsim's documentation and example scenarios are, for
 * the help to name: installed beside the binary (PREFIX/bin/trainsim, with
 * PREFIX/share/doc/trainsim and PREFIX/share/trainsim/scenarios, as `make
 * install` lays them out, wherever PREFIX and DESTDIR put them), or the
 * source tree the binary was built in (DIR/build/trainsim, with DIR/docs
 * and DIR/scenarios). The binary's own path (/proc/self/exe) decides, so
 * that a copied or staged install names its own files; when neither layout
 * is found, the source tree's relative names docs and scenarios. */
#ifndef TRAINSIM_DOC_PATHS_H
#define TRAINSIM_DOC_PATHS_H

#define DOC_PATH_MAX 4096

typedef struct {
    char docs[DOC_PATH_MAX];        /* the folder of scenario.md, output.md, ... (no trailing /) */
    char scenarios[DOC_PATH_MAX];   /* the folder of the example scenarios, with sweeps/ and teach/ */
} doc_paths;

/* Fills PATHS for the running binary. */
void doc_paths_find(doc_paths* paths);

#endif
