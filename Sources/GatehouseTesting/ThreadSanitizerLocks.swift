#if GATEHOUSE_TSAN_LOCKS
import Gatehouse

/// In a ThreadSanitizer build (`scripts/tsan.sh`), this module's `Mutex` is one the sanitizer can see;
/// see `ThreadSanitizerVisibleMutex` in the Gatehouse module for why.
typealias Mutex<Value> = ThreadSanitizerVisibleMutex<Value>
#endif
