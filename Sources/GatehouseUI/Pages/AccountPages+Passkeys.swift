import Foundation
import Gatehouse
@_spi(Fuzzing) import GatehouseHummingbird
import Hummingbird

/// Passkeys on the pages. The forms are plain; `gatehouse.js` runs the browser's part of each ceremony
/// — `navigator.credentials` has no form equivalent — and submits the credential in a hidden field, so
/// the server still answers with a page. Without JavaScript the passkey forms stay hidden and nothing
/// else changes.
extension AccountPages {
    /// The password (and code, with a second factor on) renews the session's authentication, then the
    /// options for `navigator.credentials.create()`, as JSON for the script; a problem is JSON too —
    /// a refused form included — `{"error":{"message","field"}}`, with the status of the page that
    /// would show it.
    func passkeyRegistrationOptions(_ request: Request, context: Context) async throws -> Response {
        let form: FormBody
        do {
            form = try await self.form(request, context: context)
        } catch let failure as PageFailure {
            let problem =
                switch failure {
                case .formExpired: PageProblem(field: nil, message: "This page has expired. Reload it and try again.", status: .forbidden)
                case .unreadableForm: PageProblem(field: nil, message: "The form could not be read.", status: .badRequest)
                }
            return try JSONPayload.response(PageErrorBody(problem), status: problem.status)
        }
        let state = try state(context)
        guard let authentication = state.authentication else {
            let problem = PageProblem(field: nil, message: "You are signed out. Reload the page and log in again.", status: .unauthorized)
            return try JSONPayload.response(PageErrorBody(problem), status: problem.status)
        }
        do {
            let session = try await reauthenticated(
                authentication,
                password: form["passkey_password"],
                code: form["passkey_code"],
                state: state,
                context: context
            )
            return try JSONPayload.response(try await accounts.beginPasskeyRegistration(session: session, logger: context.logger))
        } catch let error as AccountError {
            var problem = PageProblem(error)
            if error.code == .loginFailed {
                problem = PageProblem(field: "passkey_password", message: "That is not your password.", status: .unauthorized)
            }
            if problem.field == "code" { problem.field = "passkey_code" }
            return try JSONPayload.response(PageErrorBody(problem), status: problem.status)
        }
    }

    /// The credential the script made: the passkey is added under the name typed.
    func addPasskey(_ request: Request, context: Context) async throws -> Response {
        try await accountForm(request, context: context, fields: PasswordFields(checked: "passkey_password")) { form, state, authentication in
            let credential = try Self.decodeCredential(PasskeyRegistrationCredential.self, from: form["credential"])
            let name = form["passkey_name"].trimmingCharacters(in: .whitespaces)
            _ = try await accounts.registerPasskey(
                session: authentication.session,
                credential: credential,
                name: name.isEmpty ? nil : name,
                client: state.client,
                logger: context.logger
            )
            return redirect(to: "/ui/account?notice=passkey_added")
        }
    }

    /// The password (and code) renew the session's authentication, then the passkey chosen is removed.
    func removePasskey(_ request: Request, context: Context) async throws -> Response {
        try await accountForm(request, context: context, fields: PasswordFields(checked: "remove_password")) { form, state, authentication in
            let session = try await reauthenticated(
                authentication,
                password: form["remove_password"],
                code: form["remove_code"],
                state: state,
                context: context
            )
            try await accounts.removePasskey(id: form["passkey_id"], session: session, client: state.client, logger: context.logger)
            return redirect(to: "/ui/account?notice=passkey_removed")
        }
    }

    /// The assertion the script got for options of `POST /v1/passkeys/authentication/options`: logged
    /// in like with the password, back to `return_to`.
    func logInWithPasskey(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        let returnTo = returnTarget.accepted(form["return_to"])
        do {
            let credential = try Self.decodeCredential(PasskeyAssertionCredential.self, from: form["credential"])
            let login = try await accounts.logIn(passkey: credential, client: state.client, logger: context.logger)
            return try await loggedIn(login, returnTo: returnTo, state: state, context: context)
        } catch let error as AccountError {
            context.logger.info("passkey login refused", metadata: ["gatehouse.error": "\(error.code)"])
            var values = providerButtons(returningTo: returnTo)
            if let returnTo { values["return_to"] = returnTo }
            return page("login", title: "Log in", values: values, problem: PageProblem(error), request: request, context: context)
        }
    }

    /// The session authenticated again by the password typed, and the code when one was typed (an
    /// account with a second factor needs it).
    private func reauthenticated(
        _ authentication: Authentication,
        password: String,
        code: String,
        state: GatehouseRequestState,
        context: Context
    ) async throws -> SessionDocument {
        try await accounts.reauthenticate(
            session: authentication.session,
            password: password,
            secondFactor: code.isEmpty ? nil : SecondFactorProof(typed: code),
            client: state.client,
            logger: context.logger
        )
    }

    /// The account's passkeys as the account page lists them.
    func passkeyValues(_ accountID: String) async throws -> [String: Any] {
        guard accounts.options.relyingParty != nil else { return [:] }
        let passkeys = try await accounts.passkeys(ofAccount: accountID)
        let listed: [[String: Any]] = passkeys.map { passkey in
            [
                "id": passkey.id, "name": passkey.name, "added": RelativeTime.calendarDate(passkey.createdAt),
                "last_used": passkey.lastUsedAt.map { RelativeTime.describe($0, now: now) } ?? "Never",
            ]
        }
        return ["passkeys": listed, "has_passkeys": !passkeys.isEmpty]
    }

    private static func decodeCredential<Credential: Decodable>(_ type: Credential.Type, from text: String) throws(AccountError) -> Credential {
        guard !text.isEmpty, let credential = try? JSONDecoder().decode(type, from: Data(text.utf8)) else {
            throw AccountError.invalidRequest(.passkeyCredential)
        }
        return credential
    }
}

/// `{"error":{"message","field"}}`: a page problem, for the script.
struct PageErrorBody: Encodable {
    struct Problem: Encodable {
        var message: String
        var field: String?
    }

    var error: Problem

    init(_ problem: PageProblem) {
        error = Problem(message: problem.message, field: problem.field)
    }
}
