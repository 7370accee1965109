import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What SQLite itself looks at to learn whether a WAL database changed: the header of the WAL index,
/// at the start of the `-shm` file beside the database (the "wal-index header" of SQLite's file-format
/// documentation).
///
/// Every transaction committed to the database, by any connection of any process, rewrites that
/// header before the commit returns — its change counter, frame count, checksums and, when the log
/// restarts, its salts — and a new reader sees the commit only through it. So while the header holds
/// the same bytes, no transaction has committed: anything read from the database since the header had
/// those bytes is still exactly what the database holds.
///
/// The header is read the way SQLite's own readers read it: from a shared mapping of the file, first
/// copy, barrier, second copy. SQLite writes the second copy first, with a barrier between, so a reader
/// that finds the copies different caught a writer in the middle, and treats the header as unknown.
/// Reading the mapping costs no system call, which a `pread` on every request did.
///
/// The mapping is as safe as SQLite's own, which maps the same page of the same file in this process:
/// SQLite shrinks the file only when it opens it with no other connection to the database, and this
/// process keeps connections open for as long as the lookup lives; the file is mapped only once it holds
/// a whole header.
final class WALIndexStamp: Sendable {
    /// The header's bytes: a value that changes with every commit.
    struct Stamp: Equatable, Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

        static func == (lhs: Stamp, rhs: Stamp) -> Bool {
            lhs.words == rhs.words
        }

        /// The header's `iChange`: SQLite adds one to it with every commit and with nothing else (a log
        /// restart or a checkpoint rewrites the header but keeps it), so two stamps whose counters
        /// differ by one have exactly one commit between them.
        var changeCounter: UInt32 {
            withUnsafeBytes(of: words) { $0.loadUnaligned(fromByteOffset: WALIndexStamp.changeCounterOffset, as: UInt32.self) }
        }

        /// The header's `isInit` byte, set once SQLite has written a valid header.
        var isInitialised: Bool {
            withUnsafeBytes(of: words) { $0[WALIndexStamp.isInitOffset] } != 0
        }
    }

    /// The size of one copy of the header.
    private static let headerSize = 48
    /// The offset of the `iChange` counter in a copy.
    fileprivate static let changeCounterOffset = 8
    /// The offset of the `isInit` byte in a copy, set once the header is valid.
    fileprivate static let isInitOffset = 12

    private let descriptor: Int32
    /// The first bytes of the file, mapped shared and read-only; immutable after `init`, so `Sendable`.
    private nonisolated(unsafe) let header: UnsafeRawPointer
    /// When ``isLinked`` last found the file linked (monotonic nanoseconds); `0` before it first did.
    private let linkCheckedAt = Atomic<UInt64>(0)

    /// Opens and maps the `-shm` file of the database at `path`; `nil` when there is none (no WAL, or
    /// not yet) or it is too short to hold the header.
    init?(databasePath path: String) {
        let descriptor = open(path + "-shm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size >= 2 * Self.headerSize,
            let mapping = mmap(nil, 2 * Self.headerSize, PROT_READ, MAP_SHARED, descriptor, 0), mapping != MAP_FAILED
        else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.header = UnsafeRawPointer(mapping)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: header), 2 * Self.headerSize)
        close(descriptor)
    }

    /// Whether the file opened is still the one beside the database. SQLite deletes it only when the
    /// last connection to the database closes, and these connections are open while it is used; but a
    /// deleted file's header would never change again, so nothing is served from a stamp without this.
    ///
    /// Only a file deleted from outside SQLite can fail it, which SQLite counts as corrupting the
    /// database (its own connections in this process go on using the deleted file too), so the link is
    /// looked at again only once ``linkCheckInterval`` has passed since it was last found: a system call
    /// on every request cost a tenth of a cached read.
    var isLinked: Bool {
        let now = Self.monotonicNanoseconds()
        let checked = linkCheckedAt.load(ordering: .relaxed)
        if checked != 0, now &- checked < Self.linkCheckInterval { return true }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_nlink > 0 else { return false }
        linkCheckedAt.store(now, ordering: .relaxed)
        return true
    }

    /// How long a check that found the file linked is trusted, in nanoseconds.
    static let linkCheckInterval: UInt64 = 100_000_000

    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// The header as it is now, or `nil` when it cannot be read whole and consistent.
    func current() -> Stamp? {
        let first = copy(at: 0)
        // As SQLite's readers: the second copy is read after the first, and whatever the caller reads
        // next (the query) after both, so that a stamp is never newer than what was read under it.
        atomicMemoryFence(ordering: .acquiring)
        let second = copy(at: Self.headerSize)
        atomicMemoryFence(ordering: .acquiring)
        return first == second && first.isInitialised ? first : nil
    }

    private func copy(at offset: Int) -> Stamp {
        let words = header + offset
        return Stamp(
            words: (
                words.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                words.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                words.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                words.loadUnaligned(fromByteOffset: 24, as: UInt64.self),
                words.loadUnaligned(fromByteOffset: 32, as: UInt64.self),
                words.loadUnaligned(fromByteOffset: 40, as: UInt64.self)
            )
        )
    }
}
