import struct Foundation.Date

/// Where second factors live: one TOTP factor per account (``TOTPFactorRecord``) and its single-use
/// recovery codes, kept as SHA-256 digests.
///
/// Every write that decides something — a code's time step, a recovery code — is one conditional write,
/// so two requests with the same code cannot both succeed. Deleting an account deletes its factor and
/// codes.
public protocol SecondFactorStore: Sendable {
    /// The account's TOTP factor, pending or confirmed.
    func totpFactor(accountID: String) async throws -> TOTPFactorRecord?
    /// Stores a pending factor, replacing a pending one. Returns `false`, writing nothing, when the
    /// account has a confirmed factor or does not exist.
    func beginTOTPEnrolment(_ factor: TOTPFactorRecord) async throws -> Bool
    /// Confirms the account's pending factor — the one created at `createdAt`, so that an enrolment
    /// restarted meanwhile is not confirmed by a code of the one before — recording `step` as used and
    /// replacing the account's recovery codes with `recoveryCodeHashes`, with the trail, in one
    /// transaction. Returns `false`, writing nothing, when there is no such pending factor.
    func confirmTOTP(
        accountID: String,
        createdAt: Date,
        step: Int64,
        recoveryCodeHashes: [[UInt8]],
        at date: Date,
        audit: AuditTrail
    ) async throws -> Bool
    /// Records `step` as the last used one when it is later than the one recorded, on a confirmed
    /// factor. Returns `false` (a replayed or older code, or no confirmed factor), writing nothing, otherwise.
    func useTOTPStep(accountID: String, step: Int64) async throws -> Bool
    /// Marks the account's unused recovery code with this digest used, with the trail. Returns `false`,
    /// writing nothing, when it has none.
    func useRecoveryCode(accountID: String, hash: [UInt8], at date: Date, audit: AuditTrail) async throws -> Bool
    /// How many of the account's recovery codes are still unused.
    func unusedRecoveryCodeCount(accountID: String) async throws -> Int
    /// Deletes the account's factor, pending or confirmed, and its recovery codes, with the trail (written
    /// only when there was a factor). Returns whether there was one.
    func deleteTOTP(accountID: String, audit: AuditTrail) async throws -> Bool
}
