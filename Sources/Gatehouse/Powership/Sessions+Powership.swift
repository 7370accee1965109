import Logging

/// The Powership `Sessions` API: each call reads the client from a shared ``SessionRequest`` and writes
/// its outcome back into it, over the native, value-returning calls.
extension Sessions {
    /// The per-request secret supplier; replaceable at run time (every use reads the current value).
    /// Ignored when ``SessionsOptions/keyRing`` is set.
    public var getTokenSecret: (@Sendable (SessionRequest) async throws -> String)? {
        get { secretSupplier.withLock { $0 } }
        set { secretSupplier.withLock { $0 = newValue } }
    }

    /// Runs the ``SessionHooks/onRequest`` chain — whose built-in `sessionHandler` step authenticates
    /// and renews — and returns the request it ends with. An invalid, expired or stolen token makes the
    /// call throw; a request without a token passes through untouched.
    ///
    /// When a middleware after the session handler throws once the token was renewed, the error comes
    /// wrapped in a ``RenewedSessionError`` carrying the new token.
    @discardableResult
    public func handleRequest(_ request: SessionRequest) async throws -> SessionRequest {
        do {
            return try await hooks.onRequest.dispatch(request, context: SessionHooksContext()) { request, _ in
                _ = try await self.trySetSession(request)
                return .next
            }
        } catch let error as RenewedSessionError {
            throw error
        } catch {
            guard request.tokenRenewed, let token = request.authToken else { throw error }
            throw RenewedSessionError(underlying: error, authToken: token)
        }
    }

    /// Authenticates and renews the request's token, if it has one; then runs
    /// ``SessionHooks/onRefreshTokens``. Returns `nil` for a request without a token.
    ///
    /// When the chain throws after the token was renewed, the request holds the new token and the error
    /// comes wrapped in a ``RenewedSessionError`` carrying it: the renewal is already committed.
    public func trySetSession(_ request: SessionRequest) async throws -> LoginResult? {
        guard let token = request.authToken, !token.isEmpty else { return nil }
        let result = try await refreshTokens(RefreshTokensInput(authToken: token, request: request))
        do {
            let event = try await hooks.onRefreshTokens.dispatch(RefreshTokensEvent(request: request, result: result), context: request)
            return event.result
        } catch {
            guard result.renewed else { throw error }
            throw RenewedSessionError(underlying: error, authToken: result.authToken)
        }
    }

    /// Verifies `input.authToken` and renews it according to the rotation rules, and puts the outcome on
    /// the request. Any failure passes through ``SessionHooks/onUpsertSessionError`` and the error that
    /// chain ends with is thrown — except failures of the caller's own `getTokenSecret`, which are
    /// rethrown as they are.
    public func refreshTokens(_ input: RefreshTokensInput) async throws -> LoginResult {
        do {
            let client = try getConnectionInfo(input.request)
            let authentication = try await authenticate(
                input.authToken,
                client: client,
                forceRenewal: input.forceRenewal,
                keys: .request(input.request),
                logger: options.logger
            )
            return input.request.record(authentication)
        } catch let failure as SecretSupplierFailure {
            throw failure.underlying
        } catch {
            throw try await hooks.onUpsertSessionError.dispatch(error, context: input.request)
        }
    }

    /// Creates a session for `account` (login) or renews the session of an already verified token,
    /// and puts the outcome on the request. Performs no verification of its own for `.insert`.
    public func upsertRefreshTokenAndSessionDocument(_ operation: SessionUpsert, request: SessionRequest) async throws -> LoginResult {
        try await unwrappingSupplierFailure {
            let client = try getConnectionInfo(request)
            let authentication: Authentication
            switch operation {
            case .insert(let account):
                authentication = try await startSession(for: account, client: client, keys: .request(request), logger: options.logger)
            case .update(let verified, let presentedToken, let forceRenewal):
                authentication = try await renew(
                    verified,
                    verifiedWith: nil,
                    presentedToken: presentedToken,
                    client: client,
                    forceRenewal: forceRenewal,
                    keys: .request(request),
                    logger: options.logger
                )
            }
            return request.record(authentication)
        }
    }

    /// The request's IP address and user agent; a missing one is an error, an empty one is not.
    public func getConnectionInfo(_ request: SessionRequest) throws(AccountError) -> ConnectionInfo {
        guard let userAgent = request.userAgent else { throw AccountError.invalidLocationInfoUserAgent }
        guard let ip = request.requestIp else { throw AccountError.invalidLocationInfoIP }
        return ConnectionInfo(ip: ip, userAgent: userAgent)
    }

    /// Checks a token's signature and claims, with no store access.
    public func verifyToken(_ token: String, request: SessionRequest, ignoringExpiry: Bool = false) async throws -> VerifiedAuthToken {
        try await unwrappingSupplierFailure {
            try await verifyTokenAndKey(token, .request(request), ignoringExpiry: ignoringExpiry).token
        }
    }
}

extension SessionRequest {
    /// Puts an authentication on the request and returns it as a ``LoginResult``.
    fileprivate func record(_ authentication: Authentication) -> LoginResult {
        authenticate(token: authentication.token, renewed: authentication.isRenewed, user: authentication.account, session: authentication.session)
        return LoginResult(authentication)
    }
}
