import Foundation
import Gatehouse
import Logging

/// Where a server's TOTP sealing keys come from: `GATEHOUSE_TOTP_KEYS` (`ID:BASE64,…`, the first one
/// sealing; rotate by putting a new key first), else — for an SQLite file — a key file beside the
/// database (`<database>.totp-keys`, mode 0600, in the same form), made on the first start. The
/// database alone then opens no secret. An in-memory database gets a key that lives as long as it; a
/// PostgreSQL database needs the variable (servers sharing it must share the keys), else second
/// factors are off.
enum TOTPKeySource {
    /// The keys for a server with these `configured` keys, on the database at `location` (where the
    /// store was opened, which decides where a key file goes).
    static func keys(configured: RedactedSecret?, location: DatabaseLocation, logger: Logger) throws -> [SealingKey] {
        if let configured {
            return try SealingKey.parseList(configured.value)
        }
        guard case .sqlite(let path) = location else {
            logger.notice("second factors are off: PostgreSQL needs GATEHOUSE_TOTP_KEYS, shared by every server")
            return []
        }
        guard path != DatabaseLocation.inMemoryPath else { return [try newKey()] }
        return try fileKeys(at: path + ".totp-keys", logger: logger)
    }

    /// The keys in the file at `path`, made with one new key when there is none.
    static func fileKeys(at path: String, logger: Logger) throws -> [SealingKey] {
        let files = FileManager.default
        if !files.fileExists(atPath: path) {
            let key = Data(SystemRandomSource().bytes(32)).base64EncodedString()
            // Created with owner-only permissions from the start: the key never sits in a readable file.
            guard files.createFile(atPath: path, contents: Data("k1:\(key)\n".utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ServerConfigurationError("cannot create the TOTP key file \(path)")
            }
            logger.notice("made a TOTP key file beside the database", metadata: ["gatehouse.path": "\(path)"])
        }
        guard let data = files.contents(atPath: path) else { throw ServerConfigurationError("cannot read the TOTP key file \(path)") }
        do {
            return try SealingKey.parseList(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw ServerConfigurationError("the TOTP key file \(path) is not a list of ID:BASE64 keys of 32 bytes each")
        }
    }

    private static func newKey() throws -> SealingKey {
        try SealingKey(id: "k1", bytes: SystemRandomSource().bytes(32))
    }
}
