import Logging
import Synchronization

/// The process's logging: swift-log writing to standard error, set up once.
enum CommandLogging {
    private static let bootstrapped = Mutex(false)

    /// A logger labelled `gatehouse`; the first call decides the level for the whole process.
    static func logger(level: Logger.Level) -> Logger {
        bootstrapped.withLock { done in
            guard !done else { return }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            done = true
        }
        var logger = Logger(label: "gatehouse")
        logger.logLevel = level
        return logger
    }
}
