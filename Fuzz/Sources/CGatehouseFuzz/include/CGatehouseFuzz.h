#ifndef C_GATEHOUSE_FUZZ_H
#define C_GATEHOUSE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that keep their own `main` (LLVM 11 and later). Only
/// declared here: the symbol exists when the program is linked with `-sanitize=fuzzer`, and only the
/// fuzzing build refers to it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
