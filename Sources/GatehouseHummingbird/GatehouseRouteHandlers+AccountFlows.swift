import Gatehouse
import HTTPTypes
import Hummingbird

/// The self-service account flows: verifying and changing the e-mail address, recovering, changing the
/// password, closing the account. Messages are written to the outbox with the change that causes them
/// and delivered by the courier.
extension GatehouseRouteHandlers {
    /// `POST /v1/verification`: sends the caller a verification link.
    func requestVerification(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        try await accounts.requestEmailVerification(accountID: caller.authentication.accountID, client: caller.state.client, logger: context.logger)
        return try JSONPayload.response(OKResponse(), status: .accepted)
    }

    /// `POST /v1/verification/confirm`: confirms an address with a token from a message.
    func confirmVerification(_ request: Request, context: Context) async throws -> Response {
        let body = try await JSONPayload.decode(TokenBody.self, from: request, limit: configuration.maximumBodySize)
        let account = try await accounts.confirmEmail(token: body.token, logger: context.logger)
        return try JSONPayload.response(AccountResponse(account: AccountPayload(account)))
    }

    /// `POST /v1/recovery`: the same answer whether or not an account has the address.
    func requestRecovery(_ request: Request, context: Context) async throws -> Response {
        let state = try requestState(of: context)
        let body = try await JSONPayload.decode(RecoveryBody.self, from: request, limit: configuration.maximumBodySize)
        try await accounts.requestPasswordRecovery(email: body.email, client: state.client, logger: context.logger)
        return try JSONPayload.response(OKResponse(), status: .accepted)
    }

    /// `POST /v1/recovery/confirm`: sets the new password; every session of the account ends.
    func confirmRecovery(_ request: Request, context: Context) async throws -> Response {
        let state = try requestState(of: context)
        let body = try await JSONPayload.decode(RecoveryConfirmationBody.self, from: request, limit: configuration.maximumBodySize)
        let accountID = try await accounts.recoverPassword(token: body.token, newPassword: body.password, logger: context.logger)
        // A browser signed in to that account holds a cookie of a session that just ended.
        if state.authentication?.accountID == accountID { state.endSession() }
        return try JSONPayload.response(OKResponse())
    }

    /// `POST /v1/password`: every other session ends; the caller's token is renewed (once).
    func changePassword(_ request: Request, context: Context) async throws -> Response {
        let caller = try recentlyAuthenticated(context)
        let body = try await JSONPayload.decode(PasswordChangeBody.self, from: request, limit: configuration.maximumBodySize)
        try await accounts.changePassword(
            accountID: caller.authentication.accountID,
            currentPassword: body.currentPassword,
            newPassword: body.newPassword,
            keepingSession: caller.authentication.sessionID,
            client: caller.state.client,
            logger: context.logger
        )
        return try await renewedOnce(caller, context: context)
    }

    /// `POST /v1/email`: a confirmation to the new address, a notice to the current one.
    func requestEmailChange(_ request: Request, context: Context) async throws -> Response {
        let caller = try recentlyAuthenticated(context)
        let body = try await JSONPayload.decode(EmailChangeBody.self, from: request, limit: configuration.maximumBodySize)
        try await accounts.requestEmailChange(
            accountID: caller.authentication.accountID,
            to: body.email,
            password: body.password,
            client: caller.state.client,
            logger: context.logger
        )
        return try JSONPayload.response(OKResponse(), status: .accepted)
    }

    /// `DELETE /v1/accounts/me`: the account and its personal data are deleted.
    func deleteAccount(_ request: Request, context: Context) async throws -> Response {
        let caller = try recentlyAuthenticated(context)
        let body = try await JSONPayload.decode(PasswordBody.self, from: request, limit: configuration.maximumBodySize)
        try await accounts.deleteAccount(
            accountID: caller.authentication.accountID,
            password: body.password,
            client: caller.state.client,
            logger: context.logger
        )
        caller.state.endSession()
        return try JSONPayload.response(OKResponse())
    }

    /// `POST /v1/reauthenticate`: the password again (and a second factor when the account has one), or
    /// a passkey assertion, for the sensitive actions that need a recent
    /// authentication; the session and its token stay.
    func reauthenticate(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let body = try await JSONPayload.decode(ReauthenticationBody.self, from: request, limit: configuration.maximumBodySize)
        let session: SessionDocument
        switch (body.password, body.passkey) {
        case (let password?, nil):
            session = try await accounts.reauthenticate(
                session: caller.authentication.session,
                password: password,
                secondFactor: try body.secondFactorProof(),
                client: caller.state.client,
                logger: context.logger
            )
        case (nil, let passkey?) where try body.secondFactorProof() == nil:
            session = try await accounts.reauthenticate(
                session: caller.authentication.session,
                passkey: passkey,
                client: caller.state.client,
                logger: context.logger
            )
        default:
            throw AccountError.invalidRequest(.body)
        }
        return try JSONPayload.response(SessionResponse(session: SessionPayload(session)))
    }

    /// The caller of a sensitive action: authenticated, and recently (step-up), else
    /// ``AccountError/Code/reauthenticationRequired``.
    func recentlyAuthenticated(_ context: Context) throws -> Caller {
        let caller = try authenticated(context)
        try accounts.requireRecentAuthentication(caller.authentication.session)
        return caller
    }

    /// A token the route renewed, handed over the way the caller presented its own: the cookie only
    /// for a cookie session, the body and `Auth-Token` for a bearer one.
    func tokenDelivered(_ renewed: Authentication, to caller: Caller) throws -> Response {
        var headers = HTTPFields()
        if caller.state.credential == .cookie {
            if configuration.cookie.enabled {
                headers[.setCookie] = cookie.setting(renewed.token, lifetime: cookie.lifetime(of: renewed, now: sessions.options.clock.now()))
            }
        } else {
            headers[.authToken] = renewed.token
        }
        caller.state.tokensDelivered()
        let body = TokenResponse(authToken: caller.state.credential == .cookie ? nil : renewed.token, expiresAt: renewed.tokenExpiresAt)
        return try JSONPayload.response(body, headers: headers)
    }
}
