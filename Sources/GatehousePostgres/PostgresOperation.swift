/// One database operation, run by the store's own service rather than by the request that asked for
/// it, so that the request can stop waiting at its deadline whatever the driver is doing.
struct PostgresOperation: Sendable {
    /// Leases a connection and runs the caller's work, delivering the outcome to the caller.
    let work: @Sendable () async -> Void
    /// The connection the work holds.
    let lease: LeasedConnection
    /// How long after the start a still-running operation has its connection closed.
    let closeAfter: Duration

    /// How long the service still waits for an operation after closing its connection.
    static let drainAfterClose: Duration = .seconds(2)

    /// Runs the work, and returns when it finished — or, for an operation its caller gave up on, when it
    /// still has no connection, or at the latest ``drainAfterClose`` after its connection was closed.
    ///
    /// An operation still running `closeAfter` after it started has its connection closed, which fails
    /// the query it waits on and returns the connection to the pool. The work is never cancelled: a lease
    /// request cancelled at the moment the pool grants it can lose its connection; an abandoned operation
    /// that gets its connection late gives it straight back instead. And the work runs in a task of its
    /// own, which this service does not wait for once the connection is closed: the driver does not
    /// always answer a query sent on a connection that closed at the moment it was leased, and such a
    /// query must not hold the service — and a graceful shutdown — for ever. That task ends with the
    /// query, or with the process.
    func run() async {
        let finished = PostgresOperationOutcome<Void>()
        let work = self.work
        Task {
            await work()
            finished.settle(.success(()))
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [lease, closeAfter] in
                do {
                    try await Task.sleep(for: closeAfter)
                    while true {
                        switch await lease.closeIfSettled(after: .seconds(1)) {
                        case .closed:
                            try await Task.sleep(for: Self.drainAfterClose)
                            finished.settle(.failure(CancellationError()))
                            return
                        case .nothingHeld:
                            // Still waiting for a connection: abandoned, it gives back whatever it gets
                            // (or fails when the pool stops), and nothing of it runs.
                            finished.settle(.failure(CancellationError()))
                            return
                        case .tooRecent:
                            try await Task.sleep(for: .milliseconds(200))
                        }
                    }
                } catch {
                    // Cancelled: the work finished, or the service is being cancelled — then it stops
                    // waiting for the work, which ends when the pool shuts down.
                    finished.settle(.failure(CancellationError()))
                }
            }
            _ = try? await finished.value()
            group.cancelAll()
        }
    }
}
