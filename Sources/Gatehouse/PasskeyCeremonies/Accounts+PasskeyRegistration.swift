import Logging

extension Accounts {
    /// The names a passkey may have: what a person types, trimmed; 1 to this many characters.
    static let maximumPasskeyNameLength = 64

    /// Starts adding a passkey to the session's account: options for `navigator.credentials.create()`
    /// with a single-use challenge bound to this session, valid for
    /// ``AccountsOptions/passkeyChallengeLifetime``. Needs a recent authentication
    /// (``AccountError/Code/reauthenticationRequired``) and a configured relying party.
    public func beginPasskeyRegistration(session: SessionDocument, logger: Logger? = nil) async throws -> PasskeyCreationOptions {
        try requireRecentAuthentication(session)
        let relyingParty = try requireRelyingParty()
        let account = try await requireAccount(session.accountID)
        let existing = try await store.passkeys(accountID: account.accountID)
        let challenge = try await issuePasskeyChallenge(.registration, accountID: account.accountID, sessionID: session.id)
        (logger ?? self.logger).info("passkey registration started", metadata: ["gatehouse.account_id": "\(account.accountID)"])
        return PasskeyCreationOptions(
            rp: .init(id: relyingParty.id, name: relyingParty.name),
            user: .init(id: Base64URL.encode(Array(account.accountID.utf8)), name: account.username, displayName: account.username),
            challenge: challenge,
            pubKeyCredParams: [.init(alg: COSEAlgorithm.edDSA.rawValue), .init(alg: COSEAlgorithm.es256.rawValue)],
            timeout: passkeyTimeoutMilliseconds,
            excludeCredentials: existing.map(PasskeyCeremony.descriptor)
        )
    }

    /// Verifies the authenticator's answer to ``beginPasskeyRegistration(session:logger:)`` (WebAuthn
    /// §7.1) and stores the passkey under `name` (default `Passkey`).
    ///
    /// The challenge is taken first, so a refused answer spends it. Then: the origin, the relying party
    /// id's hash, user presence and verification, attestation `none`, and an ES256 or EdDSA key. A
    /// credential registered already is ``AccountError/Code/conflict`` (``AccountError/Detail/passkeyTaken``).
    public func registerPasskey(
        session: SessionDocument,
        credential: PasskeyRegistrationCredential,
        name: String? = nil,
        client: ConnectionInfo,
        logger: Logger? = nil
    ) async throws -> PasskeyRecord {
        try requireRecentAuthentication(session)
        let relyingParty = try requireRelyingParty()
        let name = try Self.passkeyName(name)
        let credentialID = try PasskeyCeremony.credentialID(id: credential.id, rawID: credential.rawId, type: credential.type)
        let clientData = try PasskeyCeremony.clientData(credential.response.clientDataJSON, for: .create)
        let attestation: AttestationObject
        do {
            attestation = try AttestationObject(bytes: try PasskeyCeremony.bytes(credential.response.attestationObject))
        } catch {
            throw AccountError.invalidRequest(.passkeyCredential)
        }

        let challenge = try await consumePasskeyChallenge(of: clientData, purpose: .registration)
        guard challenge.accountID == session.accountID, challenge.sessionID == session.id else {
            throw AccountError.passkeyFailed(.passkeyChallenge)
        }
        try PasskeyCeremony.checkOrigin(clientData, of: relyingParty)
        guard attestation.format == "none", attestation.attestationStatement.count == 0 else {
            throw AccountError.passkeyFailed(.attestation)
        }
        let data = attestation.authenticatorData
        try PasskeyCeremony.check(data, of: relyingParty)
        guard let attested = data.attestedCredentialData, attested.credentialID == credentialID else {
            throw AccountError.invalidRequest(.passkeyCredential)
        }

        let now = clock.now()
        let passkey = PasskeyRecord(
            id: Identifiers.ulid(at: now, random: random),
            accountID: session.accountID,
            credentialID: credentialID,
            publicKey: attested.credentialPublicKey.coseBytes,
            signCount: data.signCount,
            name: name,
            createdAt: now
        )
        let audit = auditTrail(
            .passkeyRegistered,
            accountID: session.accountID,
            sessionID: session.id,
            client: client,
            details: ["passkey_id": passkey.id]
        )
        guard try await store.insertPasskey(passkey, audit: audit) else {
            if try await store.passkey(credentialID: credentialID) != nil { throw AccountError.conflict(.passkeyTaken) }
            throw AccountError.userNotFound
        }
        (logger ?? self.logger).notice(
            "passkey registered",
            metadata: ["gatehouse.account_id": "\(session.accountID)", "gatehouse.passkey_id": "\(passkey.id)"]
        )
        return passkey
    }

    /// The account's passkeys, oldest first.
    public func passkeys(ofAccount accountID: String) async throws -> [PasskeyRecord] {
        try await store.passkeys(accountID: accountID)
    }

    /// Removes one of the session account's passkeys. Needs a recent authentication; throws
    /// ``AccountError/Code/passkeyNotFound`` when the account has no passkey `id`, and
    /// ``AccountError/Code/conflict`` (``AccountError/Detail/lastWayToLogIn``) when it is the account's
    /// only way to log in: no password, no linked identity, no other passkey.
    public func removePasskey(id: String, session: SessionDocument, client: ConnectionInfo, logger: Logger? = nil) async throws {
        try requireRecentAuthentication(session)
        let audit = auditTrail(.passkeyRemoved, accountID: session.accountID, sessionID: session.id, client: client, details: ["passkey_id": id])
        switch try await store.deletePasskey(id: id, accountID: session.accountID, audit: audit) {
        case .removed: break
        case .notFound: throw AccountError.passkeyNotFound
        case .lastWayToLogIn: throw AccountError.conflict(.lastWayToLogIn)
        }
        (logger ?? self.logger).notice(
            "passkey removed",
            metadata: ["gatehouse.account_id": "\(session.accountID)", "gatehouse.passkey_id": "\(id)"]
        )
    }

    /// `name` trimmed, or `Passkey` when absent; ``AccountError/Code/invalidRequest``
    /// (``AccountError/Detail/passkeyName``) when empty, too long or holding control characters.
    static func passkeyName(_ name: String?) throws(AccountError) -> String {
        guard let name else { return "Passkey" }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...maximumPasskeyNameLength).contains(trimmed.count),
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
        else { throw AccountError.invalidRequest(.passkeyName) }
        return trimmed
    }
}
