import Gatehouse
import HTTPTypes
import Hummingbird

extension GatehouseRouteHandlers {
    /// `POST /v1/login/second-factor`: the challenge of a login that waits for its second factor, with a
    /// code or a recovery code; answered like `POST /v1/login`.
    func completeLogIn(_ request: Request, context: Context) async throws -> Response {
        try csrf.verifyOrigin(request)
        let transport = try transport(of: request)
        let body = try await JSONPayload.decode(SecondFactorLoginBody.self, from: request, limit: configuration.maximumBodySize)
        guard let proof = try body.secondFactorProof() else { throw AccountError.invalidRequest(.body) }
        let state = try requestState(of: context)
        let login: Authentication
        do {
            login = try await accounts.completeLogIn(challenge: body.challenge, proof: proof, client: state.client, logger: context.logger)
        } catch let error as AccountError {
            context.logger.info("second factor refused", metadata: ["gatehouse.error": "\(error.code)"])
            throw error
        }
        return try loggedIn(login, state: state, transport: transport, context: context)
    }

    /// `POST /v1/totp`: a new secret for the authenticator app, pending until confirmed.
    func beginTOTPEnrolment(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let enrolment = try await accounts.beginTOTPEnrolment(session: caller.authentication.session, logger: context.logger)
        return try JSONPayload.response(TOTPEnrolmentResponse(secret: enrolment.secret, otpauthURL: enrolment.provisioningURL))
    }

    /// `POST /v1/totp/confirm`: the app's first code turns the factor on; the recovery codes, once.
    func confirmTOTP(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let body = try await JSONPayload.decode(TOTPCodeBody.self, from: request, limit: configuration.maximumBodySize)
        let codes = try await accounts.confirmTOTP(
            session: caller.authentication.session,
            code: body.code,
            client: caller.state.client,
            logger: context.logger
        )
        return try JSONPayload.response(RecoveryCodesResponse(recoveryCodes: codes))
    }

    /// `DELETE /v1/totp`: the second factor off, its recovery codes gone.
    func disableTOTP(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        try await accounts.disableTOTP(session: caller.authentication.session, client: caller.state.client, logger: context.logger)
        return try JSONPayload.response(OKResponse())
    }
}
