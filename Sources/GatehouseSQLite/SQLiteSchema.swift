import GRDB

/// The SQLite schema, as an ordered list of named migrations.
///
/// A migration, once shipped, is never edited: a database that already ran it would not run it again.
/// Schema changes go into a new migration appended to ``migrator``.
enum SQLiteSchema {
    /// Every migration Gatehouse knows, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: createTables)
        migrator.registerMigration("v2", migrate: addSessionEpochAndThrottles)
        migrator.registerMigration("v3", migrate: addOutbox)
        migrator.registerMigration("v4", migrate: addAuditEvents)
        migrator.registerMigration("v5", migrate: addIdentities)
        migrator.registerMigration("v6", migrate: addIdentityTokens)
        migrator.registerMigration("v7", migrate: addSessionAuthentication)
        migrator.registerMigration("v8", migrate: addSecondFactors)
        migrator.registerMigration("v9", migrate: addPasskeys)
        return migrator
    }

    /// Dates are integer milliseconds since the Unix epoch, so that they compare as numbers and read
    /// the same from any language. Digests are BLOBs. `RETURNING` and `STRICT` are avoided on purpose:
    /// they need SQLite 3.35 / 3.37, newer than the system library of some supported Linux distributions.
    private static func createTables(_ db: Database) throws {
        // `email` and `email_verified` only answer for an account created without a primary contact;
        // the primary contact, when present, is the source of truth for both.
        try db.execute(
            sql: """
                CREATE TABLE accounts (
                    id TEXT NOT NULL PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE,
                    email TEXT NOT NULL,
                    email_verified INTEGER NOT NULL DEFAULT 0,
                    deactivated INTEGER NOT NULL DEFAULT 0,
                    permissions TEXT NOT NULL DEFAULT '[]',
                    password_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX accounts_created_at ON accounts(created_at);

                CREATE TABLE contacts (
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    verified INTEGER NOT NULL DEFAULT 0,
                    is_primary INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    UNIQUE (kind, value)
                );
                CREATE INDEX contacts_account ON contacts(account_id);
                -- At most one primary contact per account: the session hot path joins on it and expects
                -- one row, and this index is what that join uses.
                CREATE UNIQUE INDEX contacts_primary ON contacts(account_id) WHERE is_primary = 1;

                CREATE TABLE sessions (
                    id TEXT NOT NULL PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    current_hash BLOB NOT NULL,
                    previous_hash BLOB,
                    rotated_at INTEGER,
                    older_secrets BLOB NOT NULL DEFAULT x'',
                    current_presented INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    valid INTEGER NOT NULL DEFAULT 1,
                    revoked_reason TEXT,
                    revoked_at INTEGER,
                    ip TEXT NOT NULL,
                    user_agent TEXT NOT NULL
                );
                CREATE INDEX sessions_account ON sessions(account_id);
                -- The sweeper deletes by absolute expiry or by last use of a revoked session; with these two
                -- it reads only what it deletes instead of scanning every session. Rotations write only valid
                -- rows, which the partial index does not hold.
                CREATE INDEX sessions_expires_at ON sessions(expires_at);
                CREATE INDEX sessions_revoked ON sessions(last_used_at) WHERE valid = 0;

                CREATE TABLE one_time_tokens (
                    id TEXT NOT NULL PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    created_for TEXT NOT NULL,
                    hash BLOB NOT NULL UNIQUE,
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER
                );
                CREATE INDEX one_time_tokens_account ON one_time_tokens(account_id, kind);

                CREATE TABLE signing_keys (
                    kid TEXT NOT NULL PRIMARY KEY,
                    secret BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    is_signing INTEGER NOT NULL DEFAULT 0,
                    retired INTEGER NOT NULL DEFAULT 0
                );
                -- Two signing keys at once would make the key that signs a new token depend on row order.
                CREATE UNIQUE INDEX signing_keys_signing ON signing_keys(is_signing) WHERE is_signing = 1;
                """
        )
    }

    /// The account's session epoch (a login in flight creates its session only while it is unchanged),
    /// attempt counters shared by every process on the file, and the addresses each account was logged in
    /// from (exempt from that account's own limit).
    private static func addSessionEpochAndThrottles(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE accounts ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

                CREATE TABLE throttle_counters (
                    key TEXT NOT NULL PRIMARY KEY,
                    count INTEGER NOT NULL,
                    window_end INTEGER NOT NULL
                );
                CREATE INDEX throttle_counters_window_end ON throttle_counters(window_end);

                CREATE TABLE throttle_trusted_addresses (
                    account TEXT NOT NULL,
                    address TEXT NOT NULL,
                    last_success_at INTEGER NOT NULL,
                    PRIMARY KEY (account, address)
                );
                CREATE INDEX throttle_trusted_addresses_seen ON throttle_trusted_addresses(last_success_at);
                """
        )
    }

    /// Messages waiting for delivery, written in the transaction of the change that causes them.
    ///
    /// `account_id` has no foreign key: a sent message outlives its account (it no longer carries
    /// anything but its envelope), and deleting an account deletes its unsent messages itself.
    private static func addOutbox(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outbox (
                    id TEXT NOT NULL PRIMARY KEY,
                    channel TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    account_id TEXT,
                    recipient TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    next_attempt_at INTEGER NOT NULL,
                    leased_until INTEGER,
                    last_error TEXT,
                    sent_at INTEGER
                );
                -- A claim reads the due, pending messages of one channel, oldest first.
                CREATE INDEX outbox_due ON outbox(status, channel, next_attempt_at, id);
                -- Listings by status, newest first.
                CREATE INDEX outbox_status ON outbox(status, id);
                -- The unsent messages of a deleted account.
                CREATE INDEX outbox_account ON outbox(account_id) WHERE account_id IS NOT NULL;
                """
        )
    }

    /// `account_id` has no foreign key: an account's events outlive it, until the retention sweep.
    /// `details` is a JSON object of strings.
    private static func addAuditEvents(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE audit_events (
                    id TEXT NOT NULL PRIMARY KEY,
                    kind TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    account_id TEXT,
                    session_id TEXT,
                    actor TEXT NOT NULL,
                    client_address TEXT,
                    user_agent TEXT,
                    details TEXT NOT NULL
                );
                -- An account's events, newest first.
                CREATE INDEX audit_events_account ON audit_events(account_id, id) WHERE account_id IS NOT NULL;
                -- The retention sweep.
                CREATE INDEX audit_events_time ON audit_events(occurred_at);
                """
        )
    }

    /// The identities at OpenID Connect providers linked to accounts: (issuer, subject) belongs to one
    /// account at most, and goes with it. An account that has only identities keeps `''` as its
    /// `password_hash`, which the store reads as no password.
    private static func addIdentities(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE identities (
                    id TEXT NOT NULL PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    provider TEXT NOT NULL,
                    issuer TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    email TEXT,
                    created_at INTEGER NOT NULL,
                    UNIQUE (issuer, subject)
                );
                -- An account's identities, and the ones its deletion cascades to.
                CREATE INDEX identities_account ON identities(account_id);
                """
        )
    }

    /// The provider tokens of an identity, sealed by the caller: the store keeps opaque bytes, one row
    /// per identity at most, which goes with the identity — unlinked, or deleted with its account.
    private static func addIdentityTokens(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE identity_tokens (
                    identity_id TEXT NOT NULL PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE,
                    sealed BLOB NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                """
        )
    }

    /// When and how a session's holder last proved who they are (step-up). Sessions from before have
    /// `NULL`s, read as "at creation, by an unrecorded method".
    private static func addSessionAuthentication(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE sessions ADD COLUMN authenticated_at INTEGER;
                ALTER TABLE sessions ADD COLUMN authentication_methods TEXT;
                """
        )
    }

    /// Second factors: one TOTP factor per account, its secret sealed by the caller (the store keeps
    /// opaque bytes), and the digests of its single-use recovery codes. Both go with the account.
    /// `last_used_step` is the time step of the last accepted code, so that no code works twice.
    private static func addSecondFactors(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE totp_factors (
                    account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
                    sealed_secret BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    confirmed_at INTEGER,
                    last_used_step INTEGER NOT NULL DEFAULT 0
                );

                CREATE TABLE recovery_codes (
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    hash BLOB NOT NULL,
                    used_at INTEGER,
                    PRIMARY KEY (account_id, hash)
                );
                """
        )
    }

    /// Passkeys and the challenges of their ceremonies. A passkey keeps the authenticator's credential
    /// id (unique across the store: one authenticator's credential is one account's) and COSE public key
    /// as opaque bytes, with the signature counter it last reported. A challenge is kept as the SHA-256
    /// of its bytes until it is answered or swept; `account_id` is `NULL` for a login with a discoverable
    /// passkey, and `session_id` only records the session that asked: it is no foreign key, so a session
    /// deleted meanwhile leaves its challenge to expire. Both go with their account.
    private static func addPasskeys(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE passkeys (
                    id TEXT NOT NULL PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    credential_id BLOB NOT NULL UNIQUE,
                    public_key BLOB NOT NULL,
                    sign_count INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER
                );
                -- An account's passkeys, and the ones its deletion cascades to.
                CREATE INDEX passkeys_account ON passkeys(account_id);

                CREATE TABLE passkey_challenges (
                    hash BLOB NOT NULL PRIMARY KEY,
                    purpose TEXT NOT NULL,
                    account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
                    session_id TEXT,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                -- The sweep of expired challenges that every new one runs.
                CREATE INDEX passkey_challenges_expires_at ON passkey_challenges(expires_at);
                """
        )
    }
}
