import Gatehouse
import Hummingbird

/// The pages a link in a message opens — recovery, a new password, a confirmed address — and the form
/// that asks for a recovery link. A `GET` never spends a token: mail scanners open links too.
extension AccountPages {
    func recoveryPage(_ request: Request, context: Context) async throws -> Response {
        page("recovery", title: "Forgot your password?", request: request, context: context)
    }

    /// The same page whether or not an account has the address.
    func requestRecovery(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        do {
            try await accounts.requestPasswordRecovery(email: form["email"], client: state.client, logger: context.logger)
        } catch let error as AccountError {
            let values: [String: Any] = ["email_value": form["email"]]
            return page("recovery", title: "Forgot your password?", values: values, problem: PageProblem(error), request: request, context: context)
        }
        return page("recovery_sent", title: "Check your inbox", values: ["email": form["email"]], request: request, context: context)
    }

    func resetPage(_ request: Request, context: Context) async throws -> Response {
        return page("reset", title: "Choose a new password", values: tokenValues(request), request: request, context: context)
    }

    /// Sets the new password; every session of the account ends, this browser's too.
    func reset(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        do {
            let accountID = try await accounts.recoverPassword(token: form["token"], newPassword: form["new_password"], logger: context.logger)
            if state.authentication?.accountID == accountID { state.endSession() }
            return redirect(to: "/ui/login?notice=password_reset")
        } catch let error as AccountError {
            let problem = PageProblem(error, passwordField: "new_password")
            guard problem.field != nil else {
                return expiredLink(problem, onwards: (href: "/ui/recovery", text: "Ask for a new link"), request: request, context: context)
            }
            return page(
                "reset",
                title: "Choose a new password",
                values: ["token": form["token"]],
                problem: problem,
                request: request,
                context: context
            )
        }
    }

    func verifyPage(_ request: Request, context: Context) async throws -> Response {
        return page("verify", title: "Confirm your e-mail address", values: tokenValues(request), request: request, context: context)
    }

    func verify(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        do {
            _ = try await accounts.confirmEmail(token: form["token"], logger: context.logger)
        } catch let error as AccountError {
            let onwards = (href: "/ui/account", text: "Ask for a new link on your account page")
            return expiredLink(PageProblem(error), onwards: onwards, request: request, context: context)
        }
        let signedIn = context.gatehouse?.authentication != nil
        return redirect(to: signedIn ? "/ui/account?notice=email_confirmed" : "/ui/login?notice=email_confirmed")
    }

    /// The link's token for the page's form; none when the link lost it, so the page says so.
    private func tokenValues(_ request: Request) -> [String: Any] {
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else { return [:] }
        return ["token": String(token)]
    }

    private func expiredLink(_ problem: PageProblem, onwards: (href: String, text: String), request: Request, context: Context) -> Response {
        message(
            problem.message,
            title: "This link does not work",
            link: onwards,
            status: problem.status,
            request: request,
            context: context
        )
    }
}
