import Foundation
import Gatehouse

// The response bodies of the JSON API. Property names are the wire names, except where a
// `CodingKeys` says otherwise.

/// An account as the API shows it: no id of a session, no permission, nothing secret.
struct AccountPayload: Encodable {
    enum CodingKeys: String, CodingKey {
        case accountID = "accountId"
        case username, email, emailVerified, createdAt
    }

    var accountID: String
    var username: String
    var email: String
    var emailVerified: Bool
    var createdAt: Date

    init(_ account: Account) {
        accountID = account.accountID
        username = account.username
        email = account.email
        emailVerified = account.emailVerified
        createdAt = account.createdAt
    }
}

/// A session as the API shows it. `current` is only present in session lists, where it marks the
/// session of the request.
struct SessionPayload: Encodable {
    var id: String
    var createdAt: Date
    var lastUsedAt: Date
    var expiresAt: Date
    var ip: String
    var userAgent: String
    var authenticatedAt: Date
    var authenticationMethods: [String]
    var current: Bool?

    init(_ session: SessionDocument, current: Bool? = nil) {
        id = session.id
        createdAt = session.createdAt
        lastUsedAt = session.lastUsedAt
        expiresAt = session.expiresAt
        ip = session.connectionInfo.ip
        userAgent = session.connectionInfo.userAgent
        authenticatedAt = session.authenticatedAt
        authenticationMethods = session.authenticationMethods.map(\.rawValue)
        self.current = current
    }
}

/// `{"session":{…}}` (`POST /v1/reauthenticate`).
struct SessionResponse: Encodable {
    var session: SessionPayload
}

/// `{"account":{…}}` (`POST /v1/accounts`).
struct AccountResponse: Encodable {
    var account: AccountPayload
}

/// `{"authToken","session":{…},"account":{…}}` (`POST /v1/login`).
struct LoginResponse: Encodable {
    /// Absent when the session is handed over in the cookie only.
    var authToken: String?
    var session: SessionPayload
    var account: AccountPayload
}

/// `{"account":{…},"session":{…}}` (`GET /v1/me`).
struct MeResponse: Encodable {
    var account: AccountPayload
    var session: SessionPayload
}

/// `{"authToken","expiresAt"}` (`POST /v1/refresh`, `POST /v1/password`).
struct TokenResponse: Encodable {
    /// Absent for a cookie session: its token never appears where a script could read it.
    var authToken: String?
    var expiresAt: Date
}

/// `{"ok":true}` (`POST /v1/logout`).
struct OKResponse: Encodable {
    var ok = true
}

/// `{"sessions":[…]}` (`GET /v1/sessions`).
struct SessionsResponse: Encodable {
    var sessions: [SessionPayload]
}

/// `{"invalidated":n}` (`DELETE /v1/sessions…`).
struct InvalidatedResponse: Encodable {
    var invalidated: Int
}

/// `{"status":"ok"}` (`GET /health`).
struct StatusResponse: Encodable {
    var status = "ok"
}

/// `{"error":{"code":"…","message":"…"}}`.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
        /// Left out when `nil`.
        var detail: String?
    }

    var error: Detail

    init(code: String, message: String, detail: String? = nil) {
        error = Detail(code: code, message: message, detail: detail)
    }

    func encoded() -> [UInt8] {
        // Two strings cannot fail to encode; the fallback only keeps the signature non-throwing.
        (try? JSONPayload.encode(self)) ?? Array(#"{"error":{"code":"InternalError","message":"error"}}"#.utf8)
    }
}

/// `{"accessToken","expiresAt"}` (`POST /v1/token`).
struct AccessTokenResponse: Encodable {
    var accessToken: String
    var expiresAt: Date
}

/// `{"secondFactor":{"challenge","methods"}}`: `POST /v1/login` for an account with a second factor.
struct SecondFactorResponse: Encodable {
    struct Challenge: Encodable {
        var challenge: String
        var methods: [String]
    }

    var secondFactor: Challenge

    init(_ challenge: SecondFactorChallenge) {
        secondFactor = Challenge(challenge: challenge.challenge, methods: challenge.methods.map(\.rawValue))
    }
}

/// `{"secret","otpauthURL"}` (`POST /v1/totp`).
struct TOTPEnrolmentResponse: Encodable {
    var secret: String
    var otpauthURL: String
}

/// `{"recoveryCodes":[…]}` (`POST /v1/totp/confirm`).
struct RecoveryCodesResponse: Encodable {
    var recoveryCodes: [String]
}

/// A passkey as the API shows it: no key, no counter.
struct PasskeyPayload: Encodable {
    var id: String
    var name: String
    var createdAt: Date
    var lastUsedAt: Date?

    init(_ record: PasskeyRecord) {
        id = record.id
        name = record.name
        createdAt = record.createdAt
        lastUsedAt = record.lastUsedAt
    }
}

/// `{"passkey":{…}}` (`POST /v1/passkeys/registration`).
struct PasskeyResponse: Encodable {
    var passkey: PasskeyPayload
}

/// `{"passkeys":[…]}` (`GET /v1/passkeys`).
struct PasskeysResponse: Encodable {
    var passkeys: [PasskeyPayload]
}
