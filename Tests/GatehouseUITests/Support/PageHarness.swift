import Foundation
import Gatehouse
import GatehouseHummingbird
import GatehouseTesting
import GatehouseUI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// One server for one test: `Accounts` on a `MemoryStore` with a manual clock and cheap scrypt, the
/// Gatehouse router with the account pages added under `/ui/`, and a way to run it in process or on a
/// real socket on 127.0.0.1.
struct PageHarness: Sendable {
    static let password = "correct horse battery"
    static let secret = "test-secret-for-the-gatehouse-ui-pages-0123456789"
    /// A logger that says nothing: the pages and the core log every refusal at `info`.
    static let quiet = Logger(label: "gatehouse.ui.tests") { _ in SwiftLogNoOpLogHandler() }

    let clock: ManualWallClock
    let store: MemoryStore
    let accounts: Accounts
    let http: GatehouseHTTPConfiguration
    let configuration: AccountPagesConfiguration

    init(
        http: GatehouseHTTPConfiguration = GatehouseHTTPConfiguration(),
        pages configuration: AccountPagesConfiguration = AccountPagesConfiguration(),
        accounts configure: (inout AccountsOptions) -> Void = { _ in }
    ) {
        let clock = ManualWallClock()
        var sessions = SessionsOptions(getTokenSecret: { _ in PageHarness.secret })
        sessions.clock = clock
        sessions.logger = Self.quiet
        var options = AccountsOptions(sessions: sessions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4)
        configure(&options)
        let store = MemoryStore(clock: clock)
        self.clock = clock
        self.store = store
        self.accounts = Accounts(store: store, options: options)
        self.http = http
        self.configuration = configuration
    }

    /// The Gatehouse router (the JSON API) with the account pages added.
    func router() throws -> Router<GatehouseRequestContext> {
        let router = makeGatehouseRouter(accounts: accounts, configuration: http, logger: Self.quiet)
        try addAccountPages(to: router, accounts: accounts, http: http, configuration: configuration)
        return router
    }

    /// An application around ``router()``, listening on an ephemeral loopback port when run live.
    func application() throws -> Application<RouterResponder<GatehouseRequestContext>> {
        Application(router: try router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Self.quiet)
    }

    /// Runs `body` against the router, in process.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await application().test(.router, body)
    }

    /// Runs `body` against the router served on a real socket on 127.0.0.1.
    func live<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await application().test(.live, body)
    }

    /// Creates an account directly through the core.
    @discardableResult
    func createAccount(_ username: String = "alice", password: String = PageHarness.password) async throws -> Account {
        try await accounts.createAccount(CreateAccountInput(username: username, email: "\(username)@example.com", password: password))
    }

    /// The account with this username, read from the core.
    func account(_ username: String = "alice") async throws -> Account? {
        try await accounts.account(username: username)
    }

    /// The sessions of `username` that have not ended.
    func sessions(of username: String = "alice") async throws -> [SessionDocument] {
        guard let account = try await account(username) else { return [] }
        return try await accounts.sessions(ofAccount: account.accountID)
    }

    /// The messages in the store's outbox, oldest first; only those of `kind` when given.
    func outbox(kind: String? = nil) async throws -> [OutboxMessage] {
        try await store.messages(status: nil, limit: 1_000).reversed().filter { kind == nil || $0.kind == kind }
    }

    /// The values a message is rendered from (its JSON payload).
    static func payload(of message: OutboxMessage) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(message.payload.utf8))
    }

    /// The link in a message, as the page it opens (`/ui/reset?token=…`), and its token.
    static func link(in message: OutboxMessage) throws -> (path: String, token: String) {
        let link = try #require(try payload(of: message)["link"], "the message has a link")
        let components = try #require(URLComponents(string: link))
        let token = try #require(components.queryItems?.first { $0.name == "token" }?.value, "the link has a token")
        return (components.path + "?token=" + token, token)
    }

    /// The token of the only pending message of `kind`.
    func linkToken(kind: String) async throws -> (path: String, token: String) {
        let messages = try await outbox(kind: kind)
        try #require(messages.count == 1, "one \(kind) message, not \(messages.count)")
        return try Self.link(in: messages[0])
    }
}

/// The user agents the browsers in the tests claim to be.
enum UserAgent {
    static let chromeLinux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
    static let safariIPhone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
    static let firefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
}

/// The session cookie's default name.
let sessionCookieName = "__Host-gatehouse"
/// The name of the cookie that holds the browser's form secret.
let csrfCookieName = "__Host-gatehouse_ui_csrf"

/// A small browser: it keeps the cookies the server sets (honouring `Path` and `Max-Age=0`), always
/// sends the same `User-Agent`, posts URL-encoded forms, and follows no redirect, so a test sees every
/// `303` and its `Location`.
actor Browser {
    private struct Cookie {
        var value: String
        var path: String
    }

    let client: any TestClientProtocol
    let userAgent: String
    private var jar: [String: Cookie] = [:]

    init(_ client: any TestClientProtocol, userAgent: String = UserAgent.chromeLinux) {
        self.client = client
        self.userAgent = userAgent
    }

    /// `GET path`.
    func get(_ path: String) async throws -> Page {
        try await send(.get, path)
    }

    /// Posts exactly `fields`, URL-encoded, as an HTML form does.
    func post(_ path: String, _ fields: [(String, String)], contentType: String = "application/x-www-form-urlencoded") async throws -> Page {
        try await send(.post, path, body: Browser.encode(fields), contentType: contentType)
    }

    /// Posts `fields` with the CSRF token `page` showed, as a person submitting a form on it would.
    func submit(_ path: String, _ fields: [(String, String)] = [], from page: Page) async throws -> Page {
        let token = try #require(page.csrfToken, "the page has a form with a csrf_token")
        return try await post(path, [("csrf_token", token)] + fields)
    }

    /// Opens `formPage`, then submits `fields` to `path` with its token.
    func submit(_ path: String, _ fields: [(String, String)] = [], via formPage: String) async throws -> Page {
        let page = try await get(formPage)
        try #require(page.status == .ok, "\(formPage) shows a form")
        return try await submit(path, fields, from: page)
    }

    /// Signs up through the form.
    @discardableResult
    func signUp(_ username: String = "alice", password: String = PageHarness.password) async throws -> Page {
        let page = try await submit(
            "/ui/signup",
            [("username", username), ("email", "\(username)@example.com"), ("password", password)],
            via: "/ui/signup"
        )
        #expect(page.status == .seeOther, "sign-up succeeds")
        return page
    }

    /// Logs in through the form.
    @discardableResult
    func logIn(_ username: String = "alice", password: String = PageHarness.password) async throws -> Page {
        let page = try await submit("/ui/login", [("username", username), ("password", password)], via: "/ui/login")
        #expect(page.status == .seeOther, "login succeeds")
        return page
    }

    /// The value of cookie `name` in the jar.
    func cookie(_ name: String) -> String? { jar[name]?.value }

    /// The session token the browser holds.
    var sessionToken: String? { cookie(sessionCookieName) }

    /// Puts a cookie in the jar, as if the server had set it.
    func setCookie(_ name: String, _ value: String, path: String = "/") {
        jar[name] = Cookie(value: value, path: path)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, contentType: String? = nil) async throws -> Page {
        var headers = HTTPFields()
        headers[.userAgent] = userAgent
        let requestPath = String(path.prefix { $0 != "?" })
        let cookies = jar.filter { requestPath.hasPrefix($0.value.path) }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.value)" }
        if !cookies.isEmpty { headers[.cookie] = cookies.joined(separator: "; ") }
        if let contentType { headers[.contentType] = contentType }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let page = Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        for setting in page.headers[values: .setCookie] { store(setting) }
        return page
    }

    private func store(_ setting: String) {
        let parts = setting.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<equals])
        let value = String(pair[pair.index(after: equals)...])
        var path = "/"
        var expired = value.isEmpty
        for attribute in parts.dropFirst() {
            let lowered = attribute.lowercased()
            if lowered.hasPrefix("path=") { path = String(attribute.dropFirst(5)) }
            if lowered == "max-age=0" { expired = true }
        }
        if expired {
            jar[name] = nil
        } else {
            jar[name] = Cookie(value: value, path: path)
        }
    }

    /// `application/x-www-form-urlencoded`, as a browser writes it.
    static func encode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._* ")
        func escape(_ text: String) -> String {
            (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: " ", with: "+")
        }
        return fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}
