import struct Foundation.Date

/// The rules that decide, for a token presented against a stored session, whether to renew it, accept
/// it as it is, or treat it as stolen. Pure: no clock, no store and no randomness, so every rule is
/// tested directly, and a decision that does not renew costs no fresh secret.
package struct RotationRules: Sendable {
    package var gracePeriod: Double
    package var renewal: RenewalPolicy
    package var activityResolution: Double

    package init(gracePeriod: Duration, renewal: RenewalPolicy, activityResolution: Duration) {
        self.gracePeriod = gracePeriod.seconds
        self.renewal = renewal
        self.activityResolution = activityResolution.seconds
    }

    package enum Decision: Sendable, Equatable {
        /// Issue a new token: the caller draws its secret and writes ``Renewal/update(newHash:)``.
        case renew(Renewal)
        /// Accept the presented token without a new one; write the touch when there is one.
        case accept(touch: SessionUpdate?)
        /// A superseded token replayed after the grace period: revoke the session.
        case theft
    }

    /// A renewal decided on, waiting for the digest of the new token's secret.
    package struct Renewal: Sendable, Equatable {
        /// The write, with an empty `currentHash` in place of the new digest.
        package var pending: SessionUpdate
        /// Whether the presented token was the previous one and its successor is being discarded.
        package var replacesLostResponse: Bool

        /// The compare-and-swap write that installs the new secret digest.
        package func update(newHash: [UInt8]) -> SessionUpdate {
            var update = pending
            update.currentHash = newHash
            return update
        }
    }

    /// Decides what the presented secret digest means for `session`.
    ///
    /// Invariant (DESIGN §4.1–4.3): "superseded less than the grace period ago" is measured from when the
    /// rotation became visible to other requests — the store writes every rotation with its own commit
    /// time (``SessionUpdate/takesCommitTime``) — never from when it was decided. A commit delayed by a
    /// stalled disk or a network partition therefore cannot make the token it issued look old: a request
    /// carrying the previous token right after such a commit is within the grace period, not a lost
    /// response, and the token the client received is never discarded under it.
    ///
    /// - Current token: renewed when the policy (or `forceRenewal`) says so; otherwise accepted, and
    ///   marked as presented.
    /// - Any token superseded less than the grace period ago: accepted, not renewed (parallel requests).
    /// - The previous token past the grace period while its successor was never presented: the
    ///   response carrying the successor was lost; the successor is discarded and a fresh token issued.
    /// - Anything else (an older token, or the previous one after its successor was used, or an
    ///   unknown secret signed by us): theft.
    package func decide(
        session: SessionRecord,
        presentedHash: [UInt8],
        tokenIssuedAt: Int64,
        now: Date,
        forceRenewal: Bool,
        client: ConnectionInfo
    ) -> Decision {
        let nowSeconds = now.timeIntervalSince1970

        if SecretDigest.constantTimeEquals(presentedHash, session.currentHash) {
            if forceRenewal || isDue(tokenIssuedAt: tokenIssuedAt, now: nowSeconds) {
                var history = session.olderSecrets
                if let previous = session.previousHash {
                    history.insert(SupersededSecret(hash: previous, supersededAt: session.rotatedAt ?? session.createdAt), at: 0)
                }
                var pending = update(session, previous: session.currentHash, history: history, now: now, client: client)
                pending.takesCommitTime = true
                return .renew(Renewal(pending: pending, replacesLostResponse: false))
            }
            let stale = now.timeIntervalSince(session.lastUsedAt) >= activityResolution
            let moved = session.ip != client.ip || session.userAgent != client.userAgent
            guard !session.currentPresented || stale || moved else { return .accept(touch: nil) }
            var touch = update(session, previous: session.previousHash, history: session.olderSecrets, now: now, client: client)
            touch.currentHash = session.currentHash
            touch.rotatedAt = session.rotatedAt
            touch.currentPresented = true
            return .accept(touch: touch)
        }

        if let previous = session.previousHash, SecretDigest.constantTimeEquals(presentedHash, previous) {
            let rotatedAt = session.rotatedAt ?? session.createdAt
            if nowSeconds - rotatedAt.timeIntervalSince1970 < gracePeriod { return .accept(touch: nil) }
            guard !session.currentPresented else { return .theft }
            // Lost response: the client never received the current token. Discard it (keeping it in the
            // history, so a straggler carrying it is judged by the same grace rule) and issue a new one;
            // the presented token stays "previous" so that parallel retries with it are not theft.
            let history = [SupersededSecret(hash: session.currentHash, supersededAt: now)] + session.olderSecrets
            var pending = update(session, previous: previous, history: history, now: now, client: client)
            pending.takesCommitTime = true
            // Decided on "the successor was never presented and the presented token is the previous one":
            // a touch that marks the successor presented, or another rotation, must make this write fail.
            pending.expectedPreviousHash = previous
            pending.requiresUnpresentedCurrent = true
            return .renew(Renewal(pending: pending, replacesLostResponse: true))
        }

        for older in session.olderSecrets where older.matches(presentedHash) {
            return nowSeconds - older.supersededAt.timeIntervalSince1970 < gracePeriod ? .accept(touch: nil) : .theft
        }
        return .theft
    }

    private func isDue(tokenIssuedAt: Int64, now: Double) -> Bool {
        switch renewal {
        case .everyRequest: true
        case .olderThan(let interval): now - Double(tokenIssuedAt) >= interval.seconds
        }
    }

    private func update(
        _ session: SessionRecord,
        previous: [UInt8]?,
        history: [SupersededSecret],
        now: Date,
        client: ConnectionInfo
    ) -> SessionUpdate {
        let kept =
            history
            .filter { now.timeIntervalSince($0.supersededAt) < gracePeriod }
            .prefix(SupersededSecret.historyLimit)
        return SessionUpdate(
            sessionID: session.id,
            expectedCurrentHash: session.currentHash,
            currentHash: [],
            previousHash: previous,
            rotatedAt: now,
            olderSecrets: Array(kept),
            currentPresented: false,
            lastUsedAt: now,
            ip: client.ip,
            userAgent: client.userAgent
        )
    }
}
