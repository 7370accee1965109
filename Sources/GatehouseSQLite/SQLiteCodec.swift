import Foundation
import GRDB
import Gatehouse

/// How records map to columns and back.
///
/// Column lists and decoders live side by side so that a `SELECT` and the code reading its row cannot
/// drift apart: each decoder reads the columns of its list, in order, from a given offset, which lets
/// one joined row carry a session followed by its account.
enum SQLiteCodec {
    // MARK: Values

    static func millis(_ date: Date) -> Int64 {
        StoredTime.millis(date)
    }

    static func millis(_ date: Date?) -> Int64? {
        date.map(millis)
    }

    static func date(_ millis: Int64) -> Date {
        StoredTime.date(millis)
    }

    static func blob(_ bytes: [UInt8]) -> Data {
        Data(bytes)
    }

    static func blob(_ bytes: [UInt8]?) -> Data? {
        bytes.map { Data($0) }
    }

    static func encodePermissions(_ permissions: [String]) throws -> String {
        let data = try JSONEncoder().encode(permissions)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodePermissions(_ json: String) throws -> [String] {
        if let permissions = plainStringArray(json) { return permissions }
        do {
            return try JSONDecoder().decode([String].self, from: Data(json.utf8))
        } catch {
            throw malformed
        }
    }

    /// The common shape, `["a","b"]` with no escapes and no whitespace, read without a JSON decoder:
    /// every authenticated request reads the permissions. Anything else returns `nil` and goes through
    /// `JSONDecoder`.
    private static func plainStringArray(_ json: String) -> [String]? {
        var json = json
        return json.withUTF8 { bytes -> [String]? in
            guard bytes.count >= 2, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
            var result: [String] = []
            var index = 1
            let end = bytes.count - 1
            if index == end { return result }
            while true {
                guard index < end, bytes[index] == UInt8(ascii: "\"") else { return nil }
                let start = index + 1
                var close = start
                while close < end, bytes[close] != UInt8(ascii: "\"") {
                    // Escapes and control characters are left to the full decoder.
                    if bytes[close] == UInt8(ascii: "\\") || bytes[close] < 0x20 { return nil }
                    close += 1
                }
                guard close < end, let element = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<close]), as: UTF8.self) else {
                    return nil
                }
                result.append(element)
                index = close + 1
                if index == end { return result }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }
    }

    /// Thrown for a row this version cannot read; says nothing about the row's content.
    static var malformed: AccountError {
        AccountError.storeUnavailable(.unreadableRow)
    }

    // MARK: Accounts

    /// Joined after `accounts a`, so that the account columns find the primary contact.
    static let primaryContactJoin = "LEFT JOIN contacts pc ON pc.account_id = a.id AND pc.is_primary = 1"

    /// The `FROM` clause the account columns read from: the account and its primary contact.
    static let accountSource = "accounts a \(primaryContactJoin)"

    static let accountColumns = """
        a.id, a.username, COALESCE(pc.value, a.email), COALESCE(pc.verified, a.email_verified), \
        a.deactivated, a.permissions, a.created_at, a.updated_at, a.session_epoch
        """

    static let accountColumnCount = 9

    static func account(_ row: Row, at start: Int = 0) throws -> AccountRecord {
        AccountRecord(
            accountID: try row.decode(String.self, atIndex: start),
            username: try row.decode(String.self, atIndex: start + 1),
            email: try row.decode(String.self, atIndex: start + 2),
            emailVerified: try row.decode(Bool.self, atIndex: start + 3),
            deactivated: try row.decode(Bool.self, atIndex: start + 4),
            permissions: try decodePermissions(row.decode(String.self, atIndex: start + 5)),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 6)),
            updatedAt: date(try row.decode(Int64.self, atIndex: start + 7)),
            sessionEpoch: try row.decode(Int.self, atIndex: start + 8)
        )
    }

    // MARK: Contacts

    static let contactColumns = "account_id, kind, value, verified, is_primary, created_at"

    static func contact(_ row: Row, at start: Int = 0) throws -> ContactRecord {
        guard let kind = ContactRecord.Kind(rawValue: try row.decode(String.self, atIndex: start + 1)) else { throw malformed }
        return ContactRecord(
            accountID: try row.decode(String.self, atIndex: start),
            kind: kind,
            value: try row.decode(String.self, atIndex: start + 2),
            verified: try row.decode(Bool.self, atIndex: start + 3),
            isPrimary: try row.decode(Bool.self, atIndex: start + 4),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 5))
        )
    }

    // MARK: Identities

    static let identityColumns = "id, account_id, provider, issuer, subject, email, created_at"

    static func identity(_ row: Row, at start: Int = 0) throws -> IdentityRecord {
        IdentityRecord(
            id: try row.decode(String.self, atIndex: start),
            accountID: try row.decode(String.self, atIndex: start + 1),
            provider: try row.decode(String.self, atIndex: start + 2),
            issuer: try row.decode(String.self, atIndex: start + 3),
            subject: try row.decode(String.self, atIndex: start + 4),
            email: try row.decode(String?.self, atIndex: start + 5),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 6))
        )
    }

    /// The values of ``identityColumns``, in order, for an `INSERT` of `identity` linked to `accountID`.
    static func identityArguments(_ identity: IdentityRecord, accountID: String) -> StatementArguments {
        [identity.id, accountID, identity.provider, identity.issuer, identity.subject, identity.email, millis(identity.createdAt)]
    }

    // MARK: Second factors

    static let totpFactorColumns = "account_id, sealed_secret, created_at, confirmed_at, last_used_step"

    static func totpFactor(_ row: Row, at start: Int = 0) throws -> TOTPFactorRecord {
        TOTPFactorRecord(
            accountID: try row.decode(String.self, atIndex: start),
            sealedSecret: Array(try row.decode(Data.self, atIndex: start + 1)),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 2)),
            confirmedAt: try row.decode(Int64?.self, atIndex: start + 3).map(date),
            lastUsedStep: try row.decode(Int64.self, atIndex: start + 4)
        )
    }

    // MARK: Passkeys

    static let passkeyColumns = "id, account_id, credential_id, public_key, sign_count, name, created_at, last_used_at"

    static func passkey(_ row: Row, at start: Int = 0) throws -> PasskeyRecord {
        guard let signCount = UInt32(exactly: try row.decode(Int64.self, atIndex: start + 4)) else { throw malformed }
        return PasskeyRecord(
            id: try row.decode(String.self, atIndex: start),
            accountID: try row.decode(String.self, atIndex: start + 1),
            credentialID: Array(try row.decode(Data.self, atIndex: start + 2)),
            publicKey: Array(try row.decode(Data.self, atIndex: start + 3)),
            signCount: signCount,
            name: try row.decode(String.self, atIndex: start + 5),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 6)),
            lastUsedAt: try row.decode(Int64?.self, atIndex: start + 7).map(date)
        )
    }

    /// The values of ``passkeyColumns``, in order, for an `INSERT`.
    static func passkeyArguments(_ passkey: PasskeyRecord) -> StatementArguments {
        [
            passkey.id, passkey.accountID, blob(passkey.credentialID), blob(passkey.publicKey), Int64(passkey.signCount), passkey.name,
            millis(passkey.createdAt), millis(passkey.lastUsedAt),
        ]
    }

    static let passkeyChallengeColumns = "hash, purpose, account_id, session_id, created_at, expires_at"

    static func passkeyChallenge(_ row: Row, at start: Int = 0) throws -> PasskeyChallengeRecord {
        guard let purpose = PasskeyChallengeRecord.Purpose(rawValue: try row.decode(String.self, atIndex: start + 1)) else { throw malformed }
        return PasskeyChallengeRecord(
            hash: Array(try row.decode(Data.self, atIndex: start)),
            purpose: purpose,
            accountID: try row.decode(String?.self, atIndex: start + 2),
            sessionID: try row.decode(String?.self, atIndex: start + 3),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 4)),
            expiresAt: date(try row.decode(Int64.self, atIndex: start + 5))
        )
    }

    /// The values of ``passkeyChallengeColumns``, in order, for an `INSERT`.
    static func passkeyChallengeArguments(_ challenge: PasskeyChallengeRecord) -> StatementArguments {
        [
            blob(challenge.hash), challenge.purpose.rawValue, challenge.accountID, challenge.sessionID, millis(challenge.createdAt),
            millis(challenge.expiresAt),
        ]
    }

    // MARK: Sessions

    static let sessionColumns = """
        s.id, s.account_id, s.current_hash, s.previous_hash, s.rotated_at, s.older_secrets, s.current_presented, \
        s.created_at, s.last_used_at, s.expires_at, s.valid, s.revoked_reason, s.ip, s.user_agent, \
        s.authenticated_at, s.authentication_methods
        """

    static let sessionColumnCount = 16

    /// `record` as a query would read it back once written: times at the millisecond the file keeps,
    /// the history as packed. The fields a session update writes are the ones this covers.
    static func asStored(_ record: SessionRecord) -> SessionRecord {
        var stored = record
        stored.rotatedAt = record.rotatedAt.map(StoredTime.rounded)
        stored.lastUsedAt = StoredTime.rounded(record.lastUsedAt)
        stored.olderSecrets = SupersededSecret.packedForm(record.olderSecrets)
        return stored
    }

    static func session(_ row: Row, at start: Int = 0) throws -> SessionRecord {
        SessionRecord(
            id: try row.decode(String.self, atIndex: start),
            accountID: try row.decode(String.self, atIndex: start + 1),
            currentHash: Array(try row.decode(Data.self, atIndex: start + 2)),
            previousHash: try row.decode(Data?.self, atIndex: start + 3).map(Array.init),
            rotatedAt: try row.decode(Int64?.self, atIndex: start + 4).map(date),
            olderSecrets: SupersededSecret.unpack(Array(try row.decode(Data?.self, atIndex: start + 5) ?? Data())),
            currentPresented: try row.decode(Bool.self, atIndex: start + 6),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 7)),
            lastUsedAt: date(try row.decode(Int64.self, atIndex: start + 8)),
            expiresAt: date(try row.decode(Int64.self, atIndex: start + 9)),
            valid: try row.decode(Bool.self, atIndex: start + 10),
            revokedReason: try row.decode(String?.self, atIndex: start + 11).map(RevocationReason.init(rawValue:)),
            ip: try row.decode(String.self, atIndex: start + 12),
            userAgent: try row.decode(String.self, atIndex: start + 13),
            authenticatedAt: try row.decode(Int64?.self, atIndex: start + 14).map(date),
            authenticationMethods: AuthenticationMethod.unpack(try row.decode(String?.self, atIndex: start + 15))
        )
    }

    // MARK: One-time tokens

    static let tokenColumns = "id, account_id, kind, created_for, hash, reason, created_at, expires_at, used_at"

    static func token(_ row: Row, at start: Int = 0) throws -> OneTimeTokenRecord {
        guard let kind = OneTimeTokenRecord.Kind(rawValue: try row.decode(String.self, atIndex: start + 2)) else { throw malformed }
        return OneTimeTokenRecord(
            id: try row.decode(String.self, atIndex: start),
            accountID: try row.decode(String.self, atIndex: start + 1),
            kind: kind,
            createdFor: try row.decode(String.self, atIndex: start + 3),
            hash: Array(try row.decode(Data.self, atIndex: start + 4)),
            reason: try row.decode(String?.self, atIndex: start + 5),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 6)),
            expiresAt: date(try row.decode(Int64.self, atIndex: start + 7)),
            usedAt: try row.decode(Int64?.self, atIndex: start + 8).map(date)
        )
    }

    // MARK: Signing keys

    static let signingKeyColumns = "kid, secret, created_at, is_signing, retired"

    static func signingKey(_ row: Row, at start: Int = 0) throws -> StoredSigningKey {
        StoredSigningKey(
            kid: try row.decode(String.self, atIndex: start),
            secret: Array(try row.decode(Data.self, atIndex: start + 1)),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 2)),
            isSigning: try row.decode(Bool.self, atIndex: start + 3),
            retired: try row.decode(Bool.self, atIndex: start + 4)
        )
    }

    // MARK: Outbox

    static let messageColumns = """
        id, channel, kind, account_id, recipient, payload, status, attempts, created_at, next_attempt_at, \
        leased_until, last_error, sent_at
        """

    static func message(_ row: Row, at start: Int = 0) throws -> OutboxMessage {
        guard let status = OutboxMessage.Status(rawValue: try row.decode(String.self, atIndex: start + 6)) else { throw malformed }
        return OutboxMessage(
            id: try row.decode(String.self, atIndex: start),
            channel: OutboxMessage.Channel(rawValue: try row.decode(String.self, atIndex: start + 1)),
            kind: try row.decode(String.self, atIndex: start + 2),
            accountID: try row.decode(String?.self, atIndex: start + 3),
            recipient: try row.decode(String.self, atIndex: start + 4),
            payload: try row.decode(String.self, atIndex: start + 5),
            status: status,
            attempts: try row.decode(Int.self, atIndex: start + 7),
            createdAt: date(try row.decode(Int64.self, atIndex: start + 8)),
            nextAttemptAt: date(try row.decode(Int64.self, atIndex: start + 9)),
            leasedUntil: try row.decode(Int64?.self, atIndex: start + 10).map(date),
            lastError: try row.decode(String?.self, atIndex: start + 11),
            sentAt: try row.decode(Int64?.self, atIndex: start + 12).map(date)
        )
    }

    /// The values of ``messageColumns``, in order, for an `INSERT`.
    static func messageArguments(_ message: OutboxMessage) -> StatementArguments {
        [
            message.id, message.channel.rawValue, message.kind, message.accountID, message.recipient, message.payload,
            message.status.rawValue, message.attempts, millis(message.createdAt), millis(message.nextAttemptAt),
            millis(message.leasedUntil), message.lastError, millis(message.sentAt),
        ]
    }
}
