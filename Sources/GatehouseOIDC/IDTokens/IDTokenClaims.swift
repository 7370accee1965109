import Foundation

/// What a verified ID token says about the person who logged in at the provider.
///
/// Only ``issuer`` and ``subject`` together identify the person: e-mail addresses and names change
/// and can be reused, so they are profile hints for a new account, never keys to an existing one.
public struct IDTokenClaims: Sendable, Equatable {
    /// `iss`: the provider, exactly as its discovery document names it.
    public var issuer: String
    /// `sub`: the provider's stable id of the person, unique within ``issuer``.
    public var subject: String
    /// `aud`: the clients the token was issued to, one of which is this server.
    public var audiences: [String]
    /// `exp`.
    public var expiresAt: Date
    /// `iat`, when the token carries it.
    public var issuedAt: Date?
    /// `nonce`: binds the token to the login that asked for it.
    public var nonce: String?
    /// `azp`: the client the token was issued to, when it has several audiences.
    public var authorizedParty: String?
    /// `email`, verified or not (see ``emailVerified``).
    public var email: String?
    /// `email_verified`: whether the provider vouches that the person controls ``email``. Apple sends
    /// the strings `"true"` and `"false"`; both forms are read, and anything else is `false`.
    public var emailVerified: Bool
    /// `name`.
    public var name: String?
    /// `preferred_username`.
    public var preferredUsername: String?
    /// `given_name`.
    public var givenName: String?
    /// `family_name`.
    public var familyName: String?

    public init(
        issuer: String,
        subject: String,
        audiences: [String],
        expiresAt: Date,
        issuedAt: Date? = nil,
        nonce: String? = nil,
        authorizedParty: String? = nil,
        email: String? = nil,
        emailVerified: Bool = false,
        name: String? = nil,
        preferredUsername: String? = nil,
        givenName: String? = nil,
        familyName: String? = nil
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audiences = audiences
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.nonce = nonce
        self.authorizedParty = authorizedParty
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.preferredUsername = preferredUsername
        self.givenName = givenName
        self.familyName = familyName
    }
}

extension IDTokenClaims {
    /// One claim as the payload has it: absent (or `null`), of the expected type, or of another type,
    /// which the checks refuse rather than read as absent.
    enum Member<Value: Sendable>: Sendable {
        case absent
        case value(Value)
        case invalid

        var value: Value? {
            if case .value(let value) = self { return value }
            return nil
        }
    }

    /// An ID token's payload, each claim read with its type, before any check.
    struct Payload: Decodable {
        var issuer: Member<String> = .absent
        var subject: Member<String> = .absent
        var audiences: Member<[String]> = .absent
        var authorizedParty: Member<String> = .absent
        var expiresAt: Member<Date> = .absent
        var issuedAt: Member<Date> = .absent
        var notBefore: Member<Date> = .absent
        var nonce: Member<String> = .absent
        var email: String?
        var emailVerified = false
        var name: String?
        var preferredUsername: String?
        var givenName: String?
        var familyName: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func member<Value: Decodable & Sendable>(_ key: CodingKeys, _ type: Value.Type) -> Member<Value> {
                guard container.contains(key), (try? container.decodeNil(forKey: key)) != true else { return .absent }
                guard let value = try? container.decode(type, forKey: key) else { return .invalid }
                return .value(value)
            }
            func text(_ key: CodingKeys) -> String? { member(key, String.self).value }
            func date(_ key: CodingKeys) -> Member<Date> {
                switch member(key, Double.self) {
                case .absent: return .absent
                case .invalid: return .invalid
                case .value(let seconds):
                    // NumericDate: seconds since 1970, within years 1970 to 9999.
                    guard seconds.isFinite, (0...253_402_300_799).contains(seconds) else { return .invalid }
                    return .value(Date(timeIntervalSince1970: seconds))
                }
            }
            issuer = member(.issuer, String.self)
            subject = member(.subject, String.self)
            switch member(.audiences, String.self) {
            case .value(let audience): audiences = .value([audience])
            case .absent: audiences = .absent
            case .invalid: audiences = member(.audiences, [String].self)
            }
            authorizedParty = member(.authorizedParty, String.self)
            expiresAt = date(.expiresAt)
            issuedAt = date(.issuedAt)
            notBefore = date(.notBefore)
            nonce = member(.nonce, String.self)
            email = text(.email)
            switch (member(.emailVerified, Bool.self), text(.emailVerified)) {
            case (.value(let verified), _): emailVerified = verified
            case (_, "true"?): emailVerified = true
            default: emailVerified = false
            }
            name = text(.name)
            preferredUsername = text(.preferredUsername)
            givenName = text(.givenName)
            familyName = text(.familyName)
        }

        enum CodingKeys: String, CodingKey {
            case issuer = "iss"
            case subject = "sub"
            case audiences = "aud"
            case authorizedParty = "azp"
            case expiresAt = "exp"
            case issuedAt = "iat"
            case notBefore = "nbf"
            case nonce
            case email
            case emailVerified = "email_verified"
            case name
            case preferredUsername = "preferred_username"
            case givenName = "given_name"
            case familyName = "family_name"
        }
    }
}
