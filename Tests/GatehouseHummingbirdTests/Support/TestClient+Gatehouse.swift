import Foundation
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

extension HTTPField.Name {
    static let authToken = HTTPField.Name("Auth-Token")!
    static let csrf = HTTPField.Name("X-Gatehouse-CSRF")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let transport = HTTPField.Name("Gatehouse-Transport")!
}

/// The session cookie's default name.
let sessionCookieName = "__Host-gatehouse"

extension TestClientProtocol {
    /// Sends a request the way a client of the API would: the test user agent, the credential, and a
    /// JSON (or raw) body.
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ credential: Credential = .none,
        json: String? = nil,
        rawBody: [UInt8]? = nil,
        headers extra: HTTPFields = [:],
        userAgent: String? = Harness.userAgent
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let userAgent { headers[.userAgent] = userAgent }
        switch credential {
        case .none: break
        case .bearer(let token): headers[.authorization] = "Bearer \(token)"
        case .cookie(let token): headers[.cookie] = "theme=dark; \(sessionCookieName)=\(token)"
        }
        let bytes = rawBody ?? json.map { Array($0.utf8) }
        if bytes != nil { headers[.contentType] = "application/json" }
        headers.append(contentsOf: extra)
        return try await execute(uri: uri, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) })
    }

    /// Signs up through the API.
    @discardableResult
    func signUp(_ username: String = "alice", password: String = Harness.password) async throws -> TestResponse {
        try await send(.post, "/v1/accounts", json: #"{"username":"\#(username)","email":"\#(username)@example.com","password":"\#(password)"}"#)
    }

    /// Logs in through the API and returns the response.
    func logIn(
        _ username: String = "alice",
        password: String = Harness.password,
        headers: HTTPFields = [:],
        userAgent: String = Harness.userAgent
    ) async throws -> TestResponse {
        try await send(.post, "/v1/login", json: #"{"username":"\#(username)","password":"\#(password)"}"#, headers: headers, userAgent: userAgent)
    }

    /// Logs in and returns the token, failing the test when the login fails.
    func token(_ username: String = "alice", userAgent: String = Harness.userAgent) async throws -> String {
        let response = try await logIn(username, userAgent: userAgent)
        #expect(response.status == .ok)
        return try #require(response.object["authToken"] as? String)
    }
}

extension TestResponse {
    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// The body as text.
    var text: String { String(buffer: body) }

    /// The error code of an error body.
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }

    /// The error message of an error body.
    var errorMessage: String? { (object["error"] as? [String: Any])?["message"] as? String }

    /// The renewed token, if the response carries one.
    var renewedToken: String? { headers[.authToken] }

    /// The `Set-Cookie` values for the session cookie.
    var sessionCookies: [String] { headers[values: .setCookie].filter { $0.hasPrefix("\(sessionCookieName)=") } }

    /// The token the session cookie is set to (`nil` when not set, `""` when cleared).
    var cookieToken: String? {
        guard let cookie = sessionCookies.first else { return nil }
        let pair = cookie.split(separator: ";", maxSplits: 1).first ?? ""
        return String(pair.dropFirst(sessionCookieName.count + 1))
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The nested object at `key`.
    subscript(object key: String) -> [String: Any] {
        self[key] as? [String: Any] ?? [:]
    }
}
