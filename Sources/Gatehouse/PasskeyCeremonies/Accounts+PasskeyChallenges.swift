import Crypto

extension Accounts {
    /// The relying party passkeys are made for, or ``AccountError/Code/invalidConfiguration``
    /// (``AccountError/Detail/passkeysUnavailable``) when none is configured.
    func requireRelyingParty() throws(AccountError) -> RelyingParty {
        guard let relyingParty = options.relyingParty else { throw AccountError.invalidConfiguration(.passkeysUnavailable) }
        return relyingParty
    }

    /// A new single-use challenge for `purpose`, stored as its digest; returns it base64url-encoded.
    func issuePasskeyChallenge(_ purpose: PasskeyChallengeRecord.Purpose, accountID: String?, sessionID: String?) async throws -> String {
        let bytes = random.bytes(32)
        let now = clock.now()
        try await store.insertPasskeyChallenge(
            PasskeyChallengeRecord(
                hash: Self.passkeyChallengeDigest(bytes),
                purpose: purpose,
                accountID: accountID,
                sessionID: sessionID,
                createdAt: now,
                expiresAt: now.addingTimeInterval(options.passkeyChallengeLifetime.seconds)
            )
        )
        return Base64URL.encode(bytes)
    }

    /// Takes the challenge the client data answers, once, or ``AccountError/Code/passkeyFailed``
    /// (``AccountError/Detail/passkeyChallenge``) when it is unknown, used, expired or of another ceremony.
    func consumePasskeyChallenge(of clientData: CollectedClientData, purpose: PasskeyChallengeRecord.Purpose) async throws -> PasskeyChallengeRecord {
        let digest = Self.passkeyChallengeDigest(clientData.challenge)
        guard let challenge = try await store.consumePasskeyChallenge(hash: digest, purpose: purpose, at: clock.now()) else {
            throw AccountError.passkeyFailed(.passkeyChallenge)
        }
        return challenge
    }

    /// The timeout options carry, in milliseconds: the challenge's lifetime.
    var passkeyTimeoutMilliseconds: Int {
        Int(options.passkeyChallengeLifetime.seconds * 1000)
    }

    private static func passkeyChallengeDigest(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}
