#ifndef C_ALLOCATION_COUNTER_H
#define C_ALLOCATION_COUNTER_H

#include <stdint.h>

/// Totals since the last reset, across all threads, of the allocations made while counting was on.
typedef struct {
    uint64_t allocations;
    uint64_t bytes;
    uint64_t frees;
} gatehouse_allocation_totals;

/// Zeroes the totals and starts counting.
void gatehouse_allocation_counting_start(void);

/// Stops counting and returns the totals.
gatehouse_allocation_totals gatehouse_allocation_counting_stop(void);

/// Whether this process's allocator calls pass through the counter (they do when the executable's
/// definitions of `malloc` and friends take precedence over the C library's).
int gatehouse_allocation_counter_is_interposed(void);

#endif
