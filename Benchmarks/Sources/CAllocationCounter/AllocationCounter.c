// Counts heap allocations of the whole process without LD_PRELOAD: an executable's own definitions of
// malloc, calloc, realloc and free take precedence over the C library's for every shared object
// (ELF symbol interposition, which glibc supports for replacing its allocator). Each definition
// forwards to glibc's implementation, so memory from either entry point can be freed by the other.
//
// Counting is off by default: outside a measured region the cost is one relaxed atomic load.

#define _GNU_SOURCE
#include "CAllocationCounter.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

static atomic_int counting;
static atomic_uint_fast64_t allocation_count;
static atomic_uint_fast64_t allocated_bytes;
static atomic_uint_fast64_t free_count;

// Under a sanitizer the allocator belongs to the sanitizer runtime, which intercepts these same
// functions; defining them here would take its bookkeeping away. Counting is then unavailable.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define GATEHOUSE_SANITIZER_OWNS_MALLOC 1
#endif
#endif

#ifndef GATEHOUSE_SANITIZER_OWNS_MALLOC

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

static inline void record_allocation(size_t size) {
    if (atomic_load_explicit(&counting, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&allocation_count, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&allocated_bytes, size, memory_order_relaxed);
    }
}

__attribute__((visibility("default"))) void *malloc(size_t size) {
    record_allocation(size);
    return __libc_malloc(size);
}

__attribute__((visibility("default"))) void *calloc(size_t count, size_t size) {
    record_allocation(count * size);
    return __libc_calloc(count, size);
}

__attribute__((visibility("default"))) void *realloc(void *pointer, size_t size) {
    // A resize is one allocation as far as cost goes, whether or not the block moves.
    record_allocation(size);
    return __libc_realloc(pointer, size);
}

__attribute__((visibility("default"))) void free(void *pointer) {
    if (pointer != NULL && atomic_load_explicit(&counting, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&free_count, 1, memory_order_relaxed);
    }
    __libc_free(pointer);
}

__attribute__((visibility("default"))) void *aligned_alloc(size_t alignment, size_t size) {
    record_allocation(size);
    return __libc_memalign(alignment, size);
}

__attribute__((visibility("default"))) void *memalign(size_t alignment, size_t size) {
    record_allocation(size);
    return __libc_memalign(alignment, size);
}

__attribute__((visibility("default"))) int posix_memalign(void **result, size_t alignment, size_t size) {
    // The checks glibc makes itself: a power of two that is a multiple of the pointer size.
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) {
        return EINVAL;
    }
    record_allocation(size);
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) {
        return ENOMEM;
    }
    *result = pointer;
    return 0;
}

#endif

void gatehouse_allocation_counting_start(void) {
    atomic_store_explicit(&allocation_count, 0, memory_order_relaxed);
    atomic_store_explicit(&allocated_bytes, 0, memory_order_relaxed);
    atomic_store_explicit(&free_count, 0, memory_order_relaxed);
    atomic_store_explicit(&counting, 1, memory_order_seq_cst);
}

gatehouse_allocation_totals gatehouse_allocation_counting_stop(void) {
    atomic_store_explicit(&counting, 0, memory_order_seq_cst);
    gatehouse_allocation_totals totals = {
        .allocations = atomic_load_explicit(&allocation_count, memory_order_relaxed),
        .bytes = atomic_load_explicit(&allocated_bytes, memory_order_relaxed),
        .frees = atomic_load_explicit(&free_count, memory_order_relaxed),
    };
    return totals;
}

int gatehouse_allocation_counter_is_interposed(void) {
#ifdef GATEHOUSE_SANITIZER_OWNS_MALLOC
    return 0;
#else
    // The definition the dynamic linker hands to everyone else must be this one.
    return dlsym(RTLD_DEFAULT, "malloc") == (void *)&malloc;
#endif
}
