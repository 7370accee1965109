import Gatehouse
import Hummingbird

/// The account page and its forms: a new password, a new address, a new confirmation link, deletion.
extension AccountPages {
    func accountPage(_ request: Request, context: Context) async throws -> Response {
        guard let authentication = context.gatehouse?.authentication else { return toLogin(returningTo: request.uri.path) }
        return page("account", title: "Your account", values: profile(authentication.account), request: request, context: context)
    }

    /// Changes the password; the other sessions end, this one goes on.
    func changePassword(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return toLogin(returningTo: "/ui/account") }
        do {
            try await accounts.changePassword(
                accountID: authentication.accountID,
                currentPassword: form["current_password"],
                newPassword: form["new_password"],
                keepingSession: authentication.sessionID,
                client: state.client,
                logger: context.logger
            )
        } catch let error as AccountError {
            var problem = PageProblem(error, passwordField: "new_password")
            if error.code == .loginFailed { problem.field = "current_password" }
            if problem.field == "current_password" { problem.message = "That is not your current password." }
            return accountPage(with: problem, authentication: authentication, request: request, context: context)
        }
        // The middleware renews this session's cookie as on any request; a second renewal here would
        // leave the browser two tokens behind.
        return redirect(to: "/ui/account?notice=password_changed")
    }

    func changeEmail(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return toLogin(returningTo: "/ui/account") }
        do {
            try await accounts.requestEmailChange(
                accountID: authentication.accountID,
                to: form["email"],
                password: form["password"],
                client: state.client,
                logger: context.logger
            )
        } catch let error as AccountError {
            var problem = PageProblem(error)
            if error.code == .loginFailed {
                problem.field = "password"
                problem.message = "That is not your password."
            }
            return accountPage(
                with: problem,
                typed: ["email_value": form["email"]],
                authentication: authentication,
                request: request,
                context: context
            )
        }
        return redirect(to: "/ui/account?notice=email_change_sent")
    }

    func sendVerification(_ request: Request, context: Context) async throws -> Response {
        _ = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return toLogin(returningTo: "/ui/account") }
        do {
            try await accounts.requestEmailVerification(accountID: authentication.accountID, client: state.client, logger: context.logger)
        } catch let error as AccountError {
            return accountPage(with: PageProblem(error), authentication: authentication, request: request, context: context)
        }
        return redirect(to: "/ui/account?notice=verification_sent")
    }

    /// Deletes the account: every session ends, this browser's cookie is cleared.
    func deleteAccount(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return toLogin(returningTo: "/ui/account") }
        do {
            try await accounts.deleteAccount(
                accountID: authentication.accountID,
                password: form["password"],
                client: state.client,
                logger: context.logger
            )
        } catch let error as AccountError {
            var problem = PageProblem(error)
            if error.code == .loginFailed {
                problem.field = "delete_password"
                problem.message = "That is not your password."
            }
            return accountPage(with: problem, authentication: authentication, request: request, context: context)
        }
        state.endSession()
        return redirect(to: "/ui/signup?notice=account_deleted")
    }

    private func accountPage(
        with problem: PageProblem,
        typed: [String: Any] = [:],
        authentication: Authentication,
        request: Request,
        context: Context
    ) -> Response {
        let values = profile(authentication.account).merging(typed) { _, typed in typed }
        return page("account", title: "Your account", values: values, problem: problem, request: request, context: context)
    }

    private func profile(_ account: Account) -> [String: Any] {
        [
            "username": account.username, "email": account.email, "email_verified": account.emailVerified,
            "created": RelativeTime.calendarDate(account.createdAt),
        ]
    }
}
