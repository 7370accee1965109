@_spi(Fuzzing) import Gatehouse
@_spi(Fuzzing) import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

import struct Foundation.Data
import struct Foundation.Date
import class Foundation.JSONDecoder

/// The handlers of the provider routes (see ``addIdentityProviderRoutes(to:accounts:providers:settings:configuration:)``).
struct IdentityProviderHandlers<Context: GatehouseRequestContextProtocol>: Sendable {
    let gatehouse: GatehouseRouteHandlers<Context>
    let providers: [String: IdentityProvider]
    let settings: IdentityProviderRouteSettings

    var accounts: Accounts { gatehouse.accounts }
    var configuration: GatehouseHTTPConfiguration { gatehouse.configuration }
    var clock: any WallClock { accounts.sessions.options.clock }

    // MARK: Browser login

    /// `GET /v1/oidc/{provider}/start?return_to=…`: to the provider, with the login's state in a cookie.
    func start(_ request: Request, context: Context) async throws -> Response {
        let provider = try self.provider(context)
        let returnTo = try ReturnAddress.checked(request.uri.queryParameters["return_to"].map(String.init), settings: settings)
        return try await redirectToProvider(provider, returnTo: returnTo, linking: nil)
    }

    /// `GET|POST /v1/oidc/{provider}/callback`: checks the answer against the login's cookie, exchanges
    /// the code, verifies the ID token, then logs in (or links) and sends the browser back.
    func callback(_ request: Request, context: Context) async throws -> Response {
        var clearing = HTTPFields()
        clearing[.setCookie] = loginCookie(nil, for: nil)
        do {
            return try await completeCallback(request, context: context, clearing: clearing)
        } catch {
            var failure = GatehouseHTTPError(error)
            failure.headers.append(contentsOf: clearing)
            throw failure
        }
    }

    private func completeCallback(_ request: Request, context: Context, clearing: HTTPFields) async throws -> Response {
        let provider = try self.provider(context)
        let fields = try await callbackFields(request)
        let client = try gatehouse.requestState(of: context).client
        let keyRing = try self.keyRing()
        let loginState = request.cookies[LoginState.cookieName].flatMap { LoginState.unsealed($0.value, keys: keyRing, now: clock.now()) }
        // What the provider gave, for keeping its tokens once the login or link has succeeded.
        let received = Mutex<(identity: ProviderIdentity, tokens: ProviderTokens)?>(nil)
        let verify: () async throws -> ProviderIdentity = {
            guard let loginState, loginState.provider == provider.name,
                let state = fields["state"], SecretDigest.constantTimeEquals(state, loginState.state)
            else { throw AccountError.identityVerificationFailed(.loginState) }
            if fields["error"] != nil { throw AccountError.identityVerificationFailed(.providerError) }
            guard let code = fields["code"], !code.isEmpty else { throw AccountError.identityVerificationFailed(.authorizationCode) }
            let exchange = try await provider.exchange(
                code: code,
                redirectURI: settings.callbackURL(for: provider.name),
                codeVerifier: loginState.verifier,
                logger: context.logger
            )
            var identity = try await provider.verify(idToken: exchange.idToken, nonce: .mustEqual(loginState.nonce))
            if identity.name?.isEmpty ?? true, let user = fields["user"] { identity.name = FirstLoginUser.name(in: user) }
            received.withLock { $0 = (identity, exchange.tokens) }
            return identity
        }
        var headers = clearing
        if let loginState, let accountID = loginState.linkAccountID, let sessionID = loginState.linkSessionID {
            let identity = try await verify()
            try await requireSession(sessionID, of: accountID)
            let linked = try await accounts.linkIdentity(identity, toAccount: accountID)
            await keep(received.withLock { $0?.tokens }, of: provider, identityID: linked.id, logger: context.logger)
            headers[.location] = loginState.returnTo
            return Response(status: .seeOther, headers: headers)
        }
        let login = try await accounts.logIn(provider: provider.name, client: client, logger: context.logger, verify: verify)
        if provider.configuration.keepsTokens, let (identity, tokens) = received.withLock({ $0 }),
            let linked = try await accounts.store.identity(issuer: identity.issuer, subject: identity.subject)
        {
            await keep(tokens, of: provider, identityID: linked.id, logger: context.logger)
        }
        context.logger.info("login", metadata: ["gatehouse.session_id": "\(login.sessionID)", "gatehouse.account_id": "\(login.accountID)"])
        let state = try gatehouse.requestState(of: context)
        // The browser's cookie now names the new session: the one it named before ends, as a logout.
        if let previous = state.authentication {
            _ = try await accounts.sessions.revokeSessions(
                .session(id: previous.sessionID, accountID: previous.accountID),
                reason: .logout,
                logger: context.logger
            )
        }
        state.tokensDelivered()
        if configuration.cookie.enabled {
            headers.append(
                HTTPField(
                    name: .setCookie,
                    value: gatehouse.cookie.setting(login.token, lifetime: gatehouse.cookie.lifetime(of: login, now: clock.now()))
                )
            )
        }
        headers[.location] = loginState?.returnTo ?? "/"
        return Response(status: .seeOther, headers: headers)
    }

    // MARK: Native apps

    /// `POST /v1/oidc/{provider}/token`: an ID token the app obtained itself, answered like a login.
    func token(_ request: Request, context: Context) async throws -> Response {
        try gatehouse.csrf.verifyOrigin(request)
        let provider = try self.provider(context)
        let transport = try gatehouse.transport(of: request)
        let body = try await JSONPayload.decode(IDTokenBody.self, from: request, limit: configuration.maximumBodySize)
        let client = try gatehouse.requestState(of: context).client
        let login = try await accounts.logIn(provider: provider.name, client: client, logger: context.logger) {
            try await provider.verify(idToken: body.idToken, nonce: body.nonce.map { .mustEqualOrDigest($0) } ?? .mustBeAbsent)
        }
        context.logger.info("login", metadata: ["gatehouse.session_id": "\(login.sessionID)", "gatehouse.account_id": "\(login.accountID)"])
        try gatehouse.requestState(of: context).tokensDelivered()
        return try gatehouse.sessionStarted(login, transport: transport)
    }

    // MARK: Linked identities

    /// `GET /v1/identities`.
    func list(_ request: Request, context: Context) async throws -> Response {
        let caller = try gatehouse.authenticated(context)
        let identities = try await accounts.identities(ofAccount: caller.authentication.accountID)
        return try JSONPayload.response(IdentitiesResponse(identities: identities.map(IdentityPayload.init)))
    }

    /// `POST /v1/identities/{provider}`: links the identity of an ID token in the body, or sends the
    /// browser to the provider to link the identity it logs in with.
    func link(_ request: Request, context: Context) async throws -> Response {
        let caller = try gatehouse.authenticated(context)
        let provider = try self.provider(context, parameter: "id")
        let hasBody = request.headers[.contentType] != nil || (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0
        guard hasBody else {
            let returnTo = try ReturnAddress.checked(request.uri.queryParameters["return_to"].map(String.init), settings: settings)
            return try await redirectToProvider(provider, returnTo: returnTo, linking: caller.authentication)
        }
        let body = try await JSONPayload.decode(IDTokenBody.self, from: request, limit: configuration.maximumBodySize)
        let identity = try await provider.verify(idToken: body.idToken, nonce: body.nonce.map { .mustEqualOrDigest($0) } ?? .mustBeAbsent)
        let linked = try await accounts.linkIdentity(identity, toAccount: caller.authentication.accountID)
        return try JSONPayload.response(IdentityResponse(identity: IdentityPayload(linked)), status: .created)
    }

    /// `DELETE /v1/identities/{id}`.
    func unlink(_ request: Request, context: Context) async throws -> Response {
        let caller = try gatehouse.authenticated(context)
        guard let id = context.parameters.get("id"), (1...64).contains(id.utf8.count) else { throw AccountError.identityNotFound }
        try await accounts.unlinkIdentity(id: id, fromAccount: caller.authentication.accountID)
        return Response(status: .noContent)
    }

    // MARK: Parts

    private func provider(_ context: Context, parameter: String = "provider") throws(AccountError) -> IdentityProvider {
        guard let name = context.parameters.get(parameter), let provider = providers[name] else { throw AccountError.providerNotFound }
        return provider
    }

    private func keyRing() throws(AccountError) -> KeyRing {
        guard let ring = accounts.sessions.options.keyRing else { throw AccountError.invalidConfiguration(.keyRing) }
        return ring
    }

    /// A 303 to the provider's authorization endpoint, with the login's state sealed in the cookie.
    private func redirectToProvider(_ provider: IdentityProvider, returnTo: String, linking: Authentication?) async throws -> Response {
        let random = accounts.sessions.options.random
        let verifier = PKCE.makeVerifier(random: random)
        let state = LoginState(
            provider: provider.name,
            state: Base64URL.encode(random.bytes(24)),
            nonce: Base64URL.encode(random.bytes(24)),
            verifier: verifier,
            returnTo: returnTo,
            expiresAt: Int64(clock.now().timeIntervalSince1970 + settings.loginLifetime.seconds),
            linkAccountID: linking?.accountID,
            linkSessionID: linking?.sessionID
        )
        let location = try await provider.authorizationURL(
            redirectURI: settings.callbackURL(for: provider.name),
            state: state.state,
            nonce: state.nonce,
            codeChallenge: PKCE.challenge(for: verifier)
        )
        var headers = HTTPFields()
        headers[.location] = location
        headers[.setCookie] = loginCookie(try state.sealed(with: try keyRing().signingKey), for: provider)
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    /// The `Set-Cookie` of the login's state, or of its removal. A provider that posts its answer from
    /// its own site (Apple's `form_post`) needs `SameSite=None`, which browsers take only with `Secure`
    /// (Apple calls back over HTTPS only).
    private func loginCookie(_ value: String?, for provider: IdentityProvider?) -> String {
        var cookie = "\(LoginState.cookieName)=\(value ?? ""); Path=/v1/oidc/; HttpOnly"
        if let value, !value.isEmpty {
            cookie += "; Max-Age=\(Int(settings.loginLifetime.seconds))"
        } else {
            cookie += "; Max-Age=0"
        }
        if provider?.configuration.usesFormPost == true {
            cookie += "; Secure; SameSite=None"
        } else {
            cookie += (settings.isSecure ? "; Secure" : "") + "; SameSite=Lax"
        }
        return cookie
    }

    /// The callback's fields: the query of a GET, the form of a POST (`form_post`).
    private func callbackFields(_ request: Request) async throws -> [String: String] {
        guard request.method == .post else {
            return FormEncoding.decode(request.uri.query ?? "")
        }
        let body = try await request.body.collect(upTo: 16 * 1024)
        return FormEncoding.decode(String(buffer: body))
    }

    /// Seals and keeps the provider's tokens of the identity, when the provider is configured to keep them.
    /// The login stands whatever happens here: a store failure is logged, and the tokens come again with
    /// the next login.
    private func keep(_ tokens: ProviderTokens?, of provider: IdentityProvider, identityID: String, logger: Logger) async {
        guard provider.configuration.keepsTokens, let vault = settings.tokenVault, let tokens, !tokens.isEmpty else { return }
        do {
            try await vault.keep(tokens, identityID: identityID, at: clock.now())
        } catch {
            logger.error(
                "the provider's tokens could not be kept",
                metadata: ["gatehouse.provider": "\(provider.name)", "gatehouse.error": "\(type(of: error))"]
            )
        }
    }

    /// Refuses a link whose session ended since it started.
    private func requireSession(_ sessionID: String, of accountID: String) async throws {
        let sessions = try await accounts.sessions(ofAccount: accountID)
        guard sessions.contains(where: { $0.id == sessionID }) else { throw AccountError.unauthorized }
    }
}

/// The `user` field Sign in with Apple posts with the first login only — the one time it tells the
/// person's name, which its ID tokens never carry.
enum FirstLoginUser {
    private struct User: Decodable {
        struct Name: Decodable {
            var firstName: String?
            var lastName: String?
        }
        var name: Name?
    }

    /// The name in the field, when it holds one.
    static func name(in field: String) -> String? {
        guard field.utf8.count <= 4_096, let user = try? JSONDecoder().decode(User.self, from: Data(field.utf8)), let name = user.name else {
            return nil
        }
        let full = [name.firstName, name.lastName].compactMap { $0 }.joined(separator: " ")
        return full.isEmpty ? nil : full
    }
}

/// `{"idToken","nonce"}`.
struct IDTokenBody: Decodable {
    var idToken: String
    var nonce: String?
}

/// An identity as the API shows it.
struct IdentityPayload: Encodable {
    var id: String
    var provider: String
    var issuer: String
    var subject: String
    var email: String?
    var createdAt: Date

    init(_ record: IdentityRecord) {
        id = record.id
        provider = record.provider
        issuer = record.issuer
        subject = record.subject
        email = record.email
        createdAt = record.createdAt
    }
}

/// `{"identities":[…]}`.
struct IdentitiesResponse: Encodable {
    var identities: [IdentityPayload]
}

/// `{"identity":{…}}`.
struct IdentityResponse: Encodable {
    var identity: IdentityPayload
}
