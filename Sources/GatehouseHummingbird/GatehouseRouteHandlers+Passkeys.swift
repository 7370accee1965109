import Gatehouse
import HTTPTypes
import Hummingbird
import NIOCore

import struct Foundation.Data

extension GatehouseRouteHandlers {
    /// `POST /v1/passkeys/registration/options`: options for `navigator.credentials.create()`. Any
    /// body is ignored.
    func passkeyRegistrationOptions(_ request: Request, context: Context) async throws -> Response {
        let caller = try recentlyAuthenticated(context)
        let options = try await accounts.beginPasskeyRegistration(session: caller.authentication.session, logger: context.logger)
        return try JSONPayload.response(options)
    }

    /// `POST /v1/passkeys/registration`: the new credential's `toJSON()`, with an optional `name`.
    func registerPasskey(_ request: Request, context: Context) async throws -> Response {
        let caller = try recentlyAuthenticated(context)
        let body = try await JSONPayload.decode(PasskeyRegistrationBody.self, from: request, limit: configuration.maximumBodySize)
        let passkey = try await accounts.registerPasskey(
            session: caller.authentication.session,
            credential: body.credential,
            name: body.name,
            client: caller.state.client,
            logger: context.logger
        )
        return try JSONPayload.response(PasskeyResponse(passkey: PasskeyPayload(passkey)), status: .created)
    }

    /// `POST /v1/passkeys/authentication/options`: options for `navigator.credentials.get()`; the body
    /// `{"username"}` is optional, and may be absent.
    func passkeyAuthenticationOptions(_ request: Request, context: Context) async throws -> Response {
        let body = try await JSONPayload.decodeIfPresent(PasskeyLoginOptionsBody.self, from: request, limit: configuration.maximumBodySize)
        let state = try requestState(of: context)
        let options = try await accounts.beginPasskeyLogIn(username: body?.username, client: state.client, logger: context.logger)
        return try JSONPayload.response(options)
    }

    /// `POST /v1/passkeys/authentication`: the assertion's `toJSON()`; answered like `POST /v1/login`.
    func logInWithPasskey(_ request: Request, context: Context) async throws -> Response {
        try csrf.verifyOrigin(request)
        let transport = try transport(of: request)
        let credential = try await JSONPayload.decode(PasskeyAssertionCredential.self, from: request, limit: configuration.maximumBodySize)
        let state = try requestState(of: context)
        let login: Authentication
        do {
            login = try await accounts.logIn(passkey: credential, client: state.client, logger: context.logger)
        } catch let error as AccountError {
            context.logger.info("passkey login refused", metadata: ["gatehouse.error": "\(error.code)"])
            throw error
        }
        return try loggedIn(login, state: state, transport: transport, context: context)
    }

    /// `GET /v1/passkeys`.
    func listPasskeys(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let passkeys = try await accounts.passkeys(ofAccount: caller.authentication.accountID)
        return try JSONPayload.response(PasskeysResponse(passkeys: passkeys.map(PasskeyPayload.init)))
    }

    /// `DELETE /v1/passkeys/{id}`.
    func removePasskey(_ request: Request, context: Context) async throws -> Response {
        let caller = try recentlyAuthenticated(context)
        guard let id = context.parameters.get("id"), (1...64).contains(id.utf8.count) else { throw AccountError.passkeyNotFound }
        try await accounts.removePasskey(id: id, session: caller.authentication.session, client: caller.state.client, logger: context.logger)
        return try JSONPayload.response(OKResponse())
    }
}
