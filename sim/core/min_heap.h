/* min_heap: a binary min-heap of times (doubles): push, the least, pop,
 * each in O(log n) (Williams 1964). The run level keeps its nodes in
 * repair in one, so that taking the repaired ones costs the log of how
 * many are away, not their number. */
#ifndef TRAINSIM_MIN_HEAP_H
#define TRAINSIM_MIN_HEAP_H

typedef struct {
    double*            items;
    int                count, cap;
    unsigned long long steps;   /* levels sifted through so far, for tests of the cost */
} min_heap;

void   min_heap_push(min_heap* h, double t);
/* The least time; the heap must not be empty. */
double min_heap_top(const min_heap* h);
/* Removes the least time; the heap must not be empty. */
void   min_heap_pop(min_heap* h);
void   min_heap_free(min_heap* h);

#endif
