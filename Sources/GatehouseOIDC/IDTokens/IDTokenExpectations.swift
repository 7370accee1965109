import Foundation

/// What an ID token must say to be accepted for one login: which provider issued it, for which
/// client, in answer to which request, at what time.
///
/// Built anew for each verification, because the nonce and the time belong to the login at hand.
public struct IDTokenExpectations: Sendable, Equatable {
    /// What the token's `nonce` must be. There is no "anything goes": a token issued for another
    /// login attempt (a replayed or injected token) is only refused if the nonce is checked, so each
    /// caller says what it sent.
    public enum NonceRule: Sendable, Equatable {
        /// The login sent this nonce to the provider; the token must carry exactly it.
        case mustEqual(String)
        /// The login sent no nonce; a token carrying one was asked for by someone else.
        case mustBeAbsent
        /// An app's own login sent the provider this nonce or its SHA-256 in lower-case hex, as Sign in
        /// with Apple asks apps to (the app keeps the raw nonce, the token carries its digest); the token
        /// must carry one of the two.
        case mustEqualOrDigest(String)
    }

    /// The `iss` the token must carry, exactly (no normalization: the provider's discovery document
    /// names it).
    public var issuer: String
    /// The `aud` values accepted: the client id, plus any other client of the same application (an iOS
    /// bundle id, an Android client id) whose tokens this server accepts.
    public var audiences: Set<String>
    /// The nonce check.
    public var nonce: NonceRule
    /// The time the token is checked at.
    public var now: Date
    /// How far the clocks of the provider and this server may disagree: an expired token is accepted
    /// this long, a token issued this far in the future too. Default 60 s.
    public var leeway: Duration
    /// When set, a token whose `exp` is further than this after its `iat` is refused: a provider's ID
    /// tokens live minutes to an hour, and one that lives for days is a token that must not be
    /// trusted for a login. `nil` (the default) checks nothing.
    public var maximumLifetime: Duration?

    public init(
        issuer: String,
        audiences: Set<String>,
        nonce: NonceRule,
        now: Date,
        leeway: Duration = .seconds(60),
        maximumLifetime: Duration? = nil
    ) {
        self.issuer = issuer
        self.audiences = audiences
        self.nonce = nonce
        self.now = now
        self.leeway = leeway
        self.maximumLifetime = maximumLifetime
    }
}
