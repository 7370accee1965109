import Logging

extension Accounts {
    /// Counts a request that sends a message (a verification or recovery link) against the limits per
    /// e-mail address and per client address, or throws ``AccountError/Code/tooManyAttempts``.
    func reserveMessage(_ purpose: String, email: String, client: ConnectionInfo, logger: Logger) async throws {
        var limits: [ThrottleLimit] = []
        if let perEmail = options.messageLimitPerEmail {
            limits.append(perEmail.limit("\(purpose).email:\(ThrottleKeys.account(email))"))
        }
        if let perAddress = options.messageLimitPerAddress {
            limits.append(perAddress.limit("\(purpose).address:\(ThrottleKeys.address(client.ip))"))
        }
        guard !limits.isEmpty else { return }
        if case .refused(let retryAfter) = try await store.reserveAttempt(under: limits, at: options.sessions.clock.now()) {
            logger.notice("\(purpose) request throttled", metadata: ["gatehouse.client_ip": "\(client.ip)"])
            throw AccountError.tooManyAttempts(retryAfter: Int(retryAfter.seconds.rounded(.up)))
        }
    }
}
