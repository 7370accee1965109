import Foundation
import Gatehouse

extension StoreConformance {
    /// Attempt counters, trusted addresses and their deletion. Every limit allows a few attempts per
    /// window; an attempt is observed through the verdict of the next one, so a check sees what was
    /// counted without reading a counter.
    static let throttleChecks: [StoreConformanceCheck] = reservationChecks + releaseAndClearChecks + addressAndCleanupChecks

    private static let reservationChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.throttles, "reserve-counts-every-limit", "A reserved attempt counts once under every limit") { store in
            let address = Fixture.limit("login.address:203.0.113.7", allowing: 3)
            let account = Fixture.limit("login.account:alice", allowing: 2)
            try await expectReserved([address, account], at: 0, in: store, "the first attempt under two limits")
            try await expectReserved([address, account], at: 1, in: store, "the second attempt under two limits")
            try await expectRefused([address, account], at: 2, retryAfter: 58, in: store, "a third attempt under two limits, one allowing two")
            try await expectReserved([address], at: 3, in: store, "a third attempt under the limit allowing three, alone")
            try await expectRefused([address], at: 4, retryAfter: 56, in: store, "a fourth attempt under the limit allowing three")
            try await expectReserved(
                [Fixture.limit("login.account:bob", allowing: 2)],
                at: 4,
                in: store,
                "an attempt under another key with the same limit"
            )
            try await expectReserved([], at: 5, in: store, "an attempt under no limit")
        },

        StoreConformanceCheck(
            .throttles,
            "refusal-counts-nothing",
            "A refused attempt counts nothing, under any of its limits"
        ) { store in
            let full = Fixture.limit("m.signup.address:198.51.100.1", allowing: 1)
            // Keys that sort before and after the full one: a store counting limit by limit is caught
            // whichever order it takes them in.
            let before = Fixture.limit("a.login.account:alice", allowing: 2)
            let after = Fixture.limit("z.login.address:198.51.100.1", allowing: 2)
            try await expectReserved([full], at: 0, in: store, "the attempt that fills a limit of one")
            for second in 1...3 {
                try await expectRefused(
                    [before, full, after],
                    at: second,
                    retryAfter: 60 - second,
                    in: store,
                    "an attempt at date(\(second)) under three limits, the middle one full"
                )
            }
            // The refused attempts counted nothing: the other two limits still allow two each, in a
            // window that starts with the first attempt they counted.
            try await expectReserved([before, after], at: 4, in: store, "the first attempt under the limits the refusals did not fill")
            try await expectReserved([before, after], at: 5, in: store, "the second attempt under those limits")
            try await expectRefused([before, after], at: 6, retryAfter: 58, in: store, "a third attempt under those limits")
        },

        StoreConformanceCheck(
            .throttles,
            "window-restarts",
            "A window lasts from its first attempt; once it ends, the next attempt starts a new one"
        ) { store in
            let limit = Fixture.limit("login.account:alice", allowing: 2, per: 60)
            try await expectReserved([limit], at: 0, in: store, "the attempt that starts the window")
            try await expectReserved([limit], at: 10, in: store, "the second attempt in the window")
            try await expectRefused([limit], at: 59, retryAfter: 1, in: store, "an attempt a second before the window ends")
            try await expectReserved([limit], at: 75, in: store, "the first attempt after the window ended, which starts a new one")
            try await expectReserved([limit], at: 80, in: store, "the second attempt in the new window")
            try await expectRefused([limit], at: 134, retryAfter: 1, in: store, "an attempt a second before the new window ends")
            try await expectReserved([limit], at: 135, in: store, "an attempt when the new window ends")

            // Two limits with windows of their own.
            let short = Fixture.limit("login.address:203.0.113.7", allowing: 1, per: 10)
            let long = Fixture.limit("login.account:bob", allowing: 3, per: 100)
            try await expectReserved([short, long], at: 200, in: store, "the first attempt under a short and a long window")
            try await expectRefused([short, long], at: 205, retryAfter: 5, in: store, "an attempt while the short window is full")
            try await expectReserved([short, long], at: 210, in: store, "an attempt once the short window ended")
            try await expectReserved([short, long], at: 220, in: store, "an attempt once the second short window ended")
            try await expectRefused([short, long], at: 230, retryAfter: 70, in: store, "an attempt while the long window is full")
            // The refusal at 230 started no short window: one starts at 231.
            try await expectReserved([short], at: 231, in: store, "an attempt under the short limit alone after the refusal")
            try await expectRefused([short], at: 232, retryAfter: 9, in: store, "a second attempt in the short window that started at date(231)")
            try await expectReserved([short, long], at: 300, in: store, "an attempt once both windows ended")
        },

        StoreConformanceCheck(
            .throttles,
            "concurrent-reserve",
            "Of 40 concurrent attempts under a limit of 5, exactly 5 are reserved"
        ) { store in
            let limit = Fixture.limit("login.account:alice", allowing: 5)
            let reserved = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 {
                    group.addTask { try await store.reserveAttempt(under: [limit], at: Fixture.date(0)) == .reserved ? 1 : 0 }
                }
                return try await group.reduce(0, +)
            }
            try expectEqual(reserved, 5, "number of 40 concurrent attempts under a limit of 5 that were reserved")
            try await expectRefused([limit], at: 1, retryAfter: 59, in: store, "an attempt after the race")
        },

        StoreConformanceCheck(
            .throttles,
            "concurrent-all-or-nothing",
            "Of 30 concurrent attempts under a shared limit of 5, only the 5 reserved count under their own limits"
        ) { store in
            let shared = Fixture.limit("signup.address:203.0.113.7", allowing: 5)
            // The own keys sort before the shared one: a refusal must take back what was counted first.
            let own = (0..<30).map { Fixture.limit("a.signup.account:user-\($0)", allowing: 1) }
            let winners = try await withThrowingTaskGroup(of: Int?.self) { group in
                for (index, limit) in own.enumerated() {
                    group.addTask { try await store.reserveAttempt(under: [limit, shared], at: Fixture.date(0)) == .reserved ? index : nil }
                }
                var winners: Set<Int> = []
                for try await index in group { if let index { winners.insert(index) } }
                return winners
            }
            try expectEqual(winners.count, 5, "number of 30 concurrent attempts under a shared limit of 5 that were reserved")
            var counted: Set<Int> = []
            for (index, limit) in own.enumerated() {
                // A limit of one that already counted an attempt refuses the next.
                if try await store.reserveAttempt(under: [limit], at: Fixture.date(1)) != .reserved { counted.insert(index) }
            }
            try expectEqual(counted, winners, "the attempts counted under their own limits, against those reserved")
        },
    ]

    private static let releaseAndClearChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.throttles, "release", "Releasing takes back one attempt under each key, never going below zero") { store in
            let account = Fixture.limit("login.account:alice", allowing: 2)
            let address = Fixture.limit("login.address:203.0.113.7", allowing: 2)
            try await expectReserved([account, address], at: 0, in: store, "the first attempt under two limits")
            try await expectReserved([account, address], at: 1, in: store, "the second attempt under two limits")
            try await store.releaseAttempt(keys: [account.key], at: Fixture.date(2))
            try await expectReserved([account], at: 3, in: store, "an attempt under the key whose attempt was released")
            try await expectRefused([account], at: 4, retryAfter: 56, in: store, "a second attempt under the key whose attempt was released")
            try await expectRefused([address], at: 4, retryAfter: 56, in: store, "an attempt under the key that was not released")
            try await store.releaseAttempt(keys: [account.key, address.key], at: Fixture.date(5))
            try await expectReserved([account, address], at: 6, in: store, "an attempt after releasing one under both keys")
            try await expectRefused([account, address], at: 7, retryAfter: 53, in: store, "a second attempt after releasing one under both keys")

            let once = Fixture.limit("signup.address:198.51.100.1", allowing: 2)
            try await expectReserved([once], at: 10, in: store, "the one attempt under a key released three times")
            for second in 11...13 { try await store.releaseAttempt(keys: [once.key], at: Fixture.date(second)) }
            try await expectReserved([once], at: 14, in: store, "the first attempt after releasing more than was counted")
            try await expectReserved([once], at: 15, in: store, "the second attempt after releasing more than was counted")
            try await expectRefused([once], at: 16, in: store, "a third attempt after releasing more than was counted")

            let never = Fixture.limit("recovery.account:carol", allowing: 1)
            try await store.releaseAttempt(keys: [never.key], at: Fixture.date(20))
            try await expectReserved([never], at: 21, in: store, "the first attempt under a key released before anything was counted")
            try await expectRefused([never], at: 22, retryAfter: 59, in: store, "a second attempt under a key released before anything was counted")
        },

        StoreConformanceCheck(.throttles, "clear", "Clearing forgets the keys given and every key under the prefixes given") { store in
            let keys = [
                "login.address:203.0.113.7",
                "login.account:alice",
                "login.account:alice.smith",
                "login.account:bob",
                "signup.address:198.51.100.1",
                "recovery.account:alice",
            ]
            let cleared: Set = ["login.account:alice", "login.account:alice.smith", "signup.address:198.51.100.1"]
            for key in keys { try await expectReserved([Fixture.limit(key, allowing: 1)], at: 0, in: store, "the attempt that fills \"\(key)\"") }

            try await store.clearAttempts(keys: ["signup.address:198.51.100.1", "unknown"], prefixes: ["login.account:alice"])
            for key in keys {
                if cleared.contains(key) {
                    try await expectReserved([Fixture.limit(key, allowing: 1)], at: 1, in: store, "an attempt under \"\(key)\", cleared")
                } else {
                    try await expectRefused(
                        [Fixture.limit(key, allowing: 1)],
                        at: 1,
                        retryAfter: 59,
                        in: store,
                        "an attempt under \"\(key)\", not cleared"
                    )
                }
            }

            try await store.clearAttempts(keys: [], prefixes: [])
            for key in keys {
                try await expectRefused(
                    [Fixture.limit(key, allowing: 1)],
                    at: 2,
                    retryAfter: cleared.contains(key) ? 59 : 58,
                    in: store,
                    "an attempt under \"\(key)\" after clearing nothing"
                )
            }
        },

        StoreConformanceCheck(.throttles, "clear-prefix-literal", "A prefix matches literally: `_` and `%` are no wildcards, case counts") { store in
            let keys = ["p:a_c", "p:abc", "p:a%x", "p:aZZx", "p:A_c", "q:p:a_c"]
            let cleared: Set = ["p:a_c", "p:a%x"]
            for key in keys { try await expectReserved([Fixture.limit(key, allowing: 1)], at: 0, in: store, "the attempt that fills \"\(key)\"") }

            // The last prefix is longer than the key it starts like.
            try await store.clearAttempts(keys: [], prefixes: ["p:a_", "p:a%", "p:abcd"])
            for key in keys {
                if cleared.contains(key) {
                    try await expectReserved(
                        [Fixture.limit(key, allowing: 1)],
                        at: 1,
                        in: store,
                        "an attempt under \"\(key)\", which a cleared prefix starts"
                    )
                } else {
                    try await expectRefused(
                        [Fixture.limit(key, allowing: 1)],
                        at: 1,
                        retryAfter: 59,
                        in: store,
                        "an attempt under \"\(key)\", which none of the cleared prefixes (\"p:a_\", \"p:a%\", \"p:abcd\") starts"
                    )
                }
            }
        },

        StoreConformanceCheck(.throttles, "clear-prefix-bytes", "A prefix is compared byte for byte, not as characters") { store in
            // "e" followed by a combining acute accent: its bytes start with those of "u:e".
            let decomposed = "u:e\u{301}"
            // "é" as one code point: canonically equivalent to "v:e\u{301}", but its bytes do not start with those.
            let precomposed = "v:\u{E9}"
            for key in [decomposed, precomposed] {
                try await expectReserved([Fixture.limit(key, allowing: 1)], at: 0, in: store, "the attempt that fills \(describeKey(key))")
            }
            try await store.clearAttempts(keys: [], prefixes: ["u:e", "v:e\u{301}"])
            try await expectReserved(
                [Fixture.limit(decomposed, allowing: 1)],
                at: 1,
                in: store,
                "an attempt under \(describeKey(decomposed)), whose bytes start with those of the prefix \"u:e\""
            )
            try await expectRefused(
                [Fixture.limit(precomposed, allowing: 1)],
                at: 1,
                retryAfter: 59,
                in: store,
                "an attempt under \(describeKey(precomposed)), whose bytes do not start with those of the prefix \(describeKey("v:e\u{301}"))"
            )
        },
    ]

    private static let addressAndCleanupChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(
            .throttles,
            "trusted-addresses",
            "An address is trusted for an account it logged in to at or after the date asked about"
        ) { store in
            let address = "203.0.113.7"
            try await store.recordTrustedAddress(address, account: "acct-alice", at: Fixture.date(100))
            try await expectTrusted(true, address, "acct-alice", since: 100, in: store, "since the time it was recorded")
            try await expectTrusted(true, address, "acct-alice", since: 50, in: store, "since a time before it was recorded")
            try await expectTrusted(false, address, "acct-alice", since: 101, in: store, "since a time after it was recorded")
            try await expectTrusted(false, address, "acct-bob", since: 0, in: store, "for another account")
            try await expectTrusted(false, "203.0.113.8", "acct-alice", since: 0, in: store, "another address, for the account")

            try await store.recordTrustedAddress(address, account: "acct-alice", at: Fixture.date(200))
            try await expectTrusted(true, address, "acct-alice", since: 150, in: store, "since a time between two logins")
            try await expectTrusted(false, address, "acct-alice", since: 201, in: store, "since a time after the second login")

            try await store.recordTrustedAddress("198.51.100.1", account: "acct-bob", at: Fixture.date(300))
            try await expectTrusted(true, "198.51.100.1", "acct-bob", since: 300, in: store, "for the account it logged in to")
            try await expectTrusted(false, "198.51.100.1", "acct-alice", since: 0, in: store, "for an account it never logged in to")
            try await expectTrusted(false, address, "acct-bob", since: 0, in: store, "for an account it still never logged in to")
        },

        StoreConformanceCheck(
            .throttles,
            "forget-trusted-addresses",
            "Forgetting an account's trusted addresses forgets every one of them, and none of another account"
        ) { store in
            try await store.recordTrustedAddress("203.0.113.7", account: "acct-alice", at: Fixture.date(100))
            try await store.recordTrustedAddress("2001:db8::1", account: "acct-alice", at: Fixture.date(110))
            // An account whose id starts with the other's, and one that shares an address with it.
            try await store.recordTrustedAddress("203.0.113.7", account: "acct-alice2", at: Fixture.date(100))
            try await store.recordTrustedAddress("203.0.113.7", account: "acct-bob", at: Fixture.date(100))

            try await store.forgetTrustedAddresses(account: "acct-alice")
            try await expectTrusted(false, "203.0.113.7", "acct-alice", since: 0, in: store, "after its account's addresses were forgotten")
            try await expectTrusted(false, "2001:db8::1", "acct-alice", since: 0, in: store, "after its account's addresses were forgotten")
            try await expectTrusted(true, "203.0.113.7", "acct-alice2", since: 0, in: store, "for an account whose id the forgotten one starts")
            try await expectTrusted(true, "203.0.113.7", "acct-bob", since: 0, in: store, "for another account")

            try await store.forgetTrustedAddresses(account: "acct-nobody")
            try await expectTrusted(true, "203.0.113.7", "acct-bob", since: 0, in: store, "after forgetting an account without addresses")
            // The account logs in again from a forgotten address: it is trusted anew.
            try await store.recordTrustedAddress("203.0.113.7", account: "acct-alice", at: Fixture.date(200))
            try await expectTrusted(true, "203.0.113.7", "acct-alice", since: 200, in: store, "recorded again after being forgotten")
        },

        StoreConformanceCheck(
            .throttles,
            "delete-ended",
            "Counters whose window ended, and addresses last seen, before a date are deleted and counted"
        ) { store in
            let ended = Fixture.limit("login.address:203.0.113.7", allowing: 1, per: 60)  // window [0, 60)
            let endsAtCutOff = Fixture.limit("login.account:alice", allowing: 1, per: 60)  // window [40, 100)
            let open = Fixture.limit("login.account:bob", allowing: 1, per: 100)  // window [100, 200)
            try await expectReserved([ended], at: 0, in: store, "the attempt in a window that ends at date(60)")
            try await expectReserved([endsAtCutOff], at: 40, in: store, "the attempt in a window that ends at date(100)")
            try await expectReserved([open], at: 100, in: store, "the attempt in a window that ends at date(200)")
            try await store.recordTrustedAddress("192.0.2.1", account: "acct-alice", at: Fixture.date(10))
            try await store.recordTrustedAddress("192.0.2.2", account: "acct-alice", at: Fixture.date(100))
            try await store.recordTrustedAddress("192.0.2.3", account: "acct-alice", at: Fixture.date(150))

            try await expectEqual(
                store.deleteThrottleState(endedBefore: Fixture.date(100)),
                2,
                "deleteThrottleState(endedBefore: date(100)) count: the window that ended at date(60), the address last seen at date(10)"
            )
            try await expectRefused([endsAtCutOff], at: 99, retryAfter: 1, in: store, "an attempt under the counter whose window ends at the cut-off")
            try await expectRefused([open], at: 150, retryAfter: 50, in: store, "an attempt under the counter whose window ends after the cut-off")
            try await expectTrusted(false, "192.0.2.1", "acct-alice", since: 0, in: store, "last seen before the cut-off, after the deletion")
            try await expectTrusted(true, "192.0.2.2", "acct-alice", since: 0, in: store, "last seen at the cut-off, after the deletion")
            try await expectTrusted(true, "192.0.2.3", "acct-alice", since: 0, in: store, "last seen after the cut-off, after the deletion")
            try await expectEqual(
                store.deleteThrottleState(endedBefore: Fixture.date(100)),
                0,
                "deleteThrottleState(endedBefore: date(100)) count the second time"
            )

            try await expectEqual(
                store.deleteThrottleState(endedBefore: Fixture.date(101)),
                2,
                "deleteThrottleState(endedBefore: date(101)) count: the window that ended at date(100), the address last seen at date(100)"
            )
            try await expectEqual(
                store.deleteThrottleState(endedBefore: Fixture.date(1_000)),
                2,
                "deleteThrottleState(endedBefore: date(1000)) count: the window that ended at date(200), the address last seen at date(150)"
            )
            try await expectTrusted(false, "192.0.2.3", "acct-alice", since: 0, in: store, "after every address was deleted")
            try await expectReserved([open], at: 150, in: store, "an attempt at date(150) under the deleted counter, which starts a new window")
        },
    ]

    // MARK: Assertions

    /// Fails unless an attempt under `limits` at `date(seconds)` is reserved.
    private static func expectReserved(
        _ limits: [ThrottleLimit],
        at seconds: Int,
        in store: any GatehouseStore,
        _ what: String,
        fileID: String = #fileID,
        filePath: String = #filePath,
        line: Int = #line
    ) async throws {
        try await expectEqual(
            store.reserveAttempt(under: limits, at: Fixture.date(seconds)),
            .reserved,
            "reserveAttempt(under:at:) of \(what)",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
    }

    /// Fails unless an attempt under `limits` at `date(seconds)` is refused, with a `retryAfter` of more
    /// than nothing and at most the longest window, and within a second of `expected` seconds when given.
    private static func expectRefused(
        _ limits: [ThrottleLimit],
        at seconds: Int,
        retryAfter expected: Int? = nil,
        in store: any GatehouseStore,
        _ what: String,
        fileID: String = #fileID,
        filePath: String = #filePath,
        line: Int = #line
    ) async throws {
        let verdict = try await store.reserveAttempt(under: limits, at: Fixture.date(seconds))
        let wanted = expected.map { "refused(retryAfter: \($0) seconds)" } ?? "refused"
        guard case .refused(let retryAfter) = verdict else {
            throw Mismatch(
                message: "reserveAttempt(under:at:) of \(what): expected \(wanted), got \(describe(verdict))",
                fileID: fileID,
                filePath: filePath,
                line: line
            )
        }
        let window = limits.map(\.window).max() ?? .zero
        try expect(
            retryAfter > .zero && retryAfter <= window,
            "retryAfter of \(what): expected more than nothing and at most the window (\(window)), got \(retryAfter)",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
        guard let expected else { return }
        try expect(
            retryAfter >= .seconds(expected - 1) && retryAfter <= .seconds(expected + 1),
            "retryAfter of \(what): expected the time until the window ends, \(expected) seconds (give or take one), got \(retryAfter)",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
    }

    /// Fails unless `isTrustedAddress(_:account:since: date(seconds))` is `expected`.
    private static func expectTrusted(
        _ expected: Bool,
        _ address: String,
        _ account: String,
        since seconds: Int,
        in store: any GatehouseStore,
        _ when: String,
        fileID: String = #fileID,
        filePath: String = #filePath,
        line: Int = #line
    ) async throws {
        try await expectEqual(
            store.isTrustedAddress(address, account: account, since: Fixture.date(seconds)),
            expected,
            "isTrustedAddress(\"\(address)\", account: \"\(account)\", since: date(\(seconds))) \(when)",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
    }

    /// A key as a failure shows it: its code points spelled out, since two of them may look alike.
    private static func describeKey(_ key: String) -> String {
        "\"" + key.unicodeScalars.map { $0.isASCII ? String($0) : "\\u{\(String($0.value, radix: 16, uppercase: true))}" }.joined() + "\""
    }
}
