import Gatehouse

extension StoreConformance {
    static let secondFactorChecks: [StoreConformanceCheck] = enrolmentChecks + useChecks + factorDeletionChecks

    /// The ids of `account`'s audit events, oldest first: what the checks compare trails with.
    private static func eventIDs(of account: AccountRecord, in store: any GatehouseStore) async throws -> [String] {
        try await store.auditEvents(accountID: account.accountID, since: nil, before: nil, limit: 100).map(\.id).reversed()
    }

    /// Creates `account` with a factor confirmed at `date(seconds)` with `step` and recovery codes
    /// `digest(byte)` for each of `codes`, with no trail, and returns the factor as stored.
    @discardableResult
    private static func confirmedFactor(
        of account: AccountRecord,
        in store: any GatehouseStore,
        codes: [UInt8] = [1, 2, 3],
        step: Int64 = 100,
        at seconds: Int = 1
    ) async throws -> TOTPFactorRecord {
        let factor = Fixture.totpFactor(of: account, at: seconds - 1)
        try await expect(store.beginTOTPEnrolment(factor), "beginTOTPEnrolment of \(account.username)")
        try await expect(
            store.confirmTOTP(
                accountID: account.accountID,
                createdAt: factor.createdAt,
                step: step,
                recoveryCodeHashes: codes.map(Fixture.digest),
                at: Fixture.date(seconds),
                audit: .none
            ),
            "confirmTOTP of \(account.username)"
        )
        var confirmed = factor
        confirmed.confirmedAt = Fixture.date(seconds)
        confirmed.lastUsedStep = step
        return confirmed
    }

    private static let enrolmentChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.secondFactors, "enrol", "A pending factor reads back exactly, and a new enrolment replaces it") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await expectNil(store.totpFactor(accountID: alice.accountID), "totpFactor(accountID:) of an account with none")

            let first = Fixture.totpFactor(of: alice, secret: 1, at: 1)
            try await expect(store.beginTOTPEnrolment(first), "beginTOTPEnrolment")
            try await expectEqual(store.totpFactor(accountID: alice.accountID), first, "totpFactor(accountID:) read back field for field")
            try await expectNil(store.totpFactor(accountID: bob.accountID), "totpFactor(accountID:) of the other account")

            let second = Fixture.totpFactor(of: alice, secret: 2, at: 2)
            try await expect(store.beginTOTPEnrolment(second), "beginTOTPEnrolment over a pending factor")
            try await expectEqual(store.totpFactor(accountID: alice.accountID), second, "totpFactor(accountID:) once replaced")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 0, "unusedRecoveryCodeCount of a pending factor")
        },

        StoreConformanceCheck(.secondFactors, "enrol-refused", "Enrolment is refused over a confirmed factor and for an unknown account") {
            store in
            let ghost = Fixture.account("ghost")
            try await expect(!store.beginTOTPEnrolment(Fixture.totpFactor(of: ghost)), "beginTOTPEnrolment for an unknown account")
            try await expectNil(store.totpFactor(accountID: ghost.accountID), "totpFactor(accountID:) after the refused enrolment")

            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let confirmed = try await confirmedFactor(of: alice, in: store)
            try await expect(
                !store.beginTOTPEnrolment(Fixture.totpFactor(of: alice, secret: 9, at: 5)),
                "beginTOTPEnrolment over a confirmed factor"
            )
            try await expectEqual(store.totpFactor(accountID: alice.accountID), confirmed, "totpFactor(accountID:) after the refused enrolment")
            try await expectEqual(
                store.unusedRecoveryCodeCount(accountID: alice.accountID),
                3,
                "unusedRecoveryCodeCount after the refused enrolment"
            )
        },

        StoreConformanceCheck(.secondFactors, "confirm", "Only the pending factor of that enrolment is confirmed, with its step, codes and trail") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let earlier = Fixture.totpFactor(of: alice, secret: 1, at: 1)
            let factor = Fixture.totpFactor(of: alice, secret: 2, at: 2)
            try await expect(store.beginTOTPEnrolment(earlier), "beginTOTPEnrolment")
            try await expect(store.beginTOTPEnrolment(factor), "beginTOTPEnrolment restarted")
            let codes = [Fixture.digest(1), Fixture.digest(2), Fixture.digest(3)]

            try await expect(
                !store.confirmTOTP(
                    accountID: alice.accountID,
                    createdAt: earlier.createdAt,
                    step: 100,
                    recoveryCodeHashes: codes,
                    at: Fixture.date(5),
                    audit: Fixture.trail("e-1", .totpEnabled, of: alice)
                ),
                "confirmTOTP of the enrolment that was restarted"
            )
            try await expect(
                !store.confirmTOTP(
                    accountID: "acct-ghost",
                    createdAt: factor.createdAt,
                    step: 100,
                    recoveryCodeHashes: codes,
                    at: Fixture.date(5),
                    audit: Fixture.trail("e-2", .totpEnabled)
                ),
                "confirmTOTP of an unknown account"
            )
            try await expectEqual(store.totpFactor(accountID: alice.accountID), factor, "totpFactor(accountID:) after the refused confirmations")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 0, "recovery codes after the refused confirmations")
            try await expectNil(store.message(id: "m-e-1"), "the webhook call of a refused confirmation")

            try await expect(
                store.confirmTOTP(
                    accountID: alice.accountID,
                    createdAt: factor.createdAt,
                    step: 100,
                    recoveryCodeHashes: codes,
                    at: Fixture.date(5),
                    audit: Fixture.trail("e-3", .totpEnabled, of: alice)
                ),
                "confirmTOTP"
            )
            var confirmed = factor
            confirmed.confirmedAt = Fixture.date(5)
            confirmed.lastUsedStep = 100
            try await expectEqual(store.totpFactor(accountID: alice.accountID), confirmed, "totpFactor(accountID:) once confirmed")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 3, "unusedRecoveryCodeCount once confirmed")
            try await expectEqual(eventIDs(of: alice, in: store), ["e-3"], "the events written: only the confirmation's")
            _ = try await unwrap(store.message(id: "m-e-3"), "the confirmation's webhook call")

            try await expect(
                !store.confirmTOTP(
                    accountID: alice.accountID,
                    createdAt: factor.createdAt,
                    step: 101,
                    recoveryCodeHashes: [Fixture.digest(9)],
                    at: Fixture.date(6),
                    audit: Fixture.trail("e-4", .totpEnabled, of: alice)
                ),
                "confirmTOTP of a confirmed factor"
            )
            try await expectEqual(store.totpFactor(accountID: alice.accountID), confirmed, "totpFactor(accountID:) after confirming it again")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 3, "recovery codes after confirming it again")
            try await expectEqual(eventIDs(of: alice, in: store), ["e-3"], "the events after confirming it again")
        },

        StoreConformanceCheck(.secondFactors, "confirm-replaces-codes", "Confirming a new factor replaces every recovery code of the account") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await confirmedFactor(of: alice, in: store, codes: [1, 2, 3])
            try await expect(
                store.useRecoveryCode(accountID: alice.accountID, hash: Fixture.digest(1), at: Fixture.date(2), audit: .none),
                "useRecoveryCode"
            )
            try await expect(store.deleteTOTP(accountID: alice.accountID, audit: .none), "deleteTOTP")

            let factor = Fixture.totpFactor(of: alice, secret: 2, at: 10)
            try await expect(store.beginTOTPEnrolment(factor), "beginTOTPEnrolment after the deletion")
            try await expect(
                store.confirmTOTP(
                    accountID: alice.accountID,
                    createdAt: factor.createdAt,
                    step: 200,
                    recoveryCodeHashes: [Fixture.digest(2), Fixture.digest(4), Fixture.digest(5)],
                    at: Fixture.date(11),
                    audit: .none
                ),
                "confirmTOTP of the new factor"
            )
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 3, "unusedRecoveryCodeCount of the new codes")
            try await expect(
                !store.useRecoveryCode(accountID: alice.accountID, hash: Fixture.digest(3), at: Fixture.date(12), audit: .none),
                "useRecoveryCode of an old code"
            )
            for byte: UInt8 in [2, 4, 5] {
                try await expect(
                    store.useRecoveryCode(accountID: alice.accountID, hash: Fixture.digest(byte), at: Fixture.date(12), audit: .none),
                    "useRecoveryCode of the new code digest(\(byte))"
                )
            }
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 0, "unusedRecoveryCodeCount once all are used")
        },
    ]

    private static let useChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.secondFactors, "step-replay", "A time step is accepted once, only later than the last, on a confirmed factor") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await expect(!store.useTOTPStep(accountID: alice.accountID, step: 50), "useTOTPStep of an account with no factor")
            let pending = Fixture.totpFactor(of: alice)
            try await expect(store.beginTOTPEnrolment(pending), "beginTOTPEnrolment")
            try await expect(!store.useTOTPStep(accountID: alice.accountID, step: 50), "useTOTPStep of a pending factor")
            try await expectEqual(store.totpFactor(accountID: alice.accountID), pending, "the pending factor after the refused step")
            try await expect(store.deleteTOTP(accountID: alice.accountID, audit: .none), "deleteTOTP")

            var factor = try await confirmedFactor(of: alice, in: store, step: 100)
            try await confirmedFactor(of: bob, in: store, step: 100)
            try await expect(!store.useTOTPStep(accountID: alice.accountID, step: 100), "useTOTPStep of the step that confirmed the factor")
            try await expect(!store.useTOTPStep(accountID: alice.accountID, step: 99), "useTOTPStep of an older step")
            try await expect(store.useTOTPStep(accountID: alice.accountID, step: 101), "useTOTPStep of a later step")
            try await expect(!store.useTOTPStep(accountID: alice.accountID, step: 101), "useTOTPStep of the same step again")
            try await expect(!store.useTOTPStep(accountID: alice.accountID, step: 100), "useTOTPStep of a step older than the last")
            factor.lastUsedStep = 101
            try await expectEqual(store.totpFactor(accountID: alice.accountID), factor, "totpFactor(accountID:) after the steps")
            try await expect(store.useTOTPStep(accountID: alice.accountID, step: 1_000_000_000), "useTOTPStep of a much later step")
            try await expectEqual(store.totpFactor(accountID: bob.accountID)?.lastUsedStep, 100, "the other account's last used step")
        },

        StoreConformanceCheck(.secondFactors, "recovery-code", "A recovery code is used once, with its trail, and counted until it is") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await confirmedFactor(of: alice, in: store, codes: [1, 2, 3])
            try await confirmedFactor(of: bob, in: store, codes: [7])
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 3, "unusedRecoveryCodeCount")

            try await expect(
                store.useRecoveryCode(
                    accountID: alice.accountID,
                    hash: Fixture.digest(2),
                    at: Fixture.date(5),
                    audit: Fixture.trail("e-1", .recoveryCodeUsed, of: alice)
                ),
                "useRecoveryCode"
            )
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 2, "unusedRecoveryCodeCount once one is used")
            let refused: [(hash: UInt8, account: AccountRecord, what: String)] = [
                (2, alice, "the same code again"), (9, alice, "an unknown code"), (7, alice, "the other account's code"),
                (1, bob, "a code of another account"),
            ]
            for (index, attempt) in refused.enumerated() {
                try await expect(
                    !store.useRecoveryCode(
                        accountID: attempt.account.accountID,
                        hash: Fixture.digest(attempt.hash),
                        at: Fixture.date(6),
                        audit: Fixture.trail("e-\(index + 2)", .recoveryCodeUsed, of: attempt.account)
                    ),
                    "useRecoveryCode of \(attempt.what)"
                )
            }
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 2, "unusedRecoveryCodeCount after the refusals")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: bob.accountID), 1, "unusedRecoveryCodeCount of the other account")
            try await expectEqual(eventIDs(of: alice, in: store), ["e-1"], "the events written: only the code used")
            try await expectEqual(eventIDs(of: bob, in: store), [], "the events of the other account")
            try await expectNil(store.message(id: "m-e-2"), "the webhook call of a refused use")
        },

        StoreConformanceCheck(.secondFactors, "concurrent-use", "Of concurrent uses of one time step, or of one recovery code, one succeeds") {
            store in
            let accounts = (0..<4).map { Fixture.account("user\($0)") }
            for account in accounts {
                try await Fixture.create(account, in: store)
                try await confirmedFactor(of: account, in: store, codes: [1, 2], step: 100)
            }
            let outcomes = try await withThrowingTaskGroup(of: (String, String, Bool).self) { group in
                for account in accounts {
                    for _ in 0..<4 {
                        group.addTask { (account.accountID, "step", try await store.useTOTPStep(accountID: account.accountID, step: 101)) }
                        group.addTask {
                            let used = try await store.useRecoveryCode(
                                accountID: account.accountID,
                                hash: Fixture.digest(1),
                                at: Fixture.date(5),
                                audit: .none
                            )
                            return (account.accountID, "code", used)
                        }
                    }
                }
                var successes: [String: Int] = [:]
                for try await (accountID, kind, succeeded) in group where succeeded { successes["\(accountID) \(kind)", default: 0] += 1 }
                return successes
            }
            for account in accounts {
                try expectEqual(outcomes["\(account.accountID) step"] ?? 0, 1, "uses of one step by four concurrent requests of \(account.username)")
                try expectEqual(outcomes["\(account.accountID) code"] ?? 0, 1, "uses of one recovery code by four concurrent requests")
                try await expectEqual(store.unusedRecoveryCodeCount(accountID: account.accountID), 1, "unusedRecoveryCodeCount afterwards")
            }
        },
    ]

    private static let factorDeletionChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.secondFactors, "delete", "Deleting a factor deletes its recovery codes, with a trail only when there was one") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await confirmedFactor(of: bob, in: store, codes: [1, 2])

            try await expect(
                !store.deleteTOTP(accountID: alice.accountID, audit: Fixture.trail("e-1", .totpDisabled, of: alice)),
                "deleteTOTP of an account with no factor"
            )
            try await expectEqual(eventIDs(of: alice, in: store), [], "the events of a deletion of nothing")
            try await expectNil(store.message(id: "m-e-1"), "the webhook call of a deletion of nothing")

            try await expect(store.beginTOTPEnrolment(Fixture.totpFactor(of: alice)), "beginTOTPEnrolment")
            try await expect(
                store.deleteTOTP(accountID: alice.accountID, audit: Fixture.trail("e-2", .totpDisabled, of: alice)),
                "deleteTOTP of a pending factor"
            )
            try await expectNil(store.totpFactor(accountID: alice.accountID), "totpFactor(accountID:) once the pending factor is deleted")

            try await confirmedFactor(of: alice, in: store, codes: [1, 2, 3], at: 5)
            try await expect(
                store.deleteTOTP(accountID: alice.accountID, audit: Fixture.trail("e-3", .totpDisabled, of: alice)),
                "deleteTOTP of a confirmed factor"
            )
            try await expectNil(store.totpFactor(accountID: alice.accountID), "totpFactor(accountID:) once deleted")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 0, "unusedRecoveryCodeCount once deleted")
            try await expect(
                !store.useRecoveryCode(accountID: alice.accountID, hash: Fixture.digest(1), at: Fixture.date(6), audit: .none),
                "useRecoveryCode once deleted"
            )
            try await expect(!store.useTOTPStep(accountID: alice.accountID, step: 500), "useTOTPStep once deleted")
            try await expect(
                !store.deleteTOTP(accountID: alice.accountID, audit: Fixture.trail("e-4", .totpDisabled, of: alice)),
                "deleteTOTP once deleted"
            )
            try await expectEqual(eventIDs(of: alice, in: store), ["e-2", "e-3"], "the events written: only those of the factors deleted")

            try await expectEqual(store.unusedRecoveryCodeCount(accountID: bob.accountID), 2, "unusedRecoveryCodeCount of the other account")
            _ = try await unwrap(store.totpFactor(accountID: bob.accountID), "totpFactor(accountID:) of the other account")
            try await expect(store.beginTOTPEnrolment(Fixture.totpFactor(of: alice, at: 10)), "beginTOTPEnrolment once deleted")
        },

        StoreConformanceCheck(.secondFactors, "delete-account", "Deleting an account deletes its factor and recovery codes") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await confirmedFactor(of: alice, in: store, codes: [1, 2, 3])
            let bobs = try await confirmedFactor(of: bob, in: store, codes: [1, 2])

            try await expect(store.deleteAccount(accountID: alice.accountID), "deleteAccount")
            try await expectNil(store.totpFactor(accountID: alice.accountID), "totpFactor(accountID:) of the deleted account")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 0, "unusedRecoveryCodeCount of the deleted account")
            try await expectEqual(store.totpFactor(accountID: bob.accountID), bobs, "totpFactor(accountID:) of the other account")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: bob.accountID), 2, "unusedRecoveryCodeCount of the other account")

            // Made anew, the account has neither.
            try await Fixture.create(alice, in: store)
            try await expectNil(store.totpFactor(accountID: alice.accountID), "totpFactor(accountID:) of the account made anew")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 0, "unusedRecoveryCodeCount of the account made anew")
            try await expect(
                !store.useRecoveryCode(accountID: alice.accountID, hash: Fixture.digest(1), at: Fixture.date(5), audit: .none),
                "useRecoveryCode of a code of the deleted account"
            )
            try await expect(store.beginTOTPEnrolment(Fixture.totpFactor(of: alice, at: 5)), "beginTOTPEnrolment of the account made anew")
        },

        StoreConformanceCheck(.secondFactors, "atomic", "A trail that cannot be written undoes the confirmation, the code's use and the deletion") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.recordAudit(Fixture.trail("e-1"))
            let factor = Fixture.totpFactor(of: alice)
            try await expect(store.beginTOTPEnrolment(factor), "beginTOTPEnrolment")
            try await expectAccountError(.conflict, "confirmTOTP whose trail has a taken id") {
                _ = try await store.confirmTOTP(
                    accountID: alice.accountID,
                    createdAt: factor.createdAt,
                    step: 100,
                    recoveryCodeHashes: [Fixture.digest(1), Fixture.digest(2)],
                    at: Fixture.date(1),
                    audit: Fixture.trail("e-1", .totpEnabled, of: alice)
                )
            }
            try await expectEqual(store.totpFactor(accountID: alice.accountID), factor, "totpFactor(accountID:) after the refused confirmation")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 0, "recovery codes after the refused confirmation")

            let confirmed = try await confirmedFactor(of: alice, in: store, codes: [1, 2])
            try await expectAccountError(.conflict, "useRecoveryCode whose trail has a taken id") {
                _ = try await store.useRecoveryCode(
                    accountID: alice.accountID,
                    hash: Fixture.digest(1),
                    at: Fixture.date(2),
                    audit: Fixture.trail("e-1", .recoveryCodeUsed, of: alice)
                )
            }
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 2, "unusedRecoveryCodeCount after the refused use")

            try await expectAccountError(.conflict, "deleteTOTP whose trail has a taken id") {
                _ = try await store.deleteTOTP(accountID: alice.accountID, audit: Fixture.trail("e-1", .totpDisabled, of: alice))
            }
            try await expectEqual(store.totpFactor(accountID: alice.accountID), confirmed, "totpFactor(accountID:) after the refused deletion")
            try await expectEqual(store.unusedRecoveryCodeCount(accountID: alice.accountID), 2, "unusedRecoveryCodeCount after the refused deletion")
            try await expect(
                store.useRecoveryCode(accountID: alice.accountID, hash: Fixture.digest(1), at: Fixture.date(3), audit: .none),
                "useRecoveryCode of the code whose use was undone"
            )
            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: nil, limit: 10).map(\.id),
                ["e-1"],
                "the events after the refused changes"
            )
        },
    ]
}
