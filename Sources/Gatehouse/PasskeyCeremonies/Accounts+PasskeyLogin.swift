import Logging

extension Accounts {
    /// Starts a passkey login: options for `navigator.credentials.get()` with a single-use challenge.
    /// With a `username` whose account has passkeys, the options name them; without one — or for an
    /// unknown username, which is not told apart — the authenticator offers its discoverable passkeys.
    /// Each address may start ``AccountsOptions/passkeyLogInLimit`` of them
    /// (``AccountError/Code/tooManyAttempts`` over it), since each stores a challenge.
    public func beginPasskeyLogIn(username: String? = nil, client: ConnectionInfo, logger: Logger? = nil) async throws -> PasskeyRequestOptions {
        let relyingParty = try requireRelyingParty()
        if let limit = options.passkeyLogInLimit {
            let key = "passkey_login.address:\(ThrottleKeys.address(client.ip))"
            if case .refused(let retryAfter) = try await store.reserveAttempt(under: [limit.limit(key)], at: clock.now()) {
                (logger ?? self.logger).notice("passkey login throttled", metadata: ["gatehouse.client_ip": "\(client.ip)"])
                throw AccountError.tooManyAttempts(retryAfter: Int(retryAfter.seconds.rounded(.up)))
            }
        }
        let canonical = username.flatMap { try? AccountValidation.canonicalUsername($0) }
        let account = if let canonical { try await store.account(username: canonical) } else { nil as AccountRecord? }
        let passkeys = if let account { try await store.passkeys(accountID: account.accountID) } else { [PasskeyRecord]() }
        let challenge = try await issuePasskeyChallenge(.authentication, accountID: passkeys.isEmpty ? nil : account?.accountID, sessionID: nil)
        return PasskeyRequestOptions(
            challenge: challenge,
            timeout: passkeyTimeoutMilliseconds,
            rpId: relyingParty.id,
            allowCredentials: passkeys.map(PasskeyCeremony.descriptor)
        )
    }

    /// Logs in with the authenticator's answer to ``beginPasskeyLogIn(username:client:logger:)``: a session
    /// authenticated by ``AuthenticationMethod/passkey``, which counts as two factors (the account's
    /// TOTP factor is not asked for). Refusals are ``AccountError/Code/passkeyFailed`` with the check
    /// that failed, or the refusals of a login (a deactivated account, an unverified address).
    public func logIn(passkey credential: PasskeyAssertionCredential, client: ConnectionInfo, logger: Logger? = nil) async throws -> Authentication {
        let logger = logger ?? self.logger
        return try await countingLogin {
            let record = try await verifyPasskeyAssertion(credential, of: nil, client: client, logger: logger)
            return try await recordingRefusal(of: record, client: client, logger: logger) {
                try checkLoginAllowed(record)
                return try await sessions.startSession(
                    for: Account(record),
                    client: client,
                    authenticatedBy: [.passkey],
                    loginDetails: ["method": AuthenticationMethod.passkey.rawValue],
                    logger: logger
                )
            }
        }
    }

    /// Renews the session's authentication with one of its account's passkeys, answering options of
    /// ``beginPasskeyLogIn(username:client:logger:)``, like ``reauthenticate(session:password:secondFactor:client:logger:)``
    /// does with the password: same session, same token.
    public func reauthenticate(
        session: SessionDocument,
        passkey credential: PasskeyAssertionCredential,
        client: ConnectionInfo,
        logger: Logger? = nil
    ) async throws -> SessionDocument {
        let logger = logger ?? self.logger
        _ = try await verifyPasskeyAssertion(credential, of: session.accountID, client: client, logger: logger)
        return try await recordAuthentication(of: session, methods: [.passkey], client: client, logger: logger)
    }

    /// Verifies an assertion (WebAuthn §7.2) and returns the account of its passkey, which must be
    /// `requiredAccountID`'s when given.
    ///
    /// The challenge is taken first, so a refused answer spends it; then the origin, the relying party
    /// id's hash, user presence and verification, the passkey and its user handle, the signature with
    /// the stored key, and the sign count, recorded with one conditional write. A refusal of a known
    /// passkey is recorded as a failed login.
    private func verifyPasskeyAssertion(
        _ credential: PasskeyAssertionCredential,
        of requiredAccountID: String?,
        client: ConnectionInfo,
        logger: Logger
    ) async throws -> AccountRecord {
        let relyingParty = try requireRelyingParty()
        let credentialID = try PasskeyCeremony.credentialID(id: credential.id, rawID: credential.rawId, type: credential.type)
        let clientData = try PasskeyCeremony.clientData(credential.response.clientDataJSON, for: .get)
        let data = try PasskeyCeremony.authenticatorData(credential.response.authenticatorData)
        let signature = try PasskeyCeremony.bytes(credential.response.signature, limit: PasskeyCeremony.maximumSignatureByteCount)
        let userHandle = try credential.response.userHandle.map { encoded throws(AccountError) in try PasskeyCeremony.bytes(encoded, limit: 64) }

        let challenge = try await consumePasskeyChallenge(of: clientData, purpose: .authentication)
        try PasskeyCeremony.checkOrigin(clientData, of: relyingParty)
        try PasskeyCeremony.check(data, of: relyingParty)
        guard let passkey = try await store.passkey(credentialID: credentialID),
            challenge.accountID == nil || challenge.accountID == passkey.accountID,
            requiredAccountID == nil || requiredAccountID == passkey.accountID,
            // A discoverable passkey names its account; a login that named it may omit the handle.
            challenge.accountID != nil || userHandle != nil,
            userHandle == nil || userHandle == Array(passkey.accountID.utf8)
        else {
            logger.notice("passkey refused", metadata: ["gatehouse.client_ip": "\(client.ip)", "gatehouse.error": "unknown_passkey"])
            throw AccountError.passkeyFailed(.unknownPasskey)
        }
        do {
            guard let key = try? COSEKey(coseBytes: passkey.publicKey),
                PasskeyAssertionSignature.isValid(signature, publicKey: key, authenticatorData: data, clientData: clientData)
            else { throw AccountError.passkeyFailed(.passkeySignature) }
            guard try await store.usePasskey(id: passkey.id, signCount: data.signCount, at: clock.now()) else {
                throw AccountError.passkeyFailed(.signCount)
            }
        } catch let error as AccountError where error.code == .passkeyFailed {
            SessionMetrics.failure(error)
            logger.notice(
                "passkey refused",
                metadata: [
                    "gatehouse.client_ip": "\(client.ip)", "gatehouse.account_id": "\(passkey.accountID)",
                    "gatehouse.error": "\(error.detail?.rawValue ?? "")",
                ]
            )
            await recordAudit(.loginFailed, accountID: passkey.accountID, client: client, details: ["reason": "passkey"], logger: logger)
            throw error
        }
        guard let record = try await store.account(id: passkey.accountID) else { throw AccountError.userNotFound }
        return record
    }
}
