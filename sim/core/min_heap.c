/* min_heap: a binary heap in an array, item i's children at 2i+1 and 2i+2
 * (see min_heap.h). */
#include "core/min_heap.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

void min_heap_push(min_heap* h, double t)
{
    if (h->count == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 16;
        h->items = xrealloc(h->items, (size_t)h->cap * sizeof *h->items);
    }
    int i = h->count++;
    while (i > 0 && h->items[(i - 1) / 2] > t) {   /* sift up */
        h->items[i] = h->items[(i - 1) / 2];
        i = (i - 1) / 2;
        h->steps++;
    }
    h->items[i] = t;
    h->steps++;
}

double min_heap_top(const min_heap* h)
{
    return h->items[0];
}

void min_heap_pop(min_heap* h)
{
    double last = h->items[--h->count];
    int i = 0;
    for (;;) {   /* sift the last item down from the root */
        int child = 2 * i + 1;
        if (child >= h->count)
            break;
        if (child + 1 < h->count && h->items[child + 1] < h->items[child])
            child++;
        if (h->items[child] >= last)
            break;
        h->items[i] = h->items[child];
        i = child;
        h->steps++;
    }
    if (h->count > 0)
        h->items[i] = last;
    h->steps++;
}

void min_heap_free(min_heap* h)
{
    free(h->items);
    memset(h, 0, sizeof *h);
}
