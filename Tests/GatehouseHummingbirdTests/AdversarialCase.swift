import Foundation
import Gatehouse
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// One hostile request and the answer the API documents for it.
struct AdversarialCase: Sendable, CustomTestStringConvertible {
    /// The request as sent.
    struct Probe: Sendable {
        var method: HTTPRequest.Method = .get
        var path = "/v1/me"
        var headers = HTTPFields()
        var body: [UInt8]?
        /// The credential the request presents, which must not be echoed in the answer or the logs.
        var secret: String?

        static func bearer(_ token: String, method: HTTPRequest.Method = .get, path: String = "/v1/me") -> Probe {
            Probe(method: method, path: path, headers: [.authorization: "Bearer \(token)", .userAgent: Harness.userAgent], secret: token)
        }

        static func authorization(_ value: String) -> Probe {
            Probe(headers: [.authorization: value, .userAgent: Harness.userAgent], secret: value.count > 24 ? value : nil)
        }

        static func cookie(_ value: String) -> Probe {
            Probe(headers: [.cookie: value, .userAgent: Harness.userAgent], secret: value.count > 24 ? value : nil)
        }

        static func json(_ path: String, _ body: [UInt8]) -> Probe {
            Probe(method: .post, path: path, headers: [.contentType: "application/json", .userAgent: Harness.userAgent], body: body)
        }

        static func json(_ path: String, _ text: String) -> Probe {
            json(path, Array(text.utf8))
        }
    }

    var name: String
    var status: HTTPResponse.Status
    var code: String
    /// Puts the world in the state the case needs; the snapshot is taken after it.
    var prepare: @Sendable (AdversarialWorld) async throws -> Void = { _ in }
    var probe: @Sendable (AdversarialWorld) -> Probe
    /// Undoes a fault injected by `prepare`, before the store is compared.
    var restore: @Sendable (AdversarialWorld) async throws -> Void = { _ in }
    /// Whether Alice's current token must still work afterwards: a hostile request aimed at her session
    /// must not end it. `false` where the case itself ends or disables it.
    var aliceStillWorks = true

    var testDescription: String { name }

    init(
        _ name: String,
        _ status: HTTPResponse.Status,
        _ code: String,
        aliceStillWorks: Bool = true,
        prepare: @escaping @Sendable (AdversarialWorld) async throws -> Void = { _ in },
        restore: @escaping @Sendable (AdversarialWorld) async throws -> Void = { _ in },
        probe: @escaping @Sendable (AdversarialWorld) -> Probe
    ) {
        self.name = name
        self.status = status
        self.code = code
        self.aliceStillWorks = aliceStillWorks
        self.prepare = prepare
        self.restore = restore
        self.probe = probe
    }

    /// Sends the hostile request to a fresh world and checks the four promises: the documented
    /// status and code, no token handed out and nothing echoed, nothing written, and a server that
    /// still serves the next valid requests.
    func run(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (harness, ring) = try AdversarialWorld.makeHarness()
        try await harness.test { client in
            let world = try await AdversarialWorld.build(harness, ring: ring, client: client)
            try await prepare(world)
            let before = try await world.snapshot()
            let probe = probe(world)

            let response = try await client.execute(
                uri: probe.path,
                method: probe.method,
                headers: probe.headers,
                body: probe.body.map { ByteBuffer(bytes: $0) }
            )
            #expect(response.status == status, "status", sourceLocation: sourceLocation)
            #expect(response.errorCode == code, "code", sourceLocation: sourceLocation)
            #expect(response.errorMessage?.isEmpty == false, "an error body with a message", sourceLocation: sourceLocation)
            #expect(response.renewedToken == nil, "no token handed out", sourceLocation: sourceLocation)
            #expect(
                response.sessionCookies.allSatisfy { $0.hasPrefix("__Host-gatehouse=;") },
                "no cookie set, at most cleared",
                sourceLocation: sourceLocation
            )
            if let secret = probe.secret {
                let probeText = String(secret.prefix(2_000))
                #expect(!response.text.contains(probeText), "the credential is not echoed", sourceLocation: sourceLocation)
                #expect(!harness.logs.mention(probeText), "the credential is not logged", sourceLocation: sourceLocation)
            }

            try await restore(world)
            let after = try await world.snapshot()
            #expect(after == before, "nothing written", sourceLocation: sourceLocation)

            let next = try await client.send(.get, "/v1/me", .bearer(world.kelvinToken))
            #expect(next.status == .ok, "the server still serves a valid request", sourceLocation: sourceLocation)
            if aliceStillWorks {
                let own = try await client.send(.get, "/v1/me", .bearer(world.aliceToken))
                #expect(own.status == .ok, "the attacked session still works", sourceLocation: sourceLocation)
            }
        }
    }
}
