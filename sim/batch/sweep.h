/* sweep: a sweep file and its points.
 *
 * A sweep names a base scenario and the axes to vary over it, as dotted keys
 * ("parallelism.tp", "failures.components[0].mtbf"):
 *
 *   format: 1
 *   base: ../gpt3-175b-1024.yaml     # relative to the sweep file
 *   grid: {parallelism.tp: [2, 4, 8], parallelism.pp: [4, 8, 16]}
 *   zip:  {training.global_batch: [512, 1024], training.tokens: [1e11, 2e11]}
 *
 * The points are the cartesian product of the grid's axes and the zip axis
 * (whose keys move together), numbered from 0 with the last grid key varying
 * fastest and the zip axis fastest of all. A point is the base scenario with
 * its values put in place; each value keeps its position in the sweep file,
 * so a bad one is reported there. */
#ifndef TRAINSIM_SWEEP_H
#define TRAINSIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/strbuf.h"
#include "input/yaml_tree.h"

#define SWEEP_MAX_POINTS 1000000LL

typedef struct {
    const char*    key;        /* dotted path, from the sweep's tree */
    const yt_node* key_node;   /* where it is written */
    const yt_node* values;     /* its sequence of values */
} sweep_axis;

typedef struct {
    char*       file;        /* the sweep file as given */
    char*       base;        /* the base scenario's path, resolved against the sweep's directory */
    char*       base_text;   /* its bytes */
    size_t      base_len;
    uint64_t    base_hash;   /* FNV-1a of base_text: a changed base changes every point's hash */
    yt_node*    root;        /* the sweep's tree: the axes point into it */
    sweep_axis* axes;        /* the grid's axes in file order, then the zip's keys */
    size_t      axis_count;
    size_t      grid_count;  /* axes[0..grid_count) are the grid's, the rest the zip's */
    size_t      zip_length;  /* values per zip key; 0 without a zip */
    long long   points;
} sweep;

/* Reads and checks PATH and reads its base. Returns 0, or -1 with the
 * reason in D (FILE:LINE:COL). */
int  sweep_load(const char* path, sweep* sw, diag* d);
/* The same from TEXT, named NAME (a base path is taken from NAME's directory). */
int  sweep_load_text(const char* name, const char* text, sweep* sw, diag* d);
/* The same from ROOT, a sweep's tree built in memory (taken: sweep_free
 * frees it), named NAME. */
int  sweep_load_tree(const char* name, yt_node* root, sweep* sw, diag* d);
void sweep_free(sweep* sw);

/* The value of AXIS at point P. */
const yt_node* sweep_value(const sweep* sw, size_t axis, long long p);

/* A value as the rows print it: a scalar's text, or flow-style YAML. */
void sweep_value_text(const yt_node* value, strbuf* out);

/* Point P's stable identity: FNV-1a 64 of the base's bytes and the point's
 * keys and values, as 16 hex digits. */
void sweep_point_hash(const sweep* sw, long long p, char hex[17]);

/* The hash of point P's step-shaping values (run/step_cache.h): FNV-1a 64
 * of the base's bytes and the point's keys and values that shape the step.
 * Points that differ only in run-level keys have the same. */
uint64_t sweep_point_step_key(const sweep* sw, long long p);

/* The base scenario's tree with point P's values in place, or NULL with the
 * reason in D (a key that runs through something that is not a mapping, a
 * list index out of range). The caller frees it. */
yt_node* sweep_point_tree(const sweep* sw, long long p, diag* d);

#endif
