import Gatehouse
import Logging
import PostgresNIO

/// Turns driver errors into ``AccountError``s a caller can act on, without carrying SQL, bound values,
/// hashes or addresses along: only SQLSTATE codes and constraint names leave this file.
enum PostgresFailure {
    /// An operation that did not finish within the store's operation timeout.
    struct TimedOut: Error {}

    static func sqlState(_ error: any Error) -> String? {
        guard let error = error as? PSQLError, error.code == .server else { return nil }
        return error.serverInfo?[.sqlState]
    }

    /// The constraint a `23505` (unique violation) or `23503` (foreign key violation) was about.
    static func violation(_ error: any Error) -> (sqlState: String, constraint: String)? {
        guard let error = error as? PSQLError, error.code == .server,
            let state = error.serverInfo?[.sqlState], state == "23505" || state == "23503"
        else { return nil }
        return (state, error.serverInfo?[.constraintName] ?? "")
    }

    static func isUniqueViolation(_ error: any Error, constraint: String? = nil) -> Bool {
        guard let violation = violation(error), violation.sqlState == "23505" else { return false }
        return constraint.map { $0 == violation.constraint } ?? true
    }

    /// Serialization failures and deadlocks: the transaction lost a race and can simply run again.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let state = sqlState(error) else { return false }
        return state == "40001" || state == "40P01"
    }

    /// The error to throw for `error`, raised while running `operation`.
    static func translate(_ error: any Error, operation: StaticString, logger: Logger) -> any Error {
        if let error = error as? AccountError { return error }
        if error is CancellationError || error is RefusedAttempt { return error }
        if error is TimedOut {
            logger.warning("database operation timed out", metadata: ["gatehouse.operation": "\(operation)"])
            return AccountError.storeUnavailable(.timedOut)
        }
        if let error = error as? PSQLError {
            return translate(error, operation: operation, logger: logger)
        }
        if error is PostgresDecodingError || error is PostgresCursor.UnknownValue {
            logger.error("database returned an unexpected value", metadata: ["gatehouse.operation": "\(operation)"])
            return AccountError.storeUnavailable(.unreadableRow)
        }
        // The pool's own failures (its circuit breaker, a shut-down client) and transport errors.
        logger.warning(
            "database unavailable",
            metadata: [
                "gatehouse.operation": "\(operation)", "gatehouse.error_type": "\(type(of: error))",
            ]
        )
        return AccountError.storeUnavailable()
    }

    private static func translate(_ error: PSQLError, operation: StaticString, logger: Logger) -> any Error {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?????"
            if isUnavailableState(state) {
                logger.warning("database unavailable", metadata: ["gatehouse.operation": "\(operation)", "gatehouse.sqlstate": "\(state)"])
                return AccountError.storeUnavailable()
            }
            logger.error("database refused an operation", metadata: ["gatehouse.operation": "\(operation)", "gatehouse.sqlstate": "\(state)"])
            return AccountError.storeUnavailable()
        case .queryCancelled where Task.isCancelled:
            return CancellationError()
        case .messageDecodingFailure, .unexpectedBackendMessage, .invalidCommandTag, .tooManyParameters:
            logger.error("database protocol failure", metadata: ["gatehouse.operation": "\(operation)", "gatehouse.error_code": "\(error.code)"])
            return AccountError.storeUnavailable()
        default:
            logger.warning("database unavailable", metadata: ["gatehouse.operation": "\(operation)", "gatehouse.error_code": "\(error.code)"])
            return AccountError.storeUnavailable()
        }
    }

    /// Connection exceptions, shutdowns, exhausted resources and lost races: conditions that pass.
    private static func isUnavailableState(_ state: String) -> Bool {
        state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") || state == "57014"
            || state == "40001" || state == "40P01" || state == "25006"
    }
}
