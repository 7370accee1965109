import struct Foundation.Date

/// A session as stored: no token, only SHA-256 digests of token secrets.
///
/// Rotation state: ``currentHash`` is the secret of the newest token; ``previousHash`` the one it
/// replaced at ``rotatedAt``; ``olderSecrets`` a short history of secrets superseded before that, each
/// with the time it was superseded, kept only while it is inside the grace period.
/// ``currentPresented`` says whether any client has sent the newest token yet — the lost-response rule
/// depends on it.
public struct SessionRecord: Sendable, Equatable {
    public var id: String
    public var accountID: String
    public var currentHash: [UInt8]
    public var previousHash: [UInt8]?
    public var rotatedAt: Date?
    public var olderSecrets: [SupersededSecret]
    public var currentPresented: Bool
    public var createdAt: Date
    public var lastUsedAt: Date
    /// Absolute end of the session, whatever its activity.
    public var expiresAt: Date
    public var valid: Bool
    public var revokedReason: RevocationReason?
    public var ip: String
    public var userAgent: String
    /// When the holder last proved who they are: at login, or later with a reauthentication. Sensitive
    /// actions ask for this to be recent (step-up).
    public var authenticatedAt: Date
    /// How they proved it then, in the order the proofs were given.
    public var authenticationMethods: [AuthenticationMethod]

    /// `authenticatedAt` defaults to `createdAt`: a session starts with a login.
    public init(
        id: String,
        accountID: String,
        currentHash: [UInt8],
        previousHash: [UInt8]? = nil,
        rotatedAt: Date? = nil,
        olderSecrets: [SupersededSecret] = [],
        currentPresented: Bool = false,
        createdAt: Date,
        lastUsedAt: Date,
        expiresAt: Date,
        valid: Bool = true,
        revokedReason: RevocationReason? = nil,
        ip: String,
        userAgent: String,
        authenticatedAt: Date? = nil,
        authenticationMethods: [AuthenticationMethod] = []
    ) {
        self.id = id
        self.accountID = accountID
        self.currentHash = currentHash
        self.previousHash = previousHash
        self.rotatedAt = rotatedAt
        self.olderSecrets = olderSecrets
        self.currentPresented = currentPresented
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.valid = valid
        self.revokedReason = revokedReason
        self.ip = ip
        self.userAgent = userAgent
        self.authenticatedAt = authenticatedAt ?? createdAt
        self.authenticationMethods = authenticationMethods
    }
}
