import Logging

/// Runs `body` every `interval` until the task is cancelled. A failure is logged with
/// `failureMessage` and the work is tried again at the next interval: background maintenance (sweeping
/// sessions, refreshing keys) must survive a database hiccup rather than bring the server down.
package func repeatUntilCancelled(every interval: Duration, logger: Logger, failureMessage: Logger.Message, _ body: () async throws -> Void) async {
    while !Task.isCancelled {
        do {
            try await Task.sleep(for: interval)
        } catch {
            return
        }
        do {
            try await body()
        } catch is CancellationError {
            return
        } catch {
            logger.warning(failureMessage, metadata: ["gatehouse.error": "\(error)"])
        }
    }
}
