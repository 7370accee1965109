import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// JSON routes accept only `application/json` bodies: a cross-site form can send `text/plain`, form and
/// multipart bodies without a preflight — and a JSON text in a `text/plain` body — but never
/// `application/json`.
@Suite("Content-Type of JSON bodies")
struct MediaTypeTests {
    static let refused: [String?] = [
        nil, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/jsonp", "application/json-patch+json", "text/json", "",
    ]
    static let accepted = ["application/json", "application/json; charset=utf-8", "Application/JSON", "APPLICATION/JSON;charset=UTF-8"]

    static func post(
        _ client: some TestClientProtocol,
        _ path: String,
        json: String,
        contentType: String?,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.userAgent: Harness.userAgent]
        if let contentType { headers[.contentType] = contentType }
        headers.append(contentsOf: extra)
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    static let loginBody = #"{"username":"alice","password":"\#(Harness.password)"}"#

    static func signUpBody(_ username: String) -> String {
        #"{"username":"\#(username)","email":"\#(username)@example.com","password":"\#(Harness.password)"}"#
    }

    @Test("POST /v1/login with a body that is not declared application/json is 415 UnsupportedMediaType", arguments: refused)
    func loginRefused(contentType: String?) async throws {
        let harness = try Harness()
        let account = try await harness.createAccount()
        try await harness.live { client in
            let response = try await Self.post(client, "/v1/login", json: Self.loginBody, contentType: contentType)
            #expect(response.status == .unsupportedMediaType)
            #expect(response.errorCode == "UnsupportedMediaType")
            #expect(response.errorMessage?.isEmpty == false)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[values: .setCookie].isEmpty && response.headers[.authToken] == nil)
        }
        #expect(try await harness.accounts.sessions(ofAccount: account.accountID).isEmpty)
    }

    @Test("POST /v1/accounts with a body that is not declared application/json is 415 UnsupportedMediaType", arguments: refused)
    func signUpRefused(contentType: String?) async throws {
        let harness = try Harness()
        try await harness.live { client in
            let response = try await Self.post(client, "/v1/accounts", json: Self.signUpBody("mallory"), contentType: contentType)
            #expect(response.status == .unsupportedMediaType)
            #expect(response.errorCode == "UnsupportedMediaType")
        }
        #expect(try await harness.accounts.account(username: "mallory") == nil)
    }

    @Test("application/json is accepted with parameters and in any letter case", arguments: accepted)
    func jsonAccepted(contentType: String) async throws {
        let harness = try Harness()
        try await harness.live { client throws in
            #expect(try await Self.post(client, "/v1/accounts", json: Self.signUpBody("alice"), contentType: contentType).status == .created)
            #expect(try await Self.post(client, "/v1/login", json: Self.loginBody, contentType: contentType).status == .ok)
        }
    }

    @Test("Refused bodies are not login attempts: they count against no limit")
    func refusedBodiesAreNotAttempts() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.live { client throws in
            let wrong = #"{"username":"alice","password":"not the password"}"#
            for _ in 0..<10 {
                #expect(try await Self.post(client, "/v1/login", json: wrong, contentType: "text/plain").status == .unsupportedMediaType)
            }
            #expect(try await client.logIn().status == .ok)
        }
    }
}
