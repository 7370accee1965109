#ifndef C_GATEHOUSE_RANDOM_H
#define C_GATEHOUSE_RANDOM_H

#include <stddef.h>

/// Fills `buffer` with `count` bytes from the operating system's CSPRNG in as few system calls as
/// possible. Returns 0 on success and -1 when the kernel offers no such call.
int gatehouse_random_fill(void *buffer, size_t count);

#endif
