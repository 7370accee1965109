import Gatehouse
import PostgresNIO

/// The column lists of every `SELECT` and `RETURNING`, next to the code that reads them, so that a
/// query and its decoder cannot drift apart.
enum PostgresCodec {
    // MARK: Accounts

    /// The account's own row (`a`) joined with its primary contact (`c`). The primary contact is the
    /// authority for the e-mail address and whether it is verified; the address kept on the account
    /// row only stands in for an account created without one.
    static let account = """
        a.account_id, a.username, COALESCE(c.value, a.email), COALESCE(c.verified, a.email_verified), \
        a.deactivated, a.permissions, a.created_at, a.updated_at, a.session_epoch
        """
    static let accountCount = 9

    /// `FROM` clause that goes with ``account``.
    static let accountSource = "accounts a LEFT JOIN contacts c ON c.account_id = a.account_id AND c.is_primary"

    /// Reads an account starting at the cursor; `nil` when the joined account is missing.
    static func account(_ cursor: inout PostgresCursor) throws -> AccountRecord? {
        guard let accountID = try cursor.next(String?.self) else {
            cursor.skip(accountCount - 1)
            return nil
        }
        return AccountRecord(
            accountID: accountID,
            username: try cursor.next(String.self),
            email: try cursor.next(String.self),
            emailVerified: try cursor.next(Bool.self),
            deactivated: try cursor.next(Bool.self),
            permissions: try cursor.next([String].self),
            createdAt: PostgresTime.date(try cursor.next(Int64.self)),
            updatedAt: PostgresTime.date(try cursor.next(Int64.self)),
            sessionEpoch: Int(try cursor.next(Int64.self))
        )
    }

    // MARK: Contacts

    static let contact = "account_id, kind, value, verified, is_primary, created_at"

    static func contact(_ cursor: inout PostgresCursor) throws -> ContactRecord {
        let accountID = try cursor.next(String.self)
        let kindName = try cursor.next(String.self)
        guard let kind = ContactRecord.Kind(rawValue: kindName) else { throw PostgresCursor.UnknownValue(column: "contacts.kind") }
        return ContactRecord(
            accountID: accountID,
            kind: kind,
            value: try cursor.next(String.self),
            verified: try cursor.next(Bool.self),
            isPrimary: try cursor.next(Bool.self),
            createdAt: PostgresTime.date(try cursor.next(Int64.self))
        )
    }

    // MARK: Identities

    static let identity = "id, account_id, provider, issuer, subject, email, created_at"

    static func identity(_ cursor: inout PostgresCursor) throws -> IdentityRecord {
        IdentityRecord(
            id: try cursor.next(String.self),
            accountID: try cursor.next(String.self),
            provider: try cursor.next(String.self),
            issuer: try cursor.next(String.self),
            subject: try cursor.next(String.self),
            email: try cursor.next(String?.self),
            createdAt: PostgresTime.date(try cursor.next(Int64.self))
        )
    }

    // MARK: Second factors

    static let totpFactor = "account_id, sealed_secret, created_at, confirmed_at, last_used_step"

    static func totpFactor(_ cursor: inout PostgresCursor) throws -> TOTPFactorRecord {
        TOTPFactorRecord(
            accountID: try cursor.next(String.self),
            sealedSecret: try cursor.nextBytes(),
            createdAt: PostgresTime.date(try cursor.next(Int64.self)),
            confirmedAt: try cursor.next(Int64?.self).map(PostgresTime.date),
            lastUsedStep: try cursor.next(Int64.self)
        )
    }

    // MARK: Passkeys

    static let passkey = "id, account_id, credential_id, public_key, sign_count, name, created_at, last_used_at"

    static func passkey(_ cursor: inout PostgresCursor) throws -> PasskeyRecord {
        let id = try cursor.next(String.self)
        let accountID = try cursor.next(String.self)
        let credentialID = try cursor.nextBytes()
        let publicKey = try cursor.nextBytes()
        guard let signCount = UInt32(exactly: try cursor.next(Int64.self)) else { throw PostgresCursor.UnknownValue(column: "passkeys.sign_count") }
        return PasskeyRecord(
            id: id,
            accountID: accountID,
            credentialID: credentialID,
            publicKey: publicKey,
            signCount: signCount,
            name: try cursor.next(String.self),
            createdAt: PostgresTime.date(try cursor.next(Int64.self)),
            lastUsedAt: try cursor.next(Int64?.self).map(PostgresTime.date)
        )
    }

    static let passkeyChallenge = "hash, purpose, account_id, session_id, created_at, expires_at"

    static func passkeyChallenge(_ cursor: inout PostgresCursor) throws -> PasskeyChallengeRecord {
        let hash = try cursor.nextBytes()
        let purposeName = try cursor.next(String.self)
        guard let purpose = PasskeyChallengeRecord.Purpose(rawValue: purposeName) else {
            throw PostgresCursor.UnknownValue(column: "passkey_challenges.purpose")
        }
        return PasskeyChallengeRecord(
            hash: hash,
            purpose: purpose,
            accountID: try cursor.next(String?.self),
            sessionID: try cursor.next(String?.self),
            createdAt: PostgresTime.date(try cursor.next(Int64.self)),
            expiresAt: PostgresTime.date(try cursor.next(Int64.self))
        )
    }

    // MARK: Sessions

    /// A session row under the alias `s`.
    static let session = """
        s.id, s.account_id, s.current_hash, s.previous_hash, s.rotated_at, s.older_secrets, s.current_presented, \
        s.created_at, s.last_used_at, s.expires_at, s.valid, s.revoked_reason, s.ip, s.user_agent, \
        s.authenticated_at, s.authentication_methods
        """

    static func session(_ cursor: inout PostgresCursor) throws -> SessionRecord {
        SessionRecord(
            id: try cursor.next(String.self),
            accountID: try cursor.next(String.self),
            currentHash: try cursor.nextBytes(),
            previousHash: try cursor.nextOptionalBytes(),
            rotatedAt: try cursor.next(Int64?.self).map(PostgresTime.date),
            olderSecrets: SupersededSecret.unpack(try cursor.nextBytes()),
            currentPresented: try cursor.next(Bool.self),
            createdAt: PostgresTime.date(try cursor.next(Int64.self)),
            lastUsedAt: PostgresTime.date(try cursor.next(Int64.self)),
            expiresAt: PostgresTime.date(try cursor.next(Int64.self)),
            valid: try cursor.next(Bool.self),
            revokedReason: try cursor.next(String?.self).map(RevocationReason.init(rawValue:)),
            ip: try cursor.next(String.self),
            userAgent: try cursor.next(String.self),
            authenticatedAt: try cursor.next(Int64?.self).map(PostgresTime.date),
            authenticationMethods: AuthenticationMethod.unpack(try cursor.next(String?.self))
        )
    }

    // MARK: One-time tokens

    static let token = "id, account_id, kind, created_for, hash, reason, created_at, expires_at, used_at"

    static func token(_ cursor: inout PostgresCursor) throws -> OneTimeTokenRecord {
        let id = try cursor.next(String.self)
        let accountID = try cursor.next(String.self)
        let kindName = try cursor.next(String.self)
        guard let kind = OneTimeTokenRecord.Kind(rawValue: kindName) else { throw PostgresCursor.UnknownValue(column: "one_time_tokens.kind") }
        return OneTimeTokenRecord(
            id: id,
            accountID: accountID,
            kind: kind,
            createdFor: try cursor.next(String.self),
            hash: try cursor.nextBytes(),
            reason: try cursor.next(String?.self),
            createdAt: PostgresTime.date(try cursor.next(Int64.self)),
            expiresAt: PostgresTime.date(try cursor.next(Int64.self)),
            usedAt: try cursor.next(Int64?.self).map(PostgresTime.date)
        )
    }

    // MARK: Signing keys

    static let signingKey = "kid, secret, created_at, is_signing, retired"

    static func signingKey(_ cursor: inout PostgresCursor) throws -> StoredSigningKey {
        StoredSigningKey(
            kid: try cursor.next(String.self),
            secret: try cursor.nextBytes(),
            createdAt: PostgresTime.date(try cursor.next(Int64.self)),
            isSigning: try cursor.next(Bool.self),
            retired: try cursor.next(Bool.self)
        )
    }

    // MARK: Outbox

    static let message = """
        id, channel, kind, account_id, recipient, payload, status, attempts, created_at, next_attempt_at, \
        leased_until, last_error, sent_at
        """

    static func message(_ cursor: inout PostgresCursor) throws -> OutboxMessage {
        let id = try cursor.next(String.self)
        let channel = OutboxMessage.Channel(rawValue: try cursor.next(String.self))
        let kind = try cursor.next(String.self)
        let accountID = try cursor.next(String?.self)
        let recipient = try cursor.next(String.self)
        let payload = try cursor.next(String.self)
        let statusName = try cursor.next(String.self)
        guard let status = OutboxMessage.Status(rawValue: statusName) else { throw PostgresCursor.UnknownValue(column: "outbox.status") }
        return OutboxMessage(
            id: id,
            channel: channel,
            kind: kind,
            accountID: accountID,
            recipient: recipient,
            payload: payload,
            status: status,
            attempts: try cursor.next(Int.self),
            createdAt: PostgresTime.date(try cursor.next(Int64.self)),
            nextAttemptAt: PostgresTime.date(try cursor.next(Int64.self)),
            leasedUntil: try cursor.next(Int64?.self).map(PostgresTime.date),
            lastError: try cursor.next(String?.self),
            sentAt: try cursor.next(Int64?.self).map(PostgresTime.date)
        )
    }
}
