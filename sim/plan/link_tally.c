/* link_tally: link key -> count and sums, by open addressing (see link_tally.h). */
#include "plan/link_tally.h"

#include <stdlib.h>

#include "core/strbuf.h"

#define FIRST_SLOTS 16

/* splitmix64's finalizer (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014): the keys' low bits are a
 * link class and a direction, so they are mixed before masking. */
static size_t hash_of(uint64_t key)
{
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ULL;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebULL;
    key ^= key >> 31;
    return (size_t)key;
}

static link_tally_slot* slot_of(const link_tally* t, uint64_t key)
{
    size_t i = hash_of(key) & t->mask;
    while (t->slot[i].count > 0 && t->slot[i].key != key)
        i = (i + 1) & t->mask;
    return &t->slot[i];
}

void link_tally_init(link_tally* t, size_t expected)
{
    size_t slots = FIRST_SLOTS;
    while (slots < 2 * expected)
        slots *= 2;
    t->slot = xcalloc(slots, sizeof *t->slot);
    t->mask = slots - 1;
    t->used = 0;
}

static void grow(link_tally* t)
{
    link_tally old = *t;
    size_t slots = (old.mask + 1) * 2;
    t->slot = xcalloc(slots, sizeof *t->slot);
    t->mask = slots - 1;
    for (size_t i = 0; i <= old.mask; i++)
        if (old.slot[i].count > 0)
            *slot_of(t, old.slot[i].key) = old.slot[i];
    free(old.slot);
}

link_tally_slot* link_tally_add(link_tally* t, uint64_t key)
{
    if (2 * (t->used + 1) > t->mask + 1)
        grow(t);
    link_tally_slot* s = slot_of(t, key);
    if (s->count == 0) {
        *s = (link_tally_slot){.key = key};
        t->used++;
    }
    s->count++;
    return s;
}

int link_tally_count(const link_tally* t, uint64_t key)
{
    return slot_of(t, key)->count;
}

void link_tally_free(link_tally* t)
{
    free(t->slot);
    t->slot = NULL;
    t->mask = 0;
    t->used = 0;
}
