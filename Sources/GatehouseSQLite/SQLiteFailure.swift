import GRDB
import Gatehouse
import Logging

/// Turns whatever SQLite or GRDB throws into an ``AccountError`` a caller can act on.
///
/// Neither the messages built here nor the log lines carry a bound value: GRDB keeps statement
/// arguments out of its descriptions unless told otherwise, and this type never forwards a
/// description anyway — only SQLite's result code and the name of the operation. SQLite's own message
/// names the constraint's table and columns, never the value; it is read to choose a fixed sentence.
enum SQLiteFailure {
    /// The unique constraint a message names, and what to tell the caller about it. Checked in order.
    private static let conflicts: [(marker: String, detail: AccountError.Detail)] = [
        ("accounts.username", .usernameTaken),
        ("accounts.id", .idTaken),
        ("contacts.kind", .contactTaken),
        ("contacts.account_id", .primaryContact),
        ("sessions.id", .idTaken),
        ("one_time_tokens.", .idTaken),
        ("signing_keys.kid", .keyIDTaken),
        ("signing_keys.is_signing", .concurrentKeyChange),
        ("outbox.id", .idTaken),
        ("audit_events.id", .idTaken),
        ("identities.issuer", .identityTaken),
        ("identities.id", .idTaken),
        ("passkey_challenges.hash", .idTaken),
    ]

    static func translate(_ error: any Error, operation: StaticString, logger: Logger) -> any Error {
        switch error {
        case let error as AccountError:
            return error
        case is CancellationError:
            return error
        case let error as DatabaseError:
            return translate(database: error, operation: operation, logger: logger)
        default:
            // A RowDecodingError describes the row it failed on: only its type is logged.
            logger.error("SQLite store failed", metadata: metadata(operation, ["gatehouse.error_type": "\(type(of: error))"]))
            return SQLiteCodec.malformed
        }
    }

    /// Whether a constraint violation is a UNIQUE (or primary key) one, naming a marker.
    static func isUniqueViolation(_ error: any Error, naming marker: String) -> Bool {
        guard let error = error as? DatabaseError, isUnique(error) else { return false }
        return error.message?.contains(marker) ?? false
    }

    private static func isUnique(_ error: DatabaseError) -> Bool {
        error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }

    private static func translate(database error: DatabaseError, operation: StaticString, logger: Logger) -> AccountError {
        let code: Logger.MetadataValue = "\(error.extendedResultCode.rawValue)"
        switch error.resultCode {
        case .SQLITE_CONSTRAINT:
            if isUnique(error) {
                let detail = conflicts.first { error.message?.contains($0.marker) ?? false }?.detail
                logger.debug("SQLite unique constraint", metadata: metadata(operation, ["gatehouse.sqlite.code": code]))
                return AccountError.conflict(detail)
            }
            if error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                return AccountError.userNotFound
            }
            logger.error("SQLite constraint failed", metadata: metadata(operation, ["gatehouse.sqlite.code": code]))
            return AccountError.invalidRequest(.constraint)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            logger.warning("SQLite database busy", metadata: metadata(operation, ["gatehouse.sqlite.code": code]))
            return AccountError.storeUnavailable(.busy)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_NOTADB:
            logger.error("SQLite database cannot be opened", metadata: metadata(operation, ["gatehouse.sqlite.code": code]))
            return AccountError.storeUnavailable(.cannotOpen)
        default:
            logger.error("SQLite store failed", metadata: metadata(operation, ["gatehouse.sqlite.code": code]))
            return AccountError.storeUnavailable()
        }
    }

    private static func metadata(_ operation: StaticString, _ extra: Logger.Metadata) -> Logger.Metadata {
        extra.merging(["gatehouse.store.operation": "\(operation)"]) { current, _ in current }
    }
}
