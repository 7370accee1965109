import Gatehouse
import GatehouseHummingbird
import Hummingbird

/// The account page and its forms: a new password, a new address, a new confirmation link, deletion.
extension AccountPages {
    func accountPage(_ request: Request, context: Context) async throws -> Response {
        guard let authentication = context.gatehouse?.authentication else { return toLogin(returningTo: request.uri.path) }
        return page("account", title: "Your account", values: try await profile(authentication.account), request: request, context: context)
    }

    /// Changes the password; the other sessions end, this one goes on.
    func changePassword(_ request: Request, context: Context) async throws -> Response {
        let fields = PasswordFields(checked: "current_password", wrongMessage: "That is not your current password.", new: "new_password")
        return try await accountForm(request, context: context, fields: fields) { form, state, authentication in
            try await accounts.changePassword(
                accountID: authentication.accountID,
                currentPassword: form["current_password"],
                newPassword: form["new_password"],
                keepingSession: authentication.sessionID,
                client: state.client,
                logger: context.logger
            )
            // The middleware renews this session's cookie as on any request; a second renewal here
            // would leave the browser two tokens behind.
            return redirect(to: "/ui/account?notice=password_changed")
        }
    }

    func changeEmail(_ request: Request, context: Context) async throws -> Response {
        let typed: (FormBody) -> [String: Any] = { ["email_value": $0["email"]] }
        return try await accountForm(request, context: context, fields: PasswordFields(checked: "password"), typed: typed) {
            form,
            state,
            authentication in
            try await accounts.requestEmailChange(
                accountID: authentication.accountID,
                to: form["email"],
                password: form["password"],
                client: state.client,
                logger: context.logger
            )
            return redirect(to: "/ui/account?notice=email_change_sent")
        }
    }

    func sendVerification(_ request: Request, context: Context) async throws -> Response {
        try await accountForm(request, context: context, fields: PasswordFields(checked: nil)) { _, state, authentication in
            try await accounts.requestEmailVerification(accountID: authentication.accountID, client: state.client, logger: context.logger)
            return redirect(to: "/ui/account?notice=verification_sent")
        }
    }

    /// Deletes the account: every session ends, this browser's cookie is cleared.
    func deleteAccount(_ request: Request, context: Context) async throws -> Response {
        try await accountForm(request, context: context, fields: PasswordFields(checked: "delete_password")) { form, state, authentication in
            try await accounts.deleteAccount(
                accountID: authentication.accountID,
                password: form["password"],
                client: state.client,
                logger: context.logger
            )
            state.endSession()
            return redirect(to: "/ui/signup?notice=account_deleted")
        }
    }

    /// Where a form of the account page shows a password problem: a wrong password next to `checked`
    /// (`nil`: the form has no password), a weak new one next to `new`.
    struct PasswordFields {
        var checked: String?
        var wrongMessage = "That is not your password."
        var new = "password"
    }

    /// Runs one form of the account page for the signed-in account: `change` with the form, the request's
    /// state and the session; an `AccountError` shows the account page again with the problem next to
    /// its field and what was typed (`typed`) still in place. Without a session, the login page.
    func accountForm(
        _ request: Request,
        context: Context,
        fields: PasswordFields,
        typed: (FormBody) -> [String: Any] = { _ in [:] },
        change: (FormBody, GatehouseRequestState, Authentication) async throws -> Response
    ) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return toLogin(returningTo: "/ui/account") }
        do {
            return try await change(form, state, authentication)
        } catch let error as AccountError {
            var problem = PageProblem(error, passwordField: fields.new)
            if error.code == .loginFailed, let checked = fields.checked {
                problem.field = checked
                problem.message = fields.wrongMessage
            }
            let values = try await profile(authentication.account).merging(typed(form)) { _, typed in typed }
            return page("account", title: "Your account", values: values, problem: problem, request: request, context: context)
        }
    }

    private func profile(_ account: Account) async throws -> [String: Any] {
        let values: [String: Any] = [
            "username": account.username, "email": account.email, "email_verified": account.emailVerified,
            "created": RelativeTime.calendarDate(account.createdAt),
            "totp_available": !accounts.options.totpKeys.isEmpty,
            "totp_enabled": try await accounts.hasSecondFactor(accountID: account.accountID),
        ]
        return values.merging(try await passkeyValues(account.accountID)) { own, _ in own }
    }
}
