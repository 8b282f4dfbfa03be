/* link_tally: a hash table from link keys (network/route.h's route_link.key: one
 * link in one direction) to how many flows cross it and, where asked, what
 * they add up to.
 *
 * The plan asks, for hundreds of thousands of flows at a time, how many
 * concurrent flows share each link and whether a link can bind
 * (link_share.h): counting into a table is linear where sorting the keys was
 * n log n with a comparison call per step. Open addressing, linear probing,
 * grown at half full; iteration order never reaches a result.
 *
 * The work must stay linear in the links counted on a million GPUs, where a
 * table outgrows the processor's caches: a slot is 16 bytes (32 with its
 * sums, for the tallies that add up), and neighbouring links of one class
 * and direction (a pass over flows in GPU order) land in neighbouring slots
 * (link_tally.c), so that such a pass reads a cache line per few links
 * rather than one per link. `probes` counts the slots examined, the work
 * that tests/test_platform.c checks grows linearly with the links. */
#ifndef TRAINSIM_LINK_TALLY_H
#define TRAINSIM_LINK_TALLY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t key;
    int      count;      /* flows counted on it; 0 marks an empty slot */
} link_tally_slot;

typedef struct {
    double sum;        /* what the caller adds up per link (link_share.c: demand) */
    double capacity;   /* the caller's per-link figure (link_share.c: bandwidth) */
} link_tally_sums;

typedef struct {
    unsigned char* slots;    /* slot i at slots + i * stride, its sums (if any) right after it */
    size_t         stride;   /* 16 bytes, or 32 with sums: one cache line holds whole slots */
    size_t         mask;     /* slot count - 1 (a power of two) */
    size_t         used;
    uint64_t       probes;   /* slots examined by every add and count so far: the work */
} link_tally;

/* An empty tally with room for about EXPECTED keys before it grows. */
void link_tally_init(link_tally* t, size_t expected);

/* The same, with a link_tally_sums per key, zero when the key is first added. */
void link_tally_init_sums(link_tally* t, size_t expected);

/* Counts KEY once more; returns its slot, valid until the next add. */
link_tally_slot* link_tally_add(link_tally* t, uint64_t key);

/* Slot I (0 to mask), and its sums (a tally made by link_tally_init_sums). */
link_tally_slot* link_tally_slot_at(const link_tally* t, size_t i);
link_tally_sums* link_tally_sums_of(link_tally_slot* slot);

/* How many times KEY was counted (0 if never). */
int link_tally_count(link_tally* t, uint64_t key);

void link_tally_free(link_tally* t);

#endif
