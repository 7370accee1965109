import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// The fixtures of the behavioural scenarios: secret `987654321`, a request from IP `12345678` with
/// user agent `IE`, and the account `antoniopresto` / `antonio@example.com`. Its password is a
/// passphrase: the scenarios' `1234567` is too short and too common for the password policy.
enum Fixture {
    static let secret = "987654321"
    static let username = "antoniopresto"
    static let email = "antonio@example.com"
    static let password = "antonio's long passphrase"

    static func request(token: String? = nil, ip: String? = "12345678", userAgent: String? = "IE") -> SessionRequest {
        SessionRequest(authToken: token, requestIp: ip, userAgent: userAgent, onCallDestroySession: { _ in })
    }
}

/// One test's world: a memory store, a manual clock, a seeded random source and cheap scrypt.
struct World {
    let clock: ManualWallClock
    let store: MemoryStore
    let accounts: Accounts

    var sessions: Sessions { accounts.sessions }

    init(configure: (inout AccountsOptions) -> Void = { _ in }) {
        let clock = ManualWallClock()
        self.clock = clock
        store = MemoryStore(clock: clock)
        var sessionOptions = SessionsOptions(getTokenSecret: { _ in Fixture.secret })
        sessionOptions.clock = clock
        sessionOptions.random = SeededRandomSource(seed: 42)
        var options = AccountsOptions(sessions: sessionOptions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4)
        configure(&options)
        accounts = Accounts(store: store, options: options)
    }

    @discardableResult
    func createUser(_ username: String = Fixture.username, email: String = Fixture.email, password: String = Fixture.password) async throws -> Account
    {
        try await accounts.createAccount(CreateAccountInput(username: username, email: email, password: password))
    }

    /// Creates the fixture account and logs it in; returns the login result and the request.
    func login(userAgent: String = "IE", ip: String = "12345678") async throws -> (LoginResult, SessionRequest) {
        if try await accounts.findUser(username: Fixture.username) == nil { try await createUser() }
        let request = Fixture.request(ip: ip, userAgent: userAgent)
        let result = try await accounts.userByPasswordLogin(username: Fixture.username, password: Fixture.password, request: request)
        return (result, request)
    }

    /// Sends `token` as a fresh request and returns the request after handling.
    @discardableResult
    func send(_ token: String, userAgent: String = "IE", ip: String = "12345678") async throws -> SessionRequest {
        try await sessions.handleRequest(Fixture.request(token: token, ip: ip, userAgent: userAgent))
    }

    func storedSession(_ id: String) async throws -> SessionRecord {
        try #require(try await store.session(id: id))
    }
}

/// Asserts that `body` throws an `AccountError` with `code`.
func expectAccountError(_ code: AccountError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected AccountError(\(code)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as AccountError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected AccountError(\(code)), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Decodes a segment of a compact JWT into a JSON object.
func jwtSegment(_ token: String, _ index: Int) throws -> [String: Any] {
    var segment = String(token.split(separator: ".", omittingEmptySubsequences: false)[index])
    segment = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while segment.count % 4 != 0 { segment += "=" }
    let data = try #require(Data(base64Encoded: segment))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// base64url without padding, for building hostile tokens by hand.
func base64url(_ bytes: some Sequence<UInt8>) -> String {
    Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

func base64url(_ text: String) -> String { base64url(Array(text.utf8)) }
