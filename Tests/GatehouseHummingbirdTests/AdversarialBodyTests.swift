import Foundation
import Gatehouse
import GatehouseTesting
import HTTPTypes
import NIOCore
import Synchronization
import Testing

/// Hostile JSON bodies and hostile account input: refused with `400`/`413`/`409` (or the login's one
/// `401`) before anything is written, whatever the bytes.
@Suite("Adversarial request bodies and account input")
struct AdversarialBodyTests {
    typealias Case = AdversarialCase
    typealias Probe = AdversarialCase.Probe
    static let invalid = "InvalidRequest"

    /// A sign-up body with the given fields, JSON-escaped by Foundation so that any string can be sent.
    static func signUp(username: String = "mallory", email: String = "mallory@example.com", password: String = "correct horse battery") -> Probe {
        let data = try! JSONSerialization.data(withJSONObject: ["username": username, "email": email, "password": password], options: [.sortedKeys])
        return .json("/v1/accounts", Array(data))
    }

    static func login(username: String, password: String = Harness.password) -> Probe {
        let data = try! JSONSerialization.data(withJSONObject: ["username": username, "password": password], options: [.sortedKeys])
        return .json("/v1/login", Array(data))
    }

    static let bodies: [Case] = [
        Case("a 1 MiB body", .contentTooLarge, "PayloadTooLarge") { _ in
            .json("/v1/accounts", #"{"username":"mallory","email":"m@example.com","password":"\#(String(repeating: "p", count: 1 << 20))"}"#)
        },
        Case("arrays nested 30,000 deep", .badRequest, invalid) { _ in
            .json("/v1/accounts", #"{"username":"# + String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000) + "}")
        },
        Case("objects nested 5,000 deep", .badRequest, invalid) { _ in
            .json("/v1/login", String(repeating: #"{"username":"#, count: 5_000) + "1" + String(repeating: "}", count: 5_000))
        },
        Case("wrong types: username a number", .badRequest, invalid) { _ in
            .json("/v1/accounts", #"{"username":1,"email":"m@example.com","password":"correct horse battery"}"#)
        },
        Case("wrong types: password an array", .badRequest, invalid) { _ in
            .json("/v1/login", #"{"username":"alice","password":["correct horse battery"]}"#)
        },
        Case("wrong types: email null", .badRequest, invalid) { _ in
            .json("/v1/accounts", #"{"username":"mallory","email":null,"password":"correct horse battery"}"#)
        },
        Case("the body a JSON string", .badRequest, invalid) { _ in .json("/v1/login", #""alice""#) },
        Case("the body JSON null", .badRequest, invalid) { _ in .json("/v1/login", "null") },
        Case("invalid UTF-8", .badRequest, invalid) { _ in
            .json("/v1/login", Array(#"{"username":"ali"#.utf8) + [0xC3, 0x28] + Array(#"ce","password":"correct horse battery"}"#.utf8))
        },
        Case("overlong UTF-8 for a slash", .badRequest, invalid) { _ in
            .json(
                "/v1/accounts",
                Array(#"{"username":"mallory","email":"m@example.com","password":"correct horse"#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)
            )
        },
        Case("UTF-16 JSON without a byte-order mark", .badRequest, invalid) { _ in
            .json("/v1/login", Array(#"{"username":"alice","password":"correct horse battery"}"#.data(using: .utf16LittleEndian)!))
        },
        Case("UTF-32 JSON", .badRequest, invalid) { _ in
            .json("/v1/login", Array(#"{"username":"alice","password":"correct horse battery"}"#.data(using: .utf32BigEndian)!))
        },
        Case("a lone surrogate escape", .badRequest, invalid) { _ in
            .json("/v1/accounts", #"{"username":"mal\ud800lory","email":"m@example.com","password":"correct horse battery"}"#)
        },
        Case("a byte-order mark and trailing garbage", .badRequest, invalid) { _ in
            .json("/v1/login", [0xEF, 0xBB, 0xBF] + Array(#"{"username":"alice","password":"correct horse battery"} trailing"#.utf8))
        },
        Case("an empty body", .badRequest, invalid) { _ in .json("/v1/accounts", []) },
    ]

    static let usernames: [Case] = [
        Case("username with a NUL", .badRequest, invalid) { _ in signUp(username: "mal\u{0}lory") },
        Case("username with a newline", .badRequest, invalid) { _ in signUp(username: "mallory\n") },
        Case("username with a right-to-left override", .badRequest, invalid) { _ in signUp(username: "\u{202E}yrollam") },
        Case("username with a zero-width space", .badRequest, invalid) { _ in signUp(username: "mal\u{200B}lory") },
        Case("username with a Cyrillic look-alike", .badRequest, invalid) { _ in signUp(username: "\u{430}lice") },
        Case("username in full-width letters", .badRequest, invalid) { _ in signUp(username: "\u{FF41}\u{FF4C}\u{FF49}\u{FF43}\u{FF45}") },
        Case("username of 10 KB", .badRequest, invalid) { _ in signUp(username: String(repeating: "a", count: 10_000)) },
        Case("username differing only in case from an existing one", .conflict, "Conflict") { _ in
            signUp(username: "ALICE", email: "other@example.com")
        },
        Case("username with a Kelvin sign that folds into an existing one", .conflict, "Conflict") { _ in
            signUp(username: "\u{212A}elvin", email: "other@example.com")
        },
        Case("login with a 10 KB username", .unauthorized, "LoginFailed") { _ in login(username: String(repeating: "a", count: 10_000)) },
        Case("login with control characters in the username", .unauthorized, "LoginFailed") { _ in login(username: "alice\u{0}\u{7}") },
        Case("login with a look-alike of an existing username", .unauthorized, "LoginFailed") { _ in login(username: "\u{430}lice") },
    ]

    static let emails: [Case] = [
        Case("e-mail with a NUL", .badRequest, invalid) { _ in signUp(email: "mal\u{0}lory@example.com") },
        Case("e-mail with a newline (header injection)", .badRequest, invalid) { _ in signUp(email: "mallory@example.com\nBcc: victim@example.com") },
        Case("e-mail with a C1 control character", .badRequest, invalid) { _ in signUp(email: "mallory\u{80}@example.com") },
        Case("e-mail with a zero-width space", .badRequest, invalid) { _ in signUp(email: "alice\u{200B}@example.com") },
        Case("e-mail with a right-to-left override", .badRequest, invalid) { _ in signUp(email: "mallory@\u{202E}moc.elpmaxe") },
        Case("e-mail with a byte-order mark", .badRequest, invalid) { _ in signUp(email: "\u{FEFF}alice@example.com") },
        Case("e-mail of 10 KB", .badRequest, invalid) { _ in signUp(email: String(repeating: "m", count: 10_000) + "@example.com") },
        Case("e-mail differing only in case from an existing one", .conflict, "Conflict") { _ in signUp(email: "ALICE@Example.COM") },
        Case("e-mail spelled with a combining accent where one is taken precomposed", .conflict, "Conflict") { _ in
            signUp(email: "jose\u{301}@example.com")
        },
        Case("e-mail with a Kelvin sign that folds into a taken one", .conflict, "Conflict") { _ in signUp(email: "\u{212A}elvin@example.com") },
    ]

    @Test("Huge, nested, mistyped and non-UTF-8 bodies", arguments: bodies)
    func body(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("Usernames with control characters, look-alikes and 10 KB lengths", arguments: usernames)
    func username(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("E-mail addresses with control characters, invisible characters, look-alikes and 10 KB lengths", arguments: emails)
    func email(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("An address in another script is another address: it signs up, and the look-alike account is untouched")
    func lookAlikeAddressInAnotherScript() async throws {
        let (harness, ring) = try AdversarialWorld.makeHarness()
        try await harness.test { client in
            let world = try await AdversarialWorld.build(harness, ring: ring, client: client)
            let before = try await world.snapshot()
            let probe = Self.signUp(email: "\u{430}lice@example.com")
            let response = try await client.execute(
                uri: probe.path,
                method: probe.method,
                headers: probe.headers,
                body: probe.body.map { ByteBuffer(bytes: $0) }
            )
            #expect(response.status == .created)
            let after = try await world.snapshot()
            #expect(after.accounts.count == before.accounts.count + 1)
            for account in before.accounts {
                #expect(after.accounts.first { $0.accountID == account.accountID } == account)
                #expect(after.contacts[account.accountID] == before.contacts[account.accountID])
                #expect(after.sessions[account.accountID] == before.sessions[account.accountID])
            }
            #expect(try await client.send(.get, "/v1/me", .bearer(world.aliceToken)).status == .ok)
        }
    }

    @Test("Failed logins with huge usernames and addresses keep the throttle's keys bounded")
    func throttleKeysAreBounded() async throws {
        let store = KeyRecordingThrottleStore()
        let generous = RateLimit(count: 1_000, window: .seconds(900))
        let throttle = LoginThrottle(
            limits: .init(perPair: generous, perAddress: generous, perAccount: generous),
            store: store,
            clock: ManualWallClock()
        )
        for index in 0..<50 {
            _ = try await throttle.reserve(username: String(repeating: "u", count: 60_000) + String(index), ip: "203.0.113.\(index)")
            _ = try await throttle.reserve(username: "alice", ip: String(repeating: "7", count: 60_000) + String(index))
        }
        // Three keys per attempt, none much longer than a digest: nowhere near 60 KB each.
        let keys = store.keys
        #expect(keys.count == 100 * 3)
        #expect(keys.allSatisfy { $0.utf8.count < 160 })
    }
}

/// A memory store's throttle that remembers every key an attempt was counted under.
private final class KeyRecordingThrottleStore: ThrottleStore {
    private let inner = MemoryStore()
    private let recorded = Mutex<[String]>([])

    var keys: [String] { recorded.withLock { $0 } }

    func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict {
        recorded.withLock { $0.append(contentsOf: limits.map(\.key)) }
        return try await inner.reserveAttempt(under: limits, at: date)
    }

    func releaseAttempt(keys: [String], at date: Date) async throws {
        try await inner.releaseAttempt(keys: keys, at: date)
    }

    func clearAttempts(keys: [String], prefixes: [String]) async throws {
        try await inner.clearAttempts(keys: keys, prefixes: prefixes)
    }

    func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws {
        try await inner.recordTrustedAddress(address, account: account, at: date)
    }

    func forgetTrustedAddresses(account: String) async throws {
        try await inner.forgetTrustedAddresses(account: account)
    }

    func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool {
        try await inner.isTrustedAddress(address, account: account, since: date)
    }

    func deleteThrottleState(endedBefore date: Date) async throws -> Int {
        try await inner.deleteThrottleState(endedBefore: date)
    }
}
