import Foundation
import Gatehouse

/// The records the conformance checks store, for a store's own tests too.
///
/// Dates are whole seconds after ``epoch``, which every store keeps exactly; digests are 32 copies of
/// one byte, so `digest(1)` and `digest(2)` differ and a failure can name them without showing bytes.
/// None of these values is a secret: they are made to be printed.
public enum StoreFixture {
    /// The instant every fixture date counts from: 2023-11-14T22:13:20Z (Unix time 1,700,000,000).
    public static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    /// ``epoch`` plus `seconds`.
    public static func date(_ seconds: Int) -> Date {
        epoch.addingTimeInterval(TimeInterval(seconds))
    }

    /// A 32-byte digest made of one repeated byte: distinct bytes give distinct digests.
    public static func digest(_ byte: UInt8) -> [UInt8] {
        [UInt8](repeating: byte, count: 32)
    }

    /// An account with id `acct-<name>`, username `name`, e-mail `<name>@example.com` unless given,
    /// one permission, created and updated at `date(seconds)`.
    public static func account(_ name: String, email: String? = nil, at seconds: Int = 0) -> AccountRecord {
        AccountRecord(
            accountID: "acct-\(name)",
            username: name,
            email: email ?? "\(name)@example.com",
            permissions: ["admin_profile:acct-\(name)"],
            createdAt: date(seconds),
            updatedAt: date(seconds)
        )
    }

    /// The primary, unverified e-mail contact of `account`.
    public static func primaryEmail(of account: AccountRecord) -> ContactRecord {
        ContactRecord(accountID: account.accountID, kind: .email, value: account.email, isPrimary: true, createdAt: account.createdAt)
    }

    /// Creates `account` in `store` with its primary e-mail contact and any `extra` contacts, and returns it.
    @discardableResult
    public static func create(
        _ account: AccountRecord,
        in store: any AccountStore,
        passwordHash: String = "hash-v1",
        extra: [ContactRecord] = []
    ) async throws -> AccountRecord {
        try await store.createAccount(account, passwordHash: passwordHash, contacts: [primaryEmail(of: account)] + extra)
        return account
    }

    /// The issuer of the fixture identities, unless one is given.
    public static let issuer = "https://accounts.example.com"

    /// An identity `id` of `account` at `issuer` (``issuer`` unless given) with `subject`, linked through
    /// the provider `example` at `date(seconds)`, vouching for `<subject>@example.net`.
    public static func identity(
        _ id: String,
        of account: AccountRecord,
        subject: String,
        issuer: String = StoreFixture.issuer,
        at seconds: Int = 0
    ) -> IdentityRecord {
        IdentityRecord(
            id: id,
            accountID: account.accountID,
            provider: "example",
            issuer: issuer,
            subject: subject,
            email: "\(subject)@example.net",
            createdAt: date(seconds)
        )
    }

    /// Creates `account` in `store` with no password, only `identity`, and its primary e-mail contact,
    /// and returns it.
    @discardableResult
    public static func create(_ account: AccountRecord, in store: any IdentityStore, identity: IdentityRecord) async throws -> AccountRecord {
        try await store.createAccount(account, identity: identity, contacts: [primaryEmail(of: account)], audit: .none)
        return account
    }

    /// A pending TOTP factor of `account` created at `date(seconds)`, never used. Its sealed secret is
    /// `secret` followed by every byte value, a zero among them, so that a store that keeps it as text,
    /// or stops at a zero, gives back something else, and distinct `secret`s give distinct factors.
    public static func totpFactor(of account: AccountRecord, secret: UInt8 = 1, at seconds: Int = 0) -> TOTPFactorRecord {
        TOTPFactorRecord(accountID: account.accountID, sealedSecret: [secret] + Array(0...255), createdAt: date(seconds))
    }

    /// A passkey `id` of `account`, registered at `date(seconds)` with `signCount`, never used. Its credential
    /// id is `credential` followed by every byte value, and its public key holds every byte value too, a
    /// zero among them, so that a store that keeps either as text, or stops at a zero, gives back something
    /// else; distinct `credential`s give distinct credential ids.
    public static func passkey(
        _ id: String,
        of account: AccountRecord,
        credential: UInt8,
        signCount: UInt32 = 0,
        at seconds: Int = 0
    ) -> PasskeyRecord {
        PasskeyRecord(
            id: id,
            accountID: account.accountID,
            credentialID: [credential] + Array(0...255),
            publicKey: [0xA5, credential] + (UInt8.min...UInt8.max).reversed(),
            signCount: signCount,
            name: "Key \"\(id)\" ✓",
            createdAt: date(seconds)
        )
    }

    /// A challenge of `purpose` whose digest is `digest(hash)`, for `account` (or none) and session
    /// `sessionID` (or none), created at `date(seconds)` and expiring `lifetime` seconds later.
    public static func passkeyChallenge(
        _ hash: UInt8,
        _ purpose: PasskeyChallengeRecord.Purpose = .authentication,
        of account: AccountRecord? = nil,
        sessionID: String? = nil,
        at seconds: Int = 0,
        expiresAfter lifetime: Int = 300
    ) -> PasskeyChallengeRecord {
        PasskeyChallengeRecord(
            hash: digest(hash),
            purpose: purpose,
            accountID: account?.accountID,
            sessionID: sessionID,
            createdAt: date(seconds),
            expiresAt: date(seconds + lifetime)
        )
    }

    /// A valid, never rotated session of `account` whose current secret is `digest(hash)`, created at
    /// `date(seconds)` and expiring `lifetime` seconds later.
    public static func session(
        _ id: String,
        of account: AccountRecord,
        hash: UInt8 = 1,
        at seconds: Int = 0,
        expiresAfter lifetime: Int = 86_400
    ) -> SessionRecord {
        SessionRecord(
            id: id,
            accountID: account.accountID,
            currentHash: digest(hash),
            createdAt: date(seconds),
            lastUsedAt: date(seconds),
            expiresAt: date(seconds + lifetime),
            ip: "192.0.2.1",
            userAgent: "Agent/1.0"
        )
    }

    /// A rotation of session `sessionID` from secret `digest(expected)` to `digest(new)` at `date(seconds)`,
    /// with one older secret in its history and a new address and user agent.
    public static func rotation(of sessionID: String, from expected: UInt8, to new: UInt8, at seconds: Int = 10) -> SessionUpdate {
        SessionUpdate(
            sessionID: sessionID,
            expectedCurrentHash: digest(expected),
            currentHash: digest(new),
            previousHash: digest(expected),
            rotatedAt: date(seconds),
            olderSecrets: [SupersededSecret(hash: digest(200), supersededAt: date(seconds - 5))],
            currentPresented: false,
            lastUsedAt: date(seconds),
            ip: "198.51.100.7",
            userAgent: "Agent/2.0"
        )
    }

    /// A touch of `session`: the same secrets, now presented by a client, used at `date(seconds)` —
    /// the write a request that shows the newest token makes.
    public static func presentation(of session: SessionRecord, at seconds: Int = 20) -> SessionUpdate {
        SessionUpdate(
            sessionID: session.id,
            expectedCurrentHash: session.currentHash,
            currentHash: session.currentHash,
            previousHash: session.previousHash,
            rotatedAt: session.rotatedAt,
            olderSecrets: session.olderSecrets,
            currentPresented: true,
            lastUsedAt: date(seconds),
            ip: session.ip,
            userAgent: session.userAgent
        )
    }

    /// At most `limit` attempts under `key` in a window of `seconds` (a minute unless given).
    public static func limit(_ key: String, allowing limit: Int, per seconds: Int = 60) -> ThrottleLimit {
        ThrottleLimit(key: key, limit: limit, window: .seconds(seconds))
    }

    /// An unused token of `account` whose hash is `digest(hash)`, created at `date(seconds)` and expiring
    /// `lifetime` seconds later.
    public static func token(
        _ id: String,
        of account: AccountRecord,
        kind: OneTimeTokenRecord.Kind = .emailVerification,
        hash: UInt8,
        at seconds: Int = 0,
        expiresAfter lifetime: Int = 3_600
    ) -> OneTimeTokenRecord {
        OneTimeTokenRecord(
            id: id,
            accountID: account.accountID,
            kind: kind,
            createdFor: account.email,
            hash: digest(hash),
            reason: "test",
            createdAt: date(seconds),
            expiresAt: date(seconds + lifetime)
        )
    }

    /// A pending, never attempted message with id `id`, created and due at `date(seconds)`: an e-mail to
    /// `account`'s address (or to `someone@example.com`) on the mail channel, or a call with no recipient
    /// on the webhook channel. Its payload names its id, so no two fixture messages carry the same one.
    /// An audit event `id` of `kind` about `account` (or none), at `date(seconds)`, with details that
    /// need escaping in JSON.
    public static func auditEvent(
        _ id: String,
        _ kind: AuditEvent.Kind = .loginFailed,
        of account: AccountRecord? = nil,
        at seconds: Int = 0
    )
        -> AuditEvent
    {
        AuditEvent(
            id: id,
            kind: kind,
            occurredAt: date(seconds),
            accountID: account?.accountID,
            sessionID: account.map { _ in "s-\(id)" },
            actor: .user,
            clientAddress: "203.0.113.7",
            userAgent: "Agent \"quoted\" / ünïcode",
            details: ["reason": "logout", "note": "a \"quote\", a \\ and ✓"]
        )
    }

    /// The trail of one event `id` and its webhook call (message `m-<id>`, owned by no account).
    public static func trail(
        _ id: String,
        _ kind: AuditEvent.Kind = .loginFailed,
        of account: AccountRecord? = nil,
        at seconds: Int = 0
    )
        -> AuditTrail
    {
        let event = auditEvent(id, kind, of: account, at: seconds)
        let call = OutboxMessage(
            id: "m-\(id)",
            channel: .webhook,
            kind: kind.rawValue,
            accountID: nil,
            recipient: "http://127.0.0.1:9/hooks",
            payload: #"{"type":""# + kind.rawValue + #""}"#,
            createdAt: date(seconds),
            nextAttemptAt: date(seconds)
        )
        return AuditTrail(events: [event], messages: [call])
    }

    public static func message(
        _ id: String,
        channel: OutboxMessage.Channel = .mail,
        of account: AccountRecord? = nil,
        kind: String = "verify_email",
        dueAt seconds: Int = 0
    ) -> OutboxMessage {
        OutboxMessage(
            id: id,
            channel: channel,
            kind: kind,
            accountID: account?.accountID,
            recipient: channel == .mail ? account?.email ?? "someone@example.com" : "",
            payload: #"{"link":"https://example.com/confirm?message="# + id + #""}"#,
            createdAt: date(seconds),
            nextAttemptAt: date(seconds)
        )
    }

    /// A key with id `kid`, made at `date(seconds)`, signing or verification-only; its secret is made
    /// from its id, so no two fixture keys share one.
    public static func signingKey(_ kid: String, signing: Bool, at seconds: Int = 0) -> StoredSigningKey {
        StoredSigningKey(kid: kid, secret: Array(kid.utf8) + [UInt8](repeating: 7, count: 32), createdAt: date(seconds), isSigning: signing)
    }
}
