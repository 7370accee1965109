import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The database file's permissions: it holds password hashes, e-mail and IP addresses and, for a server
/// that generated it, the signing key.
enum DatabaseFile {
    /// Creates `path` readable and writable by its owner only when it does not exist yet — SQLite gives
    /// the `-wal` and `-shm` files it creates beside it the same permissions — and warns when an existing
    /// file is readable or writable by its group or by others.
    static func prepare(_ path: String, logger: Logger) throws {
        let descriptor = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        guard errno == EEXIST else { return }
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            logger.warning(
                "the database file can be read by other users; restrict it with chmod 600",
                metadata: ["gatehouse.path": "\(path)", "gatehouse.mode": "\(String(mode, radix: 8))"]
            )
        }
    }
}
