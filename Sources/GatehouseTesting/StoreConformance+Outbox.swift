import Gatehouse

extension StoreConformance {
    /// Messages waiting for delivery: what is written reads back, which messages a claim returns and
    /// leases — also when couriers claim at the same moment —, what each outcome records, listing,
    /// retry and deletion. The messages need no account: the outbox holds messages of none too.
    static let outboxChecks: [StoreConformanceCheck] = writeAndReadChecks + claimChecks + outcomeChecks + lateOutcomeChecks + listingChecks

    private static let writeAndReadChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.outbox, "enqueue-and-read", "Enqueued messages read back as they were written, field for field") { store in
            let alice = Fixture.account("alice")
            let mail = Fixture.message("m-1", of: alice)
            var webhook = Fixture.message("m-2", channel: .webhook, kind: "account_created", dueAt: 5)
            webhook.payload = #"{"event":"account.created","name":"Zoë \"Z\" Ångström"}"#
            var retried = Fixture.message("m-3", of: alice, kind: "reset_password", dueAt: 10)
            retried.attempts = 2
            retried.nextAttemptAt = Fixture.date(70)
            retried.leasedUntil = Fixture.date(80)
            retried.lastError = "421 try again later"
            let delivered = sent(Fixture.message("m-4", of: alice, kind: "email_changed"), at: 20)
            try await store.enqueue([mail, webhook])
            try await store.enqueue([retried, delivered])
            try await store.enqueue([])

            for message in [mail, webhook, retried, delivered] {
                try await expectEqual(store.message(id: message.id), message, "message(id: \"\(message.id)\") of an enqueued message")
            }
            try await expectNil(store.message(id: "m-9"), "message(id:) of an unknown id")
        },

        StoreConformanceCheck(.outbox, "enqueue-conflict", "A taken message id is a conflict, and a batch holding one writes nothing") { store in
            let original = Fixture.message("m-1")
            try await store.enqueue([original])

            try await expectAccountError(.conflict, "enqueueing a batch with a message whose id is taken") {
                try await store.enqueue([Fixture.message("m-2"), Fixture.message("m-1", kind: "reset_password", dueAt: 9)])
            }
            try await expectNil(store.message(id: "m-2"), "message(id:) of a message enqueued in the refused batch")
            try await expectEqual(store.message(id: "m-1"), original, "message(id:) of the message whose id was taken")

            try await expectAccountError(.conflict, "enqueueing a batch with the same message twice") {
                try await store.enqueue([Fixture.message("m-3"), Fixture.message("m-3")])
            }
            try await expectNil(store.message(id: "m-3"), "message(id:) of a message enqueued twice in one batch")
            try await expectEqual(store.messages(status: nil, limit: 10), [original], "messages(status: nil, limit:) after the refused batches")
        },
    ]

    private static let claimChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(
            .outbox,
            "claim-order",
            "A claim leases the due, pending, unleased messages of its channel, oldest due first (then by id), up to its limit"
        ) { store in
            try await store.enqueue([
                Fixture.message("m-a", dueAt: 30),
                Fixture.message("m-b", dueAt: 10),
                Fixture.message("m-c", dueAt: 20),
                Fixture.message("m-e", dueAt: 10),
                Fixture.message("m-d", dueAt: 50),
                Fixture.message("m-f", dueAt: 51),
                failed(Fixture.message("m-g"), attempts: 5),
                sent(Fixture.message("m-h"), at: 5),
            ])

            let first = try await store.claimMessages(channel: .mail, limit: 3, leaseUntil: Fixture.date(200), at: Fixture.date(50))
            try expectEqual(
                first,
                [
                    leased(Fixture.message("m-b", dueAt: 10), until: 200), leased(Fixture.message("m-e", dueAt: 10), until: 200),
                    leased(Fixture.message("m-c", dueAt: 20), until: 200),
                ],
                "the first claim of three at date(50): the oldest due, ties by id, leased until date(200)"
            )
            try await expectEqual(store.message(id: "m-b")?.leasedUntil, Fixture.date(200), "leasedUntil of a claimed message, read back")
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: Fixture.date(200), at: Fixture.date(50)).map(\.id),
                ["m-a", "m-d"],
                "ids of a second claim at date(50): the due messages not leased yet, one due at that very date among them"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: Fixture.date(200), at: Fixture.date(50)),
                [],
                "a third claim at date(50), every due message leased"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 0, leaseUntil: Fixture.date(300), at: Fixture.date(1_000)),
                [],
                "a claim with a limit of 0"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: Fixture.date(300), at: Fixture.date(51)).map(\.id),
                ["m-f"],
                "ids of a claim at date(51), when one more message is due"
            )
            // Once every lease ended, the pending messages come again, in order; the failed and sent ones never.
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 100, leaseUntil: Fixture.date(1_100), at: Fixture.date(1_000)).map(\.id),
                ["m-b", "m-e", "m-c", "m-a", "m-d", "m-f"],
                "ids of a claim once every lease ended"
            )
        },

        StoreConformanceCheck(.outbox, "claim-channel", "A claim returns messages of its own channel only") { store in
            try await store.enqueue([
                Fixture.message("m-1", dueAt: 0),
                Fixture.message("w-1", channel: .webhook, kind: "account_created", dueAt: 0),
                Fixture.message("m-2", dueAt: 5),
                Fixture.message("w-2", channel: .webhook, kind: "account_deleted", dueAt: 5),
            ])
            try await expectEqual(
                store.claimMessages(channel: .webhook, limit: 10, leaseUntil: Fixture.date(100), at: Fixture.date(10)).map(\.id),
                ["w-1", "w-2"],
                "ids claimed on the webhook channel"
            )
            try await expectEqual(
                store.claimMessages(channel: OutboxMessage.Channel(rawValue: "sms"), limit: 10, leaseUntil: Fixture.date(100), at: Fixture.date(10)),
                [],
                "a claim on a channel without messages"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: Fixture.date(100), at: Fixture.date(10)).map(\.id),
                ["m-1", "m-2"],
                "ids claimed on the mail channel"
            )
            try await expectEqual(
                store.claimMessages(channel: .webhook, limit: 10, leaseUntil: Fixture.date(100), at: Fixture.date(10)),
                [],
                "a second claim on the webhook channel"
            )
        },

        StoreConformanceCheck(
            .outbox,
            "lease-expiry",
            "A leased message is claimed again once its lease ends and not before; a retry ends the lease"
        ) { store in
            let message = Fixture.message("m-1")
            try await store.enqueue([message])
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(100), at: Fixture.date(10)),
                [leased(message, until: 100)],
                "the first claim, leasing until date(100)"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(199), at: Fixture.date(99)),
                [],
                "a claim a second before the lease ends"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(300), at: Fixture.date(100)),
                [leased(message, until: 300)],
                "a claim when the lease ends, leasing until date(300)"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(400), at: Fixture.date(200)),
                [],
                "a claim during the second lease"
            )

            try await store.markForRetry(id: message.id, attempts: 1, nextAttemptAt: Fixture.date(250), error: "421 try again later")
            var retried = message
            retried.attempts = 1
            retried.nextAttemptAt = Fixture.date(250)
            retried.lastError = "421 try again later"
            try await expectEqual(store.message(id: message.id), retried, "message(id:) after markForRetry(id:attempts:nextAttemptAt:error:)")
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(400), at: Fixture.date(249)),
                [],
                "a claim a second before the retry is due"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(400), at: Fixture.date(250)),
                [leased(retried, until: 400)],
                "a claim when the retry is due, within the lease it ended"
            )
        },

        StoreConformanceCheck(
            .outbox,
            "concurrent-claims",
            "Of 8 concurrent claims of up to 3 messages among 20 due ones, each message goes to exactly one"
        ) { store in
            let messages = (0..<20).map { index in Fixture.message("m-\(index < 10 ? "0" : "")\(index)", dueAt: index) }
            try await store.enqueue(messages)
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await store.claimMessages(channel: .mail, limit: 3, leaseUntil: Fixture.date(1_000), at: Fixture.date(100)).map(\.id)
                    }
                }
                var claims: [[String]] = []
                for try await ids in group { claims.append(ids) }
                return claims
            }
            try expect(claims.allSatisfy { $0.count <= 3 }, "every concurrent claim returns at most 3 messages, got \(claims.map(\.count))")
            try expectEqual(
                claims.flatMap { $0 }.sorted(),
                messages.map(\.id),
                "ids returned by 8 concurrent claims of 3 among 20 due messages, sorted: each message once"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 3, leaseUntil: Fixture.date(1_000), at: Fixture.date(100)),
                [],
                "a claim after the concurrent ones"
            )
        },
    ]

    private static let outcomeChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(
            .outbox,
            "mark-sent",
            "A sent message counts the attempt that delivered it, loses its payload and lease, and is never claimed again"
        ) { store in
            let first = Fixture.message("m-1")
            let second = Fixture.message("m-2")
            try await store.enqueue([first, second])
            _ = try await store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(100), at: Fixture.date(10))
            try await store.markSent(id: first.id, at: Fixture.date(20))
            var firstSent = first
            firstSent.status = .sent
            firstSent.sentAt = Fixture.date(20)
            firstSent.payload = ""
            firstSent.attempts = 1
            try await expectEqual(store.message(id: first.id), firstSent, "message(id:) after markSent(id:at:)")
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: Fixture.date(10_100), at: Fixture.date(10_000)).map(\.id),
                [second.id],
                "ids claimed long after the sent message's lease ended"
            )

            // Delivered after two failed attempts: three attempts in all.
            try await store.markForRetry(id: second.id, attempts: 2, nextAttemptAt: Fixture.date(30), error: "421 try again later")
            try await store.markSent(id: second.id, at: Fixture.date(40))
            var secondSent = second
            secondSent.status = .sent
            secondSent.sentAt = Fixture.date(40)
            secondSent.payload = ""
            secondSent.attempts = 3
            secondSent.nextAttemptAt = Fixture.date(30)
            secondSent.lastError = "421 try again later"
            try await expectEqual(store.message(id: second.id), secondSent, "message(id:) of a message sent after two failed attempts")

            // Outcomes of unknown messages change nothing and throw nothing.
            try await store.markSent(id: "m-9", at: Fixture.date(50))
            try await store.markForRetry(id: "m-9", attempts: 1, nextAttemptAt: Fixture.date(60), error: "timeout")
            try await store.markFailed(id: "m-9", attempts: 1, error: "timeout", at: Fixture.date(50))
            try await expectNil(store.message(id: "m-9"), "message(id:) of an unknown id after outcomes were recorded for it")
            try await expectEqual(
                store.messages(status: nil, limit: 10),
                [secondSent, firstSent],
                "messages(status: nil, limit:) after outcomes of an unknown message"
            )
        },

        StoreConformanceCheck(
            .outbox,
            "fail-and-retry",
            "A failed message keeps its payload and is not claimed; only a failed one can be retried, due anew with no attempts"
        ) { store in
            let message = Fixture.message("m-1")
            let other = Fixture.message("m-2")
            let delivered = sent(Fixture.message("m-3"), at: 5)
            try await store.enqueue([message, other, delivered])
            _ = try await store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(100), at: Fixture.date(10))
            try await store.markFailed(id: message.id, attempts: 5, error: "550 mailbox unavailable", at: Fixture.date(20))
            var failedMessage = message
            failedMessage.status = .failed
            failedMessage.attempts = 5
            failedMessage.lastError = "550 mailbox unavailable"
            failedMessage.nextAttemptAt = Fixture.date(20)
            try await expectEqual(
                store.message(id: message.id),
                failedMessage,
                "message(id:) after markFailed(id:attempts:error:at:): dated by its failure"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: Fixture.date(1_000), at: Fixture.date(30)),
                [leased(other, until: 1_000)],
                "a claim after one message failed: the other one only"
            )
            try await expectEqual(store.messages(status: .failed, limit: 10), [failedMessage], "messages(status: .failed, limit:)")

            try await expect(!store.retryMessage(id: other.id, at: Fixture.date(40)), "retryMessage(id:at:) of a pending message returns false")
            try await expectEqual(
                store.message(id: other.id),
                leased(other, until: 1_000),
                "message(id:) of the pending message after the refused retry"
            )
            try await expect(!store.retryMessage(id: delivered.id, at: Fixture.date(40)), "retryMessage(id:at:) of a sent message returns false")
            try await expectEqual(store.message(id: delivered.id), delivered, "message(id:) of the sent message after the refused retry")
            try await expect(!store.retryMessage(id: "m-9", at: Fixture.date(40)), "retryMessage(id:at:) of an unknown id returns false")

            try await expect(store.retryMessage(id: message.id, at: Fixture.date(200)), "retryMessage(id:at:) of a failed message returns true")
            var retried = failedMessage
            retried.status = .pending
            retried.attempts = 0
            retried.nextAttemptAt = Fixture.date(200)
            try await expectEqual(store.message(id: message.id), retried, "message(id:) after retryMessage(id:at:)")
            try await expect(!store.retryMessage(id: message.id, at: Fixture.date(300)), "retryMessage(id:at:) of the retried, pending message")
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: Fixture.date(400), at: Fixture.date(199)),
                [],
                "a claim a second before the retried message is due"
            )
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: Fixture.date(400), at: Fixture.date(200)),
                [leased(retried, until: 400)],
                "a claim when the retried message is due"
            )
        },
    ]

    private static let lateOutcomeChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(
            .outbox,
            "outcomes-only-once",
            "An outcome changes a pending message only: a courier whose lease ran out cannot overwrite what another recorded"
        ) { store in
            let message = Fixture.message("m-1")
            try await store.enqueue([message])
            _ = try await store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(100), at: Fixture.date(10))
            // The lease ran out; a second courier claimed and delivered the message.
            _ = try await store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(300), at: Fixture.date(200))
            try await store.markSent(id: message.id, at: Fixture.date(210))
            var delivered = message
            delivered.status = .sent
            delivered.sentAt = Fixture.date(210)
            delivered.payload = ""
            delivered.attempts = 1
            // The first courier's late outcomes.
            try await store.markFailed(id: message.id, attempts: 1, error: "timeout", at: Fixture.date(220))
            try await store.markForRetry(id: message.id, attempts: 1, nextAttemptAt: Fixture.date(230), error: "timeout")
            try await store.markSent(id: message.id, at: Fixture.date(240))
            try await expectEqual(store.message(id: message.id), delivered, "message(id:) after late outcomes of a sent message")

            let refused = Fixture.message("m-2")
            try await store.enqueue([refused])
            _ = try await store.claimMessages(channel: .mail, limit: 1, leaseUntil: Fixture.date(400), at: Fixture.date(300))
            try await store.markFailed(id: refused.id, attempts: 1, error: "550 mailbox unavailable", at: Fixture.date(310))
            try await store.markSent(id: refused.id, at: Fixture.date(320))
            try await store.markForRetry(id: refused.id, attempts: 2, nextAttemptAt: Fixture.date(330), error: "timeout")
            var failedMessage = refused
            failedMessage.status = .failed
            failedMessage.attempts = 1
            failedMessage.lastError = "550 mailbox unavailable"
            failedMessage.nextAttemptAt = Fixture.date(310)
            try await expectEqual(store.message(id: refused.id), failedMessage, "message(id:) after late outcomes of a failed message")
        }
    ]

    private static let listingChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.outbox, "listing", "Messages are listed newest (greatest id) first, all or by status, up to a limit") { store in
            try await store.enqueue([
                failed(Fixture.message("m-3"), attempts: 5),
                sent(Fixture.message("m-1"), at: 1),
                sent(Fixture.message("m-5"), at: 5),
                Fixture.message("m-2"),
                Fixture.message("m-4", channel: .webhook, kind: "account_created"),
            ])
            try await expectEqual(store.messages(status: nil, limit: 10).map(\.id), ["m-5", "m-4", "m-3", "m-2", "m-1"], "ids of every message")
            try await expectEqual(store.messages(status: nil, limit: 2).map(\.id), ["m-5", "m-4"], "ids of the 2 newest messages")
            try await expectEqual(store.messages(status: .pending, limit: 10).map(\.id), ["m-4", "m-2"], "ids of the pending messages")
            try await expectEqual(store.messages(status: .sent, limit: 1).map(\.id), ["m-5"], "ids of the newest sent message")
            try await expectEqual(store.messages(status: .failed, limit: 10).map(\.id), ["m-3"], "ids of the failed messages")
            try await expectEqual(store.messages(status: nil, limit: 0), [], "messages(status: nil, limit: 0)")
        },

        StoreConformanceCheck(
            .outbox,
            "delete-ended",
            "Messages sent, and failed ones last due, before a date are deleted and counted; pending ones never are"
        ) { store in
            var retrying = Fixture.message("m-6", dueAt: 10)
            retrying.attempts = 3
            retrying.lastError = "421 try again later"
            try await store.enqueue([
                sent(Fixture.message("m-1"), at: 50),
                // Due long before the cut-off, sent after it: its sending time counts.
                sent(Fixture.message("m-2"), at: 150),
                failed(Fixture.message("m-3", dueAt: 80), attempts: 5),
                failed(Fixture.message("m-4", dueAt: 100), attempts: 5),
                Fixture.message("m-5"),
                retrying,
            ])
            try await expectEqual(
                store.deleteMessages(endedBefore: Fixture.date(100)),
                2,
                "deleteMessages(endedBefore: date(100)) count: the message sent at date(50), the failed one last due at date(80)"
            )
            try await expectEqual(store.messages(status: nil, limit: 10).map(\.id), ["m-6", "m-5", "m-4", "m-2"], "ids of the messages left")
            try await expectEqual(store.deleteMessages(endedBefore: Fixture.date(100)), 0, "deleteMessages(endedBefore: date(100)) the second time")
            try await expectEqual(
                store.deleteMessages(endedBefore: Fixture.date(1_000)),
                2,
                "deleteMessages(endedBefore: date(1000)) count: the message sent at date(150), the failed one last due at date(100)"
            )
            try await expectEqual(store.messages(status: nil, limit: 10).map(\.id), ["m-6", "m-5"], "ids of the pending messages, never deleted")
        },
    ]

    // MARK: Messages

    /// `message` as a courier leaves it once sent at `date(seconds)`: one attempt, no payload.
    static func sent(_ message: OutboxMessage, at seconds: Int) -> OutboxMessage {
        var message = message
        message.status = .sent
        message.attempts = 1
        message.payload = ""
        message.sentAt = Fixture.date(seconds)
        return message
    }

    /// `message` as a courier leaves it once it gave up after `attempts` attempts.
    static func failed(_ message: OutboxMessage, attempts: Int) -> OutboxMessage {
        var message = message
        message.status = .failed
        message.attempts = attempts
        message.lastError = "550 mailbox unavailable"
        return message
    }

    /// `message` leased until `date(seconds)`, as a claim returns it.
    private static func leased(_ message: OutboxMessage, until seconds: Int) -> OutboxMessage {
        var message = message
        message.leasedUntil = Fixture.date(seconds)
        return message
    }
}
