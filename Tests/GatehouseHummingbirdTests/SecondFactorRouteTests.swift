import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// TOTP over HTTP: the enrolment routes, a login answered with a challenge, its completion with each
/// transport, and the exact shapes of answers and errors.
@Suite("Routes of second factors")
struct SecondFactorRouteTests {
    static func harness(store: StoreKind = .memory) throws -> Harness {
        try Harness(store: store, accounts: { $0.totpKeys = [try! SealingKey(id: "k1", bytes: Array(repeating: 3, count: 32))] })
    }

    /// Turns TOTP on for alice through the API; returns her authenticator and recovery codes.
    static func enrol(_ client: some TestClientProtocol, harness: Harness, token: String) async throws -> (TOTP, [String]) {
        let begun = try await client.send(.post, "/v1/totp", .bearer(token))
        #expect(begun.status == .ok)
        #expect(Set(begun.object.keys) == ["secret", "otpauthURL"])
        let secret = try #require(begun.object["secret"] as? String)
        #expect((begun.object["otpauthURL"] as? String)?.hasPrefix("otpauth://totp/Gatehouse:alice?secret=\(secret)&issuer=Gatehouse") == true)
        let totp = TOTP(secret: try #require(Base32.decode(secret)))
        let step = TOTP.step(at: harness.clock.now())
        let confirmed = try await client.send(.post, "/v1/totp/confirm", .bearer(token), json: #"{"code":"\#(totp.code(step: step))"}"#)
        #expect(confirmed.status == .ok, "\(confirmed.text)")
        #expect(Set(confirmed.object.keys) == ["recoveryCodes"])
        return (totp, try #require(confirmed.object["recoveryCodes"] as? [String]))
    }

    @Test("Enrol, then a login answers exactly {secondFactor:{challenge,methods}} with no token or cookie", arguments: StoreKind.allCases)
    func loginAnswersChallenge(store: StoreKind) async throws {
        let harness = try Self.harness(store: store)
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let (_, codes) = try await Self.enrol(client, harness: harness, token: token)
            #expect(codes.count == 10)
            let login = try await client.logIn()
            #expect(login.status == .ok)
            #expect(Set(login.object.keys) == ["secondFactor"])
            let challenge = login.object[object: "secondFactor"]
            #expect(Set(challenge.keys) == ["challenge", "methods"])
            #expect(challenge["methods"] as? [String] == ["totp", "recovery_code"])
            #expect(login.headers[.authToken] == nil)
            #expect(login.headers[.setCookie] == nil)
        }
    }

    @Test("POST /v1/login/second-factor completes the login like POST /v1/login, once")
    func complete() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let (totp, _) = try await Self.enrol(client, harness: harness, token: try await client.token())
            harness.clock.advance(by: .seconds(30))
            let challenge = try #require(try await client.logIn().object[object: "secondFactor"]["challenge"] as? String)
            let code = totp.code(step: TOTP.step(at: harness.clock.now()))
            let body = #"{"challenge":"\#(challenge)","code":"\#(code)"}"#
            let completed = try await client.send(.post, "/v1/login/second-factor", json: body)
            #expect(completed.status == .ok)
            #expect(Set(completed.object.keys) == ["authToken", "session", "account"])
            #expect(completed.object[object: "session"]["authenticationMethods"] as? [String] == ["password", "totp"])
            let token = try #require(completed.object["authToken"] as? String)
            #expect(try await client.send(.get, "/v1/me", .bearer(token)).status == .ok)

            let again = try await client.send(.post, "/v1/login/second-factor", json: body)
            AccountFlowRoutesTests.expectError(again, .unauthorized, "SecondFactorFailed")
            #expect(again.object[object: "error"]["detail"] as? String == "challenge")
        }
    }

    @Test("The cookie transport completes into the session cookie, with no token in the body")
    func cookieTransport() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let (_, codes) = try await Self.enrol(client, harness: harness, token: try await client.token())
            let challenge = try #require(try await client.logIn().object[object: "secondFactor"]["challenge"] as? String)
            let completed = try await client.send(
                .post,
                "/v1/login/second-factor",
                json: #"{"challenge":"\#(challenge)","recoveryCode":"\#(codes[0])"}"#,
                headers: [.transport: "cookie"]
            )
            #expect(completed.status == .ok)
            #expect(completed.object["authToken"] == nil)
            #expect(completed.headers[.setCookie]?.hasPrefix("\(sessionCookieName)=") == true)
            #expect(completed.object[object: "session"]["authenticationMethods"] as? [String] == ["password", "recovery_code"])
        }
    }

    @Test(
        "Malformed completions are 400 InvalidRequest",
        arguments: [
            #"{"challenge":"x"}"#, #"{"challenge":"x","code":"123456","recoveryCode":"aaaaa-bbbbb"}"#, #"{"code":"123456"}"#,
            #"{"challenge":1,"code":"123456"}"#,
        ]
    )
    func malformed(body: String) async throws {
        let harness = try Self.harness()
        try await harness.test { client in
            AccountFlowRoutesTests.expectError(try await client.send(.post, "/v1/login/second-factor", json: body), .badRequest, "InvalidRequest")
        }
    }

    @Test("Wrong codes: 401 SecondFactorFailed with detail code, no token; TOTP routes need a session")
    func refusals() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            AccountFlowRoutesTests.expectError(try await client.send(.post, "/v1/totp"), .unauthorized, "Unauthorized")
            AccountFlowRoutesTests.expectError(try await client.send(.delete, "/v1/totp"), .unauthorized, "Unauthorized")
            let token = try await client.token()
            _ = try await Self.enrol(client, harness: harness, token: token)
            AccountFlowRoutesTests.expectError(try await client.send(.post, "/v1/totp", .bearer(token)), .conflict, "Conflict")
            let challenge = try #require(try await client.logIn().object[object: "secondFactor"]["challenge"] as? String)
            let wrong = try await client.send(.post, "/v1/login/second-factor", json: #"{"challenge":"\#(challenge)","code":"000000"}"#)
            AccountFlowRoutesTests.expectError(wrong, .unauthorized, "SecondFactorFailed")
            #expect(wrong.object[object: "error"]["detail"] as? String == "code")
            #expect(wrong.headers[.authToken] == nil)
        }
    }

    @Test("DELETE /v1/totp turns it off: the password alone logs in again")
    func disable() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            _ = try await Self.enrol(client, harness: harness, token: token)
            let deleted = try await client.send(.delete, "/v1/totp", .bearer(token))
            #expect(deleted.status == .ok)
            #expect(deleted.text == AccountFlowRoutesTests.ok)
            #expect(try await client.logIn().object["authToken"] is String)
            AccountFlowRoutesTests.expectError(try await client.send(.delete, "/v1/totp", .bearer(token)), .conflict, "Conflict")
        }
    }

    @Test("POST /v1/reauthenticate with a second factor on needs a code too")
    func reauthenticate() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let (totp, _) = try await Self.enrol(client, harness: harness, token: token)
            harness.clock.advance(by: .seconds(700))
            let passwordOnly = try await client.send(.post, "/v1/reauthenticate", .bearer(token), json: #"{"password":"\#(Harness.password)"}"#)
            AccountFlowRoutesTests.expectError(passwordOnly, .unauthorized, "SecondFactorRequired")
            let code = totp.code(step: TOTP.step(at: harness.clock.now()))
            let renewed = try await client.send(
                .post,
                "/v1/reauthenticate",
                .bearer(passwordOnly.renewedToken ?? token),
                json: #"{"password":"\#(Harness.password)","code":"\#(code)"}"#
            )
            #expect(renewed.status == .ok, "\(renewed.text)")
            #expect(renewed.object[object: "session"]["authenticationMethods"] as? [String] == ["password", "totp"])
        }
    }
}
