#include "CGatehouseRandom.h"

#include <errno.h>

#if defined(__APPLE__)
#include <stdlib.h>
#else
#include <sys/random.h>
#endif

int gatehouse_random_fill(void *buffer, size_t count) {
#if defined(__APPLE__)
    arc4random_buf(buffer, count);
    return 0;
#else
    unsigned char *bytes = buffer;
    while (count > 0) {
        ssize_t result = getrandom(bytes, count, 0);
        if (result < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        bytes += result;
        count -= (size_t)result;
    }
    return 0;
#endif
}
