import Foundation
import Gatehouse
import Logging

/// Finds the keys a server signs and verifies tokens with, and keeps them in step with the database.
///
/// With a configured secret (or key file) the ring holds that one key, id `default`, made from the
/// secret as Powership's `getTokenSecret` makes it. Otherwise the keys live in the database: the first start generates a
/// 256-bit signing key and stores it, later starts load every key that is not retired, and
/// `gatehouse keys rotate` adds a new signing key while the old ones keep verifying.
///
/// A rotated key is first only *verified* with, for ``ServerConfiguration/keyActivationDelay``, and
/// then signed with: every server sharing the database learns the key before any of them hands out
/// tokens signed with it, so a rotation logs nobody out even across several servers.
public enum KeyBootstrap {
    /// Which stored keys a server uses, and how.
    public struct Selection: Sendable, Equatable {
        /// The key new tokens are signed with.
        public var signing: StoredSigningKey
        /// Every other key that still verifies tokens.
        public var verification: [StoredSigningKey]
    }

    /// The key ring for a server configured with `source`. For ``SigningKeySource/database`` a key is
    /// generated and stored when the database has none that is usable (an audit event by the system,
    /// announced as `auditLog` says).
    ///
    /// - Throws: ``ServerConfigurationError`` for an unreadable or empty key file or secret; store
    ///   errors as they are.
    public static func keyRing(
        for source: SigningKeySource,
        store: any SigningKeyStore,
        activationDelay: Duration,
        accessTokenLifetime: Duration = AccessTokenOptions.maximumLifetime,
        clock: any WallClock = SystemWallClock(),
        random: any RandomSource = SystemRandomSource(),
        auditLog: AuditLog = AuditLog(),
        logger: Logger
    ) async throws -> KeyRing {
        switch source {
        case .secret(let secret):
            return try ring(forSecret: secret, logger: logger)
        case .keyFile(let path):
            return try ring(forSecret: readKeyFile(at: path), logger: logger)
        case .database:
            return try await loadOrGenerate(
                store: store,
                activationDelay: activationDelay,
                accessTokenLifetime: accessTokenLifetime,
                clock: clock,
                random: random,
                auditLog: auditLog,
                logger: logger
            )
        }
    }

    /// Loads the database's keys, generating and storing a signing key first when there is none.
    /// Retired keys that may have signed access tokens still valid stay published (see
    /// ``publicationEnd(ofRetired:among:activationDelay:accessTokenLifetime:)``).
    public static func loadOrGenerate(
        store: any SigningKeyStore,
        activationDelay: Duration,
        accessTokenLifetime: Duration = AccessTokenOptions.maximumLifetime,
        clock: any WallClock = SystemWallClock(),
        random: any RandomSource = SystemRandomSource(),
        auditLog: AuditLog = AuditLog(),
        logger: Logger
    ) async throws -> KeyRing {
        var stored = try await store.signingKeys()
        if !stored.contains(where: { !$0.retired }) {
            let generated = try await generate(store: store, clock: clock, random: random, auditLog: auditLog, actor: .system)
            logger.notice("generated a signing key and stored it in the database", metadata: ["gatehouse.kid": "\(generated.kid)"])
            // Read back rather than use the generated key directly: a server starting at the same
            // moment on the same database may have stored its own, and both must settle on one.
            stored = try await store.signingKeys()
        }
        guard let selection = select(from: stored, now: clock.now(), activationDelay: activationDelay) else {
            throw ServerConfigurationError("the database holds no usable signing key")
        }
        let ring = KeyRing(signingKey: try signingKey(selection.signing), verificationKeys: try selection.verification.map(signingKey))
        keepRetiredKeysPublished(
            in: ring,
            stored: stored,
            now: clock.now(),
            activationDelay: activationDelay,
            accessTokenLifetime: accessTokenLifetime
        )
        logger.info(
            "signing keys loaded",
            metadata: [
                "gatehouse.kid": "\(selection.signing.kid)", "gatehouse.verification_keys": "\(selection.verification.count)",
            ]
        )
        return ring
    }

    /// Generates a 256-bit key and stores it as the signing key (the previous one becomes
    /// verification-only). Key ids are ULIDs, so they sort by creation time.
    @discardableResult
    /// The change is recorded as a `signing_key.rotated` audit event by `actor`, announced as
    /// `auditLog` says.
    public static func generate(
        store: any SigningKeyStore,
        clock: any WallClock = SystemWallClock(),
        random: any RandomSource = SystemRandomSource(),
        auditLog: AuditLog = AuditLog(),
        actor: AuditActor = .operator
    ) async throws -> StoredSigningKey {
        let now = clock.now()
        let key = try SigningKey.generate(kid: Identifiers.ulid(at: now, random: random), random: random)
        let stored = StoredSigningKey(kid: key.kid, secret: key.secretBytes, createdAt: now, isSigning: true)
        let audit = auditLog.trail(.signingKeyRotated, accountID: nil, actor: actor, details: ["kid": key.kid], at: now, random: random)
        try await store.insertSigningKey(stored, audit: audit)
        return stored
    }

    /// Chooses the signing key among `stored`: the one marked signing, unless it is younger than
    /// `activationDelay` — then the newest key that is at least that old keeps signing for now, so
    /// that even two quick rotations never sign with a key another server may not know yet. When no
    /// key is that old (a first start, or a rotation right after it), the oldest key signs: on a
    /// first start that is the only key, and every server picks the same one. Retired keys are left
    /// out. `nil` when no key is usable.
    public static func select(from stored: [StoredSigningKey], now: Date, activationDelay: Duration) -> Selection? {
        let usable = stored.filter { !$0.retired }
        guard let designated = usable.last(where: \.isSigning) ?? usable.max(by: { $0.createdAt < $1.createdAt }) else { return nil }
        let settled = now.addingTimeInterval(-activationDelay.timeInterval)
        var signing = designated
        if designated.createdAt > settled {
            let established = usable.filter { $0.createdAt <= settled }.max { $0.createdAt < $1.createdAt }
            let oldest = usable.min { ($0.createdAt, $0.kid) < ($1.createdAt, $1.kid) }
            signing = established ?? oldest ?? designated
        }
        return Selection(signing: signing, verification: usable.filter { $0.kid != signing.kid })
    }

    /// Brings `ring` in line with the stored keys: adds keys it does not know (verification first),
    /// switches the signing key when the selection says so, and drops keys that were retired or
    /// removed. A retired key's access-token half stays published while access tokens it signed may
    /// still be valid. Returns whether the keys that sign or verify session tokens changed.
    @discardableResult
    public static func synchronize(
        _ ring: KeyRing,
        with stored: [StoredSigningKey],
        now: Date,
        activationDelay: Duration,
        accessTokenLifetime: Duration = AccessTokenOptions.maximumLifetime
    ) throws -> Bool {
        guard let selection = select(from: stored, now: now, activationDelay: activationDelay) else { return false }
        var changed = false
        for key in selection.verification where ring.key(kid: key.kid) == nil {
            changed = ring.addVerificationKey(try signingKey(key)) || changed
        }
        if ring.signingKey.kid != selection.signing.kid {
            ring.rotate(to: try signingKey(selection.signing))
            changed = true
        }
        let kept = Set([selection.signing.kid] + selection.verification.map(\.kid))
        for kid in ring.keyIDs where !kept.contains(kid) {
            let until = stored.first { $0.kid == kid }.flatMap {
                publicationEnd(ofRetired: $0, among: stored, activationDelay: activationDelay, accessTokenLifetime: accessTokenLifetime)
            }
            changed = ring.retire(kid: kid, keepPublishedUntil: until) || changed
        }
        keepRetiredKeysPublished(in: ring, stored: stored, now: now, activationDelay: activationDelay, accessTokenLifetime: accessTokenLifetime)
        return changed
    }

    /// Until when a retired key's access-token half must stay published: the latest expiry of an
    /// access token it may have signed. A key signs until the next newer key has passed its activation
    /// delay, and a server may notice that up to another delay later; its last tokens then live for
    /// `accessTokenLifetime`. `nil` for a key with no newer key (it never stopped signing).
    public static func publicationEnd(
        ofRetired key: StoredSigningKey,
        among stored: [StoredSigningKey],
        activationDelay: Duration,
        accessTokenLifetime: Duration
    ) -> Date? {
        guard let successor = stored.filter({ $0.createdAt > key.createdAt }).min(by: { $0.createdAt < $1.createdAt }) else { return nil }
        return successor.createdAt.addingTimeInterval((activationDelay * 2 + accessTokenLifetime).timeInterval)
    }

    /// Publishes the retired keys whose access tokens may still be valid at `now`.
    private static func keepRetiredKeysPublished(
        in ring: KeyRing,
        stored: [StoredSigningKey],
        now: Date,
        activationDelay: Duration,
        accessTokenLifetime: Duration
    ) {
        for key in stored where key.retired {
            guard
                let until = publicationEnd(ofRetired: key, among: stored, activationDelay: activationDelay, accessTokenLifetime: accessTokenLifetime),
                until > now
            else { continue }
            // A damaged retired key cannot be published; it signs nothing either.
            if let key = try? signingKey(key) { ring.keepPublished(key, until: until) }
        }
    }

    /// Reads a secret from a file; trailing white space (the newline an editor adds) is not part of it.
    public static func readKeyFile(at path: String) throws(ServerConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServerConfigurationError("cannot read the key file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServerConfigurationError("the key file \(path) is not UTF-8 text")
        }
        var secret = Substring(text)
        while let last = secret.last, last.isWhitespace { secret = secret.dropLast() }
        guard !secret.isEmpty else { throw ServerConfigurationError("the key file \(path) is empty") }
        guard secret.utf8.count >= ServerConfiguration.minimumSecretBytes else {
            throw ServerConfigurationError(
                "the key file \(path) holds \(secret.utf8.count) bytes; an HS256 key needs at least \(ServerConfiguration.minimumSecretBytes) bytes (256 bits)"
            )
        }
        return String(secret)
    }

    private static func ring(forSecret secret: String, logger: Logger) throws -> KeyRing {
        guard secret.utf8.count >= ServerConfiguration.minimumSecretBytes else {
            throw ServerConfigurationError("an HS256 key needs at least \(ServerConfiguration.minimumSecretBytes) bytes (256 bits)")
        }
        do {
            return KeyRing(signingKey: try SigningKey(kid: SigningKey.defaultKeyID, secret: secret))
        } catch {
            throw ServerConfigurationError("the secret cannot be used: \(error.message)")
        }
    }

    private static func signingKey(_ stored: StoredSigningKey) throws -> SigningKey {
        do {
            return try SigningKey(kid: stored.kid, secret: stored.secret)
        } catch {
            throw ServerConfigurationError("the stored key \(stored.kid.prefix(64)) is damaged: \(error.message)")
        }
    }
}
