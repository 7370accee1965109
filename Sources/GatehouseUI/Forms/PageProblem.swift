import Gatehouse
import HTTPTypes

/// What went wrong with a form, as a person reads it: which field (if one), in words, with the HTTP
/// status of the page that shows it. Error codes stay in the API; the pages explain.
struct PageProblem: Sendable, Equatable {
    /// The field the message belongs next to; `nil` for the form as a whole.
    var field: String?
    var message: String
    var status: HTTPResponse.Status

    init(field: String?, message: String, status: HTTPResponse.Status) {
        self.field = field
        self.message = message
        self.status = status
    }

    /// The problem behind an error that reached the pages as a bare HTTP status.
    init(status: HTTPResponse.Status) {
        switch status.code {
        case 429: self.init(AccountError.tooManyAttempts(retryAfter: 1))
        case 503: self.init(AccountError.storeUnavailable())
        case 400..<500: self.init(field: nil, message: "This request could not be handled. Go back and try again.", status: status)
        default: self.init(field: nil, message: "Something went wrong on our side. Try again in a moment.", status: status)
        }
    }

    /// The problem an `AccountError` means on a form whose password field is `passwordField`.
    init(_ error: AccountError, passwordField: String = "password") {
        switch (error.code, error.detail) {
        case (.weakPassword, .passwordTooShort?):
            self.init(field: passwordField, message: "Use at least 8 characters.", status: .badRequest)
        case (.weakPassword, _):
            self.init(field: passwordField, message: "This password is one that many people use. Choose another one.", status: .badRequest)
        case (.invalidRequest, .username?):
            self.init(field: "username", message: "Use 3 to 16 letters, digits or underscores.", status: .badRequest)
        case (.invalidRequest, .email?):
            self.init(field: "email", message: "Enter an e-mail address, such as name@example.com.", status: .badRequest)
        case (.invalidRequest, .password?):
            self.init(field: passwordField, message: "Use 8 to 200 characters.", status: .badRequest)
        case (.conflict, .passkeyTaken?):
            self.init(field: nil, message: "This passkey is added already.", status: .conflict)
        case (.conflict, .lastWayToLogIn?):
            self.init(field: nil, message: "This passkey is the only way you can log in. Add another way first.", status: .conflict)
        case (.passkeyNotFound, _):
            self.init(field: nil, message: "This passkey is not on your account any more.", status: .notFound)
        case (.passkeyFailed, .passkeyChallenge?):
            self.init(field: nil, message: "This took too long. Try again.", status: .unauthorized)
        case (.passkeyFailed, _), (.invalidRequest, .passkeyCredential?):
            self.init(field: nil, message: "This passkey could not be used here. Try again, or log in another way.", status: .unauthorized)
        case (.invalidRequest, .passkeyName?):
            self.init(field: "passkey_name", message: "Use 1 to 64 letters, digits or spaces.", status: .badRequest)
        case (.conflict, .usernameTaken?):
            self.init(field: "username", message: "This username is taken. Try another one.", status: .conflict)
        case (.conflict, _):
            self.init(field: "email", message: "This e-mail address already has an account.", status: .conflict)
        case (.loginFailed, _):
            self.init(field: nil, message: "The username or password is not right.", status: .unauthorized)
        case (.tooManyAttempts, _):
            self.init(field: nil, message: "Too many attempts. Wait a few minutes, then try again.", status: .tooManyRequests)
        case (.emailNotVerified, _):
            self.init(field: nil, message: "Confirm your e-mail address first: open the link in the message we sent you.", status: .forbidden)
        case (.userDeactivated, _):
            self.init(field: nil, message: "This account has been deactivated.", status: .forbidden)
        case (.invalidToken, _), (.invalidRequest, .oneTimeToken?):
            self.init(field: nil, message: "This link has expired or was already used.", status: .badRequest)
        case (.invalidRequest, .totpCode?):
            self.init(field: "code", message: "This code is not right. Enter the 6 digits your app shows now.", status: .badRequest)
        case (.reauthenticationRequired, _), (.secondFactorRequired, _):
            self.init(field: nil, message: "Enter your password again to continue.", status: .unauthorized)
        case (.secondFactorFailed, .challenge?):
            self.init(field: nil, message: "This sign-in took too long or was already finished. Log in again.", status: .unauthorized)
        case (.secondFactorFailed, _):
            self.init(field: "code", message: "This code is not right, or was already used. Try the newest one.", status: .unauthorized)
        case (.storeUnavailable, _):
            self.init(field: nil, message: "We cannot reach our database right now. Try again in a moment.", status: .serviceUnavailable)
        case (.invalidRequest, _):
            self.init(field: nil, message: "Something in the form is not right. Check it and try again.", status: .badRequest)
        default:
            self.init(field: nil, message: "Something went wrong on our side. Try again in a moment.", status: .internalServerError)
        }
    }
}
