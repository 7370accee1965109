#if GATEHOUSE_TSAN_LOCKS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock every `Mutex` of a ThreadSanitizer build (`scripts/tsan.sh`) stands for.
///
/// On Linux, `Synchronization.Mutex` waits on a futex inside the uninstrumented Synchronization
/// library, so ThreadSanitizer never sees its lock and unlock, and reports every access it guards as a
/// race. Compiled with `GATEHOUSE_TSAN_LOCKS`, each module's `Mutex` names this class instead (see the
/// `typealias` below and its copies in the other modules and test targets that run under the
/// sanitizer): same interface, same mutual exclusion, but on a pthread mutex, which the sanitizer
/// intercepts. A report then means an access that no lock orders. Ordinary builds never compile it.
package final class ThreadSanitizerVisibleMutex<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only read or written inside `withLock`, between
    // `pthread_mutex_lock` and `pthread_mutex_unlock` on `mutex`, which lives as long as the object.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    package init(_ initialValue: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        value = initialValue
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    package func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// Shadows `Synchronization.Mutex` in this module for the sanitizer build.
typealias Mutex<Value> = ThreadSanitizerVisibleMutex<Value>
#endif
