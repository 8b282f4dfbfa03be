/* step_cache: profiles by the key of their step-shaping inputs (see
 * step_cache.h). */
#include "run/step_cache.h"

#include <stdlib.h>
#include <string.h>

/* The keys of the run level, a whole section or one key: the step
 * simulation never reads them (run/run.c reads them after it). */
static const char* const run_level_keys[] = {
    "failures", "checkpoint", "cost", "power", "output", "seed", "name", "description",
    "training.tokens", "training.iterations", "training.batch_ramp", NULL};

void step_cache_init(step_cache* c)
{
    memset(c, 0, sizeof *c);
    c->fresh = -1;
}

static void entry_free(step_cache_entry* e)
{
    for (int i = 0; i < e->count; i++)
        step_profile_free(&e->profile[i]);
}

void step_cache_free(step_cache* c)
{
    for (int i = 0; i < c->count; i++)
        entry_free(&c->entries[i]);
    free(c->entries);
    step_cache_init(c);
}

const step_cache_entry* step_cache_find(const step_cache* c, uint64_t key)
{
    for (int i = 0; i < c->count; i++)
        if (c->entries[i].key == key)
            return &c->entries[i];
    return NULL;
}

void step_cache_record(step_cache* c, step_cache_entry* entry)
{
    for (int i = 0; i < c->count; i++)
        if (c->entries[i].key == entry->key) {
            entry_free(entry);
            return;
        }
    c->entries = xrealloc(c->entries, ((size_t)c->count + 1) * sizeof *c->entries);
    c->entries[c->count] = *entry;
    c->fresh = c->count++;
}

void step_cache_drop(step_cache* c, uint64_t key)
{
    for (int i = 0; i < c->count; i++)
        if (c->entries[i].key == key) {
            entry_free(&c->entries[i]);
            c->entries[i] = c->entries[--c->count];
            c->fresh = c->fresh == c->count ? i : c->fresh == i ? -1 : c->fresh;
            return;
        }
}

void step_cache_write_fresh(const step_cache* c, strbuf* out)
{
    if (c->fresh < 0)
        return;
    const step_cache_entry* e = &c->entries[c->fresh];
    strbuf_append_n(out, (const char*)&e->key, sizeof e->key);
    strbuf_append_n(out, (const char*)&e->clock, sizeof e->clock);
    strbuf_append_n(out, (const char*)&e->count, sizeof e->count);
    for (int i = 0; i < e->count; i++) {
        strbuf_append_n(out, (const char*)&e->micro_batches[i], sizeof e->micro_batches[i]);
        step_profile_write(&e->profile[i], out);
    }
}

/* Copies N bytes at *AT into X. Returns 0, or -1 when fewer are left. */
static int take(const char** at, const char* end, void* x, size_t n)
{
    if ((size_t)(end - *at) < n)
        return -1;
    memcpy(x, *at, n);
    *at += n;
    return 0;
}

int step_cache_read(step_cache* c, const char* bytes, size_t len)
{
    const char *at = bytes, *end = bytes + len;
    step_cache_entry e;
    memset(&e, 0, sizeof e);
    int count;
    if (take(&at, end, &e.key, sizeof e.key) || take(&at, end, &e.clock, sizeof e.clock) ||
        take(&at, end, &count, sizeof count) || count < 1 || count > STEP_CACHE_MAX_PROFILES)
        return -1;
    for (; e.count < count; e.count++)
        if (take(&at, end, &e.micro_batches[e.count], sizeof e.micro_batches[e.count]) ||
            step_profile_read(&at, end, &e.profile[e.count])) {
            entry_free(&e);
            return -1;
        }
    if (at != end) {
        entry_free(&e);
        return -1;
    }
    int fresh = c->fresh;
    step_cache_record(c, &e);
    c->fresh = fresh;   /* fresh is what this process simulated, not what it was sent */
    return 0;
}

int step_cache_shapes_step(const char* key)
{
    for (int i = 0; run_level_keys[i]; i++) {
        size_t n = strlen(run_level_keys[i]);
        if (!strncmp(key, run_level_keys[i], n) && (key[n] == '\0' || key[n] == '.' || key[n] == '['))
            return 0;
    }
    return 1;
}
