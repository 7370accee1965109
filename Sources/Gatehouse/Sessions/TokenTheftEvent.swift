import struct Foundation.Date

/// The value of ``Sessions/onTokenTheft``: the session revoked because a superseded token was replayed.
public struct TokenTheftEvent: Sendable, Equatable {
    public var sessionID: String
    public var accountID: String
    public var detectedAt: Date

    public init(sessionID: String, accountID: String, detectedAt: Date) {
        self.sessionID = sessionID
        self.accountID = accountID
        self.detectedAt = detectedAt
    }
}
