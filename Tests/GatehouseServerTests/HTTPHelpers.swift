import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The parts of the API's answers the tests read.
struct LoginReply: Decodable {
    struct AccountReply: Decodable { var username: String }
    var authToken: String
    var account: AccountReply
}

struct MeReply: Decodable {
    struct AccountReply: Decodable { var username: String }
    struct SessionReply: Decodable { var id: String }
    var account: AccountReply
    var session: SessionReply
}

struct ErrorReply: Decodable {
    struct Detail: Decodable { var code: String }
    var error: Detail
}

/// A JSON request body.
func jsonBody(_ object: [String: String]) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
}

/// Headers of a JSON request from a command-line client, optionally with a bearer token.
func headers(bearer token: String? = nil) -> HTTPFields {
    var fields: HTTPFields = [.contentType: "application/json", .userAgent: "gatehouse-tests/1"]
    if let token { fields[.authorization] = "Bearer \(token)" }
    return fields
}

func decode<Value: Decodable>(_ type: Value.Type, from body: ByteBuffer) throws -> Value {
    try JSONDecoder().decode(type, from: Data(buffer: body))
}

/// Signs up, logs in, reads `/v1/me`, logs out and checks the token is refused afterwards, through
/// any client that can send requests: the walk-through of the README.
func signUpLogInMeLogOut(_ client: some TestClientProtocol, username: String) async throws {
    let health = try await client.execute(uri: "/health", method: .get)
    #expect(health.status == .ok)
    #expect(String(buffer: health.body) == #"{"status":"ok"}"#)

    let password = "correct horse battery"
    let created = try await client.execute(
        uri: "/v1/accounts",
        method: .post,
        headers: headers(),
        body: try jsonBody(["username": username, "email": "\(username)@example.com", "password": password])
    )
    #expect(created.status == .created)

    let loggedIn = try await client.execute(
        uri: "/v1/login",
        method: .post,
        headers: headers(),
        body: try jsonBody(["username": username, "password": password])
    )
    #expect(loggedIn.status == .ok)
    let login = try decode(LoginReply.self, from: loggedIn.body)
    #expect(login.account.username == username)

    let me = try await client.execute(uri: "/v1/me", method: .get, headers: headers(bearer: login.authToken))
    #expect(me.status == .ok)
    #expect(try decode(MeReply.self, from: me.body).account.username == username)
    let renewed = me.headers.first { $0.name.canonicalName == "auth-token" }?.value ?? login.authToken

    let loggedOut = try await client.execute(uri: "/v1/logout", method: .post, headers: headers(bearer: renewed))
    #expect(loggedOut.status == .ok)
    #expect(String(buffer: loggedOut.body) == #"{"ok":true}"#)

    let refused = try await client.execute(uri: "/v1/me", method: .get, headers: headers(bearer: renewed))
    #expect(refused.status == .unauthorized)
    #expect(try decode(ErrorReply.self, from: refused.body).error.code == "InvalidSession")
}
