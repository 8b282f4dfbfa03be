/* link_tally: a hash table from link keys (network/route.h's route_link.key: one
 * link in one direction) to how many flows cross it and what they add up to.
 *
 * The plan asks, for thousands of flows at a time, how many concurrent flows
 * share each link and whether a link can bind (link_share.h): counting into
 * a table is linear where sorting the keys was n log n with a comparison
 * call per step. Open addressing, linear probing, grown at half full;
 * iteration order never reaches a result. */
#ifndef TRAINSIM_LINK_TALLY_H
#define TRAINSIM_LINK_TALLY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t key;
    int      count;      /* flows counted on it; 0 marks an empty slot */
    double   sum;        /* what the caller adds up per link (link_share.c: demand) */
    double   capacity;   /* the caller's per-link figure (link_share.c: bandwidth) */
} link_tally_slot;

typedef struct {
    link_tally_slot* slot;
    size_t           mask;   /* slot count - 1 (a power of two) */
    size_t           used;
} link_tally;

/* An empty tally with room for about EXPECTED keys before it grows. */
void link_tally_init(link_tally* t, size_t expected);

/* Counts KEY once more; returns its slot (valid until the next add). */
link_tally_slot* link_tally_add(link_tally* t, uint64_t key);

/* How many times KEY was counted (0 if never). */
int link_tally_count(const link_tally* t, uint64_t key);

void link_tally_free(link_tally* t);

#endif
