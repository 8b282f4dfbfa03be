/* link_tally: link key -> count and sums, by open addressing (see link_tally.h). */
#include "plan/link_tally.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

#define FIRST_SLOTS 16

/* Keys that differ only in the low BLOCK_BITS bits of the rotated key (see
 * home_of) share a block of 1 << BLOCK_BITS neighbouring slots. Measured on
 * scenarios/bench/synthetic-1m.yaml: 2 took 20 % less CPU than 0 (every key
 * its own mixed home) although it probes 28 % more slots; 3 and more gain
 * no time and probe far more (blocks of dense ids run into each other). */
#define BLOCK_BITS 2

/* A slot with its sums: 32 bytes, two to a 64-byte cache line. */
typedef struct {
    link_tally_slot slot;
    link_tally_sums sums;
} slot_with_sums;

/* splitmix64's finalizer (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014). */
static uint64_t mix(uint64_t key)
{
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ULL;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebULL;
    key ^= key >> 31;
    return key;
}

/* Where KEY's probe starts. A generated link's key is its id above 4 bits of
 * class and direction (network/topology.c): rotated right by 4, links of one
 * class and direction with neighbouring ids have neighbouring keys. Blocks
 * of 1 << BLOCK_BITS such keys start at a mixed slot and keep their order
 * inside it, so that a pass over flows in GPU order reads one cache line per
 * few links; any other key (a pointer, from a platform file) is still
 * spread by the mix. */
static size_t home_of(uint64_t key)
{
    uint64_t rotated = (key >> 4) | (key << 60);
    uint64_t block = mix(rotated >> BLOCK_BITS) << BLOCK_BITS;
    return (size_t)(block + (rotated & ((1u << BLOCK_BITS) - 1)));
}

link_tally_slot* link_tally_slot_at(const link_tally* t, size_t i)
{
    return (link_tally_slot*)(t->slots + i * t->stride);
}

link_tally_sums* link_tally_sums_of(link_tally_slot* slot)
{
    return &((slot_with_sums*)slot)->sums;
}

static link_tally_slot* slot_of(link_tally* t, uint64_t key)
{
    size_t i = home_of(key) & t->mask;
    link_tally_slot* s = link_tally_slot_at(t, i);
    t->probes++;
    while (s->count > 0 && s->key != key) {
        i = (i + 1) & t->mask;
        s = link_tally_slot_at(t, i);
        t->probes++;
    }
    return s;
}

static void allocate(link_tally* t, size_t slots)
{
    t->slots = xcalloc(slots, t->stride);
    t->mask = slots - 1;
}

static void init(link_tally* t, size_t expected, size_t stride)
{
    size_t slots = FIRST_SLOTS;
    while (slots < 2 * expected)
        slots *= 2;
    t->stride = stride;
    allocate(t, slots);
    t->used = 0;
    t->probes = 0;
}

void link_tally_init(link_tally* t, size_t expected)
{
    init(t, expected, sizeof(link_tally_slot));
}

void link_tally_init_sums(link_tally* t, size_t expected)
{
    init(t, expected, sizeof(slot_with_sums));
}

static void grow(link_tally* t)
{
    link_tally old = *t;
    allocate(t, (old.mask + 1) * 2);
    for (size_t i = 0; i <= old.mask; i++) {
        link_tally_slot* from = link_tally_slot_at(&old, i);
        if (from->count > 0)
            memcpy(slot_of(t, from->key), from, t->stride);
    }
    free(old.slots);
}

link_tally_slot* link_tally_add(link_tally* t, uint64_t key)
{
    link_tally_slot* s = slot_of(t, key);
    if (s->count == 0) {
        if (2 * (t->used + 1) > t->mask + 1) {   /* half full: grow before adding */
            grow(t);
            s = slot_of(t, key);
        }
        s->key = key;
        t->used++;
    }
    s->count++;
    return s;
}

int link_tally_count(link_tally* t, uint64_t key)
{
    return slot_of(t, key)->count;
}

void link_tally_free(link_tally* t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}
