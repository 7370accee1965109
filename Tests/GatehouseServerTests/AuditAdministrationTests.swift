import Foundation
import Gatehouse
import GatehouseServer
import GatehouseTesting
import Testing

@Suite("Administration and the audit log: operators' changes, their listing, and their webhooks")
struct AuditAdministrationTests {
    @Test("An operator's changes are recorded as the operator's; the listing filters by account and time and names usernames")
    func operatorEvents() async throws {
        let store = MemoryStore()
        let admin = Administration(store: store, passwordHasher: cheapHasher, logger: quietLogger)
        _ = try await admin.createAccount(username: "lin", email: "lin@example.com", password: "correct horse battery")
        _ = try await admin.createAccount(username: "ada", email: "ada@example.com", password: "correct horse battery")
        let accounts = makeAccounts(store: store, ring: KeyRing(signingKey: try SigningKey(secret: "a-secret-a-secret-a-secret-a-secret")))
        _ = try await login(accounts, username: "lin", password: "correct horse battery")
        _ = try await admin.deactivateAccount(username: "lin")
        let reactivated = try await admin.reactivateAccount(username: "lin")
        #expect(!reactivated.deactivated)
        await #expect(throws: AccountError(.userNotFound)) { try await admin.reactivateAccount(username: "nobody") }
        let rotated = try await admin.rotateSigningKey()
        _ = try await admin.rotateSigningKey()
        try await admin.retireSigningKey(kid: rotated.new.kid)

        let all = try await admin.auditEvents(username: nil, since: nil, limit: 100)
        #expect(
            all.map(\.event.kind) == [
                .signingKeyRetired, .signingKeyRotated, .signingKeyRotated, .accountReactivated, .sessionRevoked, .accountDeactivated,
                .loginSucceeded,
                .accountCreated, .accountCreated,
            ]
        )
        #expect(all.filter { $0.event.kind != .loginSucceeded }.allSatisfy { $0.event.actor == .operator })
        #expect(all.first { $0.event.kind == .loginSucceeded }?.event.actor == .user)
        #expect(all[0].event.details == ["kid": rotated.new.kid] && all[0].username == nil)
        #expect(all.first { $0.event.kind == .sessionRevoked }?.event.details == ["reason": "deactivated", "scope": "all"])

        let lin = try await admin.auditEvents(username: "lin", since: nil, limit: 100)
        #expect(lin.map(\.event.kind) == [.accountReactivated, .sessionRevoked, .accountDeactivated, .loginSucceeded, .accountCreated])
        #expect(lin.allSatisfy { $0.username == "lin" })
        #expect(try await admin.auditEvents(username: nil, since: nil, limit: 2).count == 2)
        #expect(try await admin.auditEvents(username: nil, since: Date().addingTimeInterval(3_600), limit: 100).isEmpty)
        await #expect(throws: AccountError(.userNotFound)) { try await admin.auditEvents(username: "nobody", since: nil, limit: 10) }
    }

    @Test("With webhook endpoints, an operator's changes are announced to each of them")
    func operatorWebhooks() async throws {
        let store = MemoryStore()
        let endpoints = try Administration.webhookEndpoints(environment: [
            "GATEHOUSE_WEBHOOK_URLS": " https://Hooks.Example.com:443/in , http://127.0.0.1:9000/hooks,https://hooks.example.com/in"
        ])
        #expect(endpoints == ["https://hooks.example.com/in", "http://127.0.0.1:9000/hooks"])
        let admin = Administration(store: store, passwordHasher: cheapHasher, webhookEndpoints: endpoints, logger: quietLogger)
        _ = try await admin.createAccount(username: "lin", email: "lin@example.com", password: "correct horse battery")
        let calls = try await store.messages(status: .pending, limit: 10).filter { $0.channel == .webhook }
        #expect(calls.map(\.kind) == ["account.created", "account.created"])
        #expect(Set(calls.map(\.recipient)) == Set(endpoints))
    }

    @Test(
        "A webhook variable that is not a list of http(s) URLs is refused without repeating it",
        arguments: ["ftp://hooks.example.com/", "https://user:hunter2@hooks.example.com/", "not a url", "https://"]
    )
    func badWebhookVariable(_ value: String) throws {
        let error = #expect(throws: ServerConfigurationError.self) {
            try Administration.webhookEndpoints(environment: ["GATEHOUSE_WEBHOOK_URLS": value])
        }
        #expect(error?.description.contains("GATEHOUSE_WEBHOOK_URLS") == true)
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test("The record sweeper deletes audit events past the retention, and keeps the others")
    func retention() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        let admin = Administration(store: store, passwordHasher: cheapHasher, clock: clock, logger: quietLogger)
        _ = try await admin.createAccount(username: "lin", email: "lin@example.com", password: "correct horse battery")
        clock.advance(by: 10 * 86_400)
        _ = try await admin.deactivateAccount(username: "lin")
        clock.advance(by: 85 * 86_400)
        let sweeper = RecordSweeper(store: store, clock: clock, logger: quietLogger)
        #expect(try await sweeper.sweepOnce().auditEvents == 1)
        #expect(try await admin.auditEvents(username: nil, since: nil, limit: 10).map(\.event.kind) == [.accountDeactivated])
    }
}
