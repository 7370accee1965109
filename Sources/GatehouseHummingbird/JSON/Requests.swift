import Foundation
import Gatehouse

// The request bodies of the JSON API. Only the fields declared here are read: any other field of a
// body is ignored, so nothing else about an account or a session can be set from outside.

/// The body of `POST /v1/accounts`. Only these fields are read; any other field is ignored, so nothing
/// else about the account can be set from outside.
@_spi(Fuzzing) public struct CreateAccountBody: Decodable {
    @_spi(Fuzzing) public var username: String
    @_spi(Fuzzing) public var email: String
    @_spi(Fuzzing) public var password: String
}

/// The body of `POST /v1/login`.
@_spi(Fuzzing) public struct LoginBody: Decodable {
    @_spi(Fuzzing) public var username: String
    @_spi(Fuzzing) public var password: String
}

/// The body of `POST /v1/verification/confirm`.
struct TokenBody: Decodable {
    var token: String
}

/// The body of `POST /v1/recovery`.
struct RecoveryBody: Decodable {
    var email: String
}

/// The body of `POST /v1/recovery/confirm`.
struct RecoveryConfirmationBody: Decodable {
    var token: String
    var password: String
}

/// The body of `POST /v1/password`.
struct PasswordChangeBody: Decodable {
    var currentPassword: String
    var newPassword: String
}

/// The body of `POST /v1/email`.
struct EmailChangeBody: Decodable {
    var email: String
    var password: String
}

/// The body of `DELETE /v1/accounts/me`.
struct PasswordBody: Decodable {
    var password: String
}

/// `POST /v1/token`: an optional audience.
struct AccessTokenBody: Decodable {
    var audience: String?
}

/// A second factor in a body: a code from the authenticator app, or a recovery code — one of the two.
protocol SecondFactorFields {
    var code: String? { get }
    var recoveryCode: String? { get }
}

extension SecondFactorFields {
    /// The proof the body carries; `nil` when it carries none. Both at once is
    /// ``AccountError/Code/invalidRequest``.
    func secondFactorProof() throws(AccountError) -> SecondFactorProof? {
        switch (code, recoveryCode) {
        case (nil, nil): nil
        case (let code?, nil): .code(code)
        case (nil, let recoveryCode?): .recoveryCode(recoveryCode)
        case (.some, .some): throw AccountError.invalidRequest(.body)
        }
    }
}

/// The body of `POST /v1/login/second-factor`.
struct SecondFactorLoginBody: Decodable, SecondFactorFields {
    var challenge: String
    var code: String?
    var recoveryCode: String?
}

/// The body of `POST /v1/reauthenticate`: the password, and a second factor when the account has one.
struct ReauthenticationBody: Decodable, SecondFactorFields {
    var password: String?
    var code: String?
    var recoveryCode: String?
    /// A passkey assertion (`credential.toJSON()`), in place of the password and code.
    var passkey: PasskeyAssertionCredential?
}

/// The body of `POST /v1/passkeys/registration`: the credential's `toJSON()` members, and an optional
/// `name` beside them.
struct PasskeyRegistrationBody: Decodable {
    enum CodingKeys: String, CodingKey {
        case name
    }

    var credential: PasskeyRegistrationCredential
    var name: String?

    init(from decoder: any Decoder) throws {
        credential = try PasskeyRegistrationCredential(from: decoder)
        name = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .name)
    }
}

/// The optional body of `POST /v1/passkeys/authentication/options`.
struct PasskeyLoginOptionsBody: Decodable {
    var username: String?
}

/// The body of `POST /v1/totp/confirm`.
struct TOTPCodeBody: Decodable {
    var code: String
}
