import struct Foundation.Date

/// Where the identities linked to accounts live (see ``IdentityRecord``).
///
/// The pair (issuer, subject) is unique across the store, enforced atomically: a write that would link
/// it a second time throws ``AccountError/Code/conflict`` with ``AccountError/Detail/identityTaken`` and
/// leaves nothing behind. Deleting an account deletes its identities.
///
/// An identity may have its provider tokens kept with it, sealed (encrypted by the caller; the store
/// keeps opaque bytes): unlinking the identity or deleting its account deletes them.
public protocol IdentityStore: Sendable {
    /// The identity linked as (`issuer`, `subject`), if any.
    func identity(issuer: String, subject: String) async throws -> IdentityRecord?
    /// The account's identities, oldest first.
    func identities(accountID: String) async throws -> [IdentityRecord]
    /// Creates an account that has no password — only this identity — with its contacts, in one
    /// transaction. ``AccountStore/passwordHash(accountID:)`` answers `nil` for it until a password is set.
    /// The identity is linked to `account`, whose id its ``IdentityRecord/accountID`` carries.
    /// Throws ``AccountError/Code/conflict`` when the username, a contact or the identity is taken, and
    /// then leaves nothing behind.
    func createAccount(_ account: AccountRecord, identity: IdentityRecord, contacts: [ContactRecord], audit: AuditTrail) async throws
    /// Links the identity to its (existing) account; returns whether the account exists. Throws
    /// ``AccountError/Code/conflict`` (``AccountError/Detail/identityTaken``) when the identity is linked
    /// already, to this account or another.
    func linkIdentity(_ identity: IdentityRecord, audit: AuditTrail) async throws -> Bool
    /// Unlinks the account's identity `id` — unless it is the account's last way to log in (no password,
    /// no other identity, no passkey), decided in the same transaction as the deletion, so that two unlinkings
    /// at once cannot leave the account with none. The `audit` trail is written only when the identity
    /// is unlinked.
    func unlinkIdentity(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval
    /// Replaces the sealed provider tokens kept for the identity `identityID` (`nil` deletes them); returns
    /// whether the identity exists.
    func setProviderTokens(_ sealed: [UInt8]?, identityID: String, at date: Date) async throws -> Bool
    /// The sealed provider tokens kept for the identity, if any.
    func providerTokens(identityID: String) async throws -> [UInt8]?
}

/// What removing one of an account's ways to log in did: unlinking an identity
/// (``IdentityStore/unlinkIdentity(id:accountID:audit:)``) or deleting a passkey
/// (``PasskeyStore/deletePasskey(id:accountID:audit:)``).
public enum LoginMethodRemoval: Sendable, Equatable {
    case removed
    /// The account has no identity or passkey with this id.
    case notFound
    /// Refused: the account would be left with no way to log in.
    case lastWayToLogIn
}
