import Gatehouse
import GatehouseHummingbird
import Hummingbird

/// Two-step verification on the account page: setting up TOTP, its first code, the recovery codes, and
/// turning it off. Each form asks for the password, which renews the session's authentication first:
/// the pages take that as the recent proof the JSON API asks for with `POST /v1/reauthenticate`.
extension AccountPages {
    /// The password, then the setup page with the new secret.
    func beginTOTP(_ request: Request, context: Context) async throws -> Response {
        try await accountForm(request, context: context, fields: PasswordFields(checked: "totp_password")) { form, state, authentication in
            let session = try await accounts.reauthenticate(
                session: authentication.session,
                password: form["totp_password"],
                client: state.client,
                logger: context.logger
            )
            let enrolment = try await accounts.beginTOTPEnrolment(session: session, logger: context.logger)
            return setupPage(enrolment, request: request, context: context)
        }
    }

    /// The app's first code: the recovery codes, shown once; a wrong code shows the setup page again.
    func confirmTOTP(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return toLogin(returningTo: "/ui/account") }
        do {
            let codes = try await accounts.confirmTOTP(
                session: authentication.session,
                code: form["code"],
                client: state.client,
                logger: context.logger
            )
            return page("totp_codes", title: "Save your recovery codes", values: ["codes": codes], request: request, context: context)
        } catch let error as AccountError where error.code == .invalidRequest {
            guard let enrolment = try await accounts.pendingTOTPEnrolment(session: authentication.session) else {
                return redirect(to: "/ui/account")
            }
            return setupPage(enrolment, problem: PageProblem(error), request: request, context: context)
        } catch let error as AccountError where error.code == .conflict || error.code == .reauthenticationRequired {
            // Set up meanwhile elsewhere, or too long ago: the account page says where things stand.
            return redirect(to: "/ui/account")
        }
    }

    /// The password and a code (or a recovery code) turn it off.
    func disableTOTP(_ request: Request, context: Context) async throws -> Response {
        try await accountForm(request, context: context, fields: PasswordFields(checked: "totp_password")) { form, state, authentication in
            let session = try await accounts.reauthenticate(
                session: authentication.session,
                password: form["totp_password"],
                secondFactor: SecondFactorProof(typed: form["code"]),
                client: state.client,
                logger: context.logger
            )
            try await accounts.disableTOTP(session: session, client: state.client, logger: context.logger)
            return redirect(to: "/ui/account?notice=totp_disabled")
        }
    }

    private func setupPage(_ enrolment: TOTPEnrolment, problem: PageProblem? = nil, request: Request, context: Context) -> Response {
        page(
            "totp_setup",
            title: "Set up two-step verification",
            values: ["secret": enrolment.secret, "otpauth_url": enrolment.provisioningURL],
            problem: problem,
            request: request,
            context: context
        )
    }
}
