import Foundation
import Gatehouse
import GatehouseHummingbird
import Hummingbird

/// Signing up, logging in and out.
extension AccountPages {
    func signUpPage(_ request: Request, context: Context) async throws -> Response {
        page("signup", title: "Create your account", values: providerButtons(returningTo: nil), request: request, context: context)
    }

    /// Creates the account and, unless the e-mail must be confirmed first, signs the person in.
    func signUp(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        var typed = providerButtons(returningTo: nil)
        typed["username_value"] = form["username"]
        typed["email_value"] = form["email"]
        do {
            _ = try await accounts.signUp(
                CreateAccountInput(username: form["username"], email: form["email"], password: form["password"]),
                client: state.client,
                logger: context.logger
            )
        } catch let error as AccountError {
            return page("signup", title: "Create your account", values: typed, problem: PageProblem(error), request: request, context: context)
        }
        do {
            let login = try await accounts.logIn(username: form["username"], password: form["password"], client: state.client, logger: context.logger)
            try await endPreviousSession(of: state, context: context)
            state.tokensDelivered()
            return redirect(to: "/ui/account?notice=welcome", headers: sessionCookie(login))
        } catch let error as AccountError where error.code == .emailNotVerified {
            return redirect(to: "/ui/login?notice=check_email")
        }
    }

    func logInPage(_ request: Request, context: Context) async throws -> Response {
        let returnTo = request.uri.queryParameters.get("return_to").flatMap { returnTarget.accepted(String($0)) }
        if context.gatehouse?.authentication != nil { return redirect(to: returnTo ?? "/ui/account") }
        var values = providerButtons(returningTo: returnTo)
        if let returnTo { values["return_to"] = returnTo }
        return page("login", title: "Log in", values: values, request: request, context: context)
    }

    /// The `Continue with …` buttons: links that start a login with each provider, coming back to
    /// `returnTo` (the account page by default).
    func providerButtons(returningTo returnTo: String?) -> [String: Any] {
        let providers = configuration.identityProviders
        guard !providers.isEmpty else { return [:] }
        let back = (returnTo ?? "/ui/account").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/ui/account"
        let buttons: [[String: Any]] = providers.map {
            ["start": "/v1/oidc/\($0.name)/start?return_to=\(back)", "display_name": $0.displayName]
        }
        return ["providers": buttons, "has_providers": true]
    }

    /// Logs in and goes back to `return_to` when it is a safe place, to the account page otherwise.
    func logIn(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        let returnTo = returnTarget.accepted(form["return_to"])
        do {
            let outcome = try await accounts.beginLogIn(
                username: form["username"],
                password: form["password"],
                client: state.client,
                logger: context.logger
            )
            switch outcome {
            case .authenticated(let login):
                return try await loggedIn(login, returnTo: returnTo, state: state, context: context)
            case .secondFactorRequired(let challenge):
                var values: [String: Any] = ["challenge": challenge.challenge]
                if let returnTo { values["return_to"] = returnTo }
                return page("login_code", title: "Enter your code", values: values, request: request, context: context)
            }
        } catch let error as AccountError {
            context.logger.info("login refused", metadata: ["gatehouse.error": "\(error.code)"])
            var values = providerButtons(returningTo: returnTo)
            values["username_value"] = form["username"]
            if let returnTo { values["return_to"] = returnTo }
            return page("login", title: "Log in", values: values, problem: PageProblem(error), request: request, context: context)
        }
    }

    /// The second step of a login with a second factor: a 6-digit code from the app, else a recovery code.
    func logInWithCode(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        let returnTo = returnTarget.accepted(form["return_to"])
        do {
            let login = try await accounts.completeLogIn(
                challenge: form["challenge"],
                proof: SecondFactorProof(typed: form["code"]),
                client: state.client,
                logger: context.logger
            )
            return try await loggedIn(login, returnTo: returnTo, state: state, context: context)
        } catch let error as AccountError {
            context.logger.info("second factor refused", metadata: ["gatehouse.error": "\(error.code)"])
            let problem = PageProblem(error)
            guard error.detail != .challenge else {
                return page(
                    "login",
                    title: "Log in",
                    values: providerButtons(returningTo: returnTo),
                    problem: problem,
                    request: request,
                    context: context
                )
            }
            var values: [String: Any] = ["challenge": form["challenge"]]
            if let returnTo { values["return_to"] = returnTo }
            return page("login_code", title: "Enter your code", values: values, problem: problem, request: request, context: context)
        }
    }

    /// Ends the session the browser held before, sets the new session's cookie and goes on.
    func loggedIn(_ login: Authentication, returnTo: String?, state: GatehouseRequestState, context: Context) async throws -> Response {
        try await endPreviousSession(of: state, context: context)
        state.tokensDelivered()
        context.logger.info("login", metadata: ["gatehouse.session_id": "\(login.sessionID)", "gatehouse.account_id": "\(login.accountID)"])
        return redirect(to: returnTo ?? "/ui/account", headers: sessionCookie(login))
    }

    /// A page with a button: logging out is a `POST`, so a link or an image cannot do it.
    func logOutPage(_ request: Request, context: Context) async throws -> Response {
        guard context.gatehouse?.authentication != nil else { return redirect(to: "/ui/login") }
        return page("logout", title: "Log out", request: request, context: context)
    }

    func logOut(_ request: Request, context: Context) async throws -> Response {
        _ = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return redirect(to: "/ui/login") }
        _ = try await accounts.sessions.revokeSessions(
            .session(id: authentication.sessionID, accountID: authentication.accountID),
            reason: .logout,
            logger: context.logger
        )
        state.endSession()
        return redirect(to: "/ui/login?notice=signed_out")
    }

    /// A browser that logs in again while signed in leaves no session behind.
    private func endPreviousSession(of state: GatehouseRequestState, context: Context) async throws {
        guard let previous = state.authentication else { return }
        _ = try await accounts.sessions.revokeSessions(
            .session(id: previous.sessionID, accountID: previous.accountID),
            reason: .logout,
            logger: context.logger
        )
    }
}
