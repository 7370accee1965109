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
/// SQLite writes the header twice, second copy first, with a memory barrier between; a reader that
/// finds the copies different caught a writer in the middle, and treats the header as unknown. The
/// file is read with `pread` rather than mapped: a mapping of a file that another process truncates
/// would fault, a read only comes back short.
final class WALIndexStamp: Sendable {
    /// The header's bytes: a value that changes with every commit.
    struct Stamp: Equatable, Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

        static func == (lhs: Stamp, rhs: Stamp) -> Bool {
            lhs.words == rhs.words
        }
    }

    /// The size of one copy of the header.
    private static let headerSize = 48
    /// The offset of the `isInit` byte in a copy, set once the header is valid.
    private static let isInitOffset = 12

    private let descriptor: Int32

    /// Opens the `-shm` file of the database at `path`; `nil` when there is none (no WAL, or not yet).
    init?(databasePath path: String) {
        let descriptor = open(path + "-shm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Whether the file opened is still the one beside the database. SQLite deletes it only when the
    /// last connection to the database closes, and these connections are open while it is used; but a
    /// deleted file's header would never change again, so nothing is served from a stamp without this.
    var isLinked: Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && status.st_nlink > 0
    }

    /// The header as it is now, or `nil` when it cannot be read whole and consistent.
    func current() -> Stamp? {
        var bytes = (Stamp.zeroWords, Stamp.zeroWords)
        let read = withUnsafeMutableBytes(of: &bytes) { buffer in
            pread(descriptor, buffer.baseAddress, buffer.count, 0)
        }
        guard read == 2 * Self.headerSize else { return nil }
        let first = Stamp(words: bytes.0)
        guard first == Stamp(words: bytes.1) else { return nil }
        let isInit = withUnsafeBytes(of: bytes.0) { $0[Self.isInitOffset] }
        return isInit == 0 ? nil : first
    }
}

extension WALIndexStamp.Stamp {
    fileprivate static let zeroWords: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
}
