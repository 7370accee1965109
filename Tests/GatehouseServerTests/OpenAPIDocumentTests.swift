import Foundation
import Gatehouse
import Hummingbird
import HummingbirdTesting
import Testing

@testable import GatehouseServer

@Suite("The OpenAPI document")
struct OpenAPIDocumentTests {
    /// The repository's `openapi.json`, the source the embedded copy is generated from.
    static let documentFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("openapi.json")

    @Test("the copy in the binary is openapi.json byte for byte (scripts/openapi-embed.sh writes it)")
    func embeddedCopyMatchesTheFile() throws {
        let file = try Data(contentsOf: Self.documentFile)
        #expect(
            Data(OpenAPIDocument.json.utf8) == file,
            "Sources/GatehouseServer/OpenAPIDocument.swift is out of date: run scripts/openapi-embed.sh"
        )
    }

    @Test("the document is JSON for OpenAPI 3.1")
    func parsesAsOpenAPI31() throws {
        let document = try Self.document()
        let version = try #require(document["openapi"] as? String)
        #expect(version.hasPrefix("3.1."))
        #expect(document["paths"] is [String: Any])
    }

    @Test("the document and the server's router list the same routes")
    func sameRoutesAsTheRouter() throws {
        let documented = try Self.documentedRoutes()
        let routed = try Self.routerRoutes(configuration: ServerConfiguration())
        #expect(documented.subtracting(routed).sorted() == [], "documented, but the server has no such route")
        #expect(routed.subtracting(documented).sorted() == [], "served, but not in openapi.json")
        #expect(documented.contains("GET /openapi.json"))
        #expect(documented.contains("DELETE /v1/sessions/{id}"))
        #expect(documented.contains { $0.hasPrefix("POST /ui/") })
    }

    @Test("the document lists every kind of audit event Gatehouse records, in order")
    func auditEventKinds() throws {
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let event = try #require(schemas["AuditEvent"] as? [String: Any])
        let type = try #require((event["properties"] as? [String: Any])?["type"] as? [String: Any])
        #expect(type["enum"] as? [String] == AuditEvent.Kind.builtIn.map(\.rawValue))
    }

    @Test("without the account pages the router has the document's routes outside /ui")
    func withoutPages() throws {
        var configuration = ServerConfiguration()
        configuration.accountPages = nil
        let routed = try Self.routerRoutes(configuration: configuration)
        let documented = try Self.documentedRoutes().filter { !$0.split(separator: " ")[1].hasPrefix("/ui") }
        #expect(routed == documented)
    }

    @Test("GET /openapi.json serves the document as JSON, tokens ignored")
    func served() async throws {
        let app = try Self.application(configuration: ServerConfiguration())
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/openapi.json",
                method: .get,
                headers: [.authorization: "Bearer not-a-token"]
            )
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.cacheControl] == "public, max-age=300")
            #expect(Data(buffer: response.body) == (try Data(contentsOf: Self.documentFile)))
        }
    }

    // MARK: Helpers

    static func document() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: documentFile))
        return try #require(object as? [String: Any])
    }

    /// `METHOD /path` for every operation of the document.
    static func documentedRoutes() throws -> Set<String> {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var routes = Set<String>()
        for (path, item) in paths {
            for method in item.keys where methods.contains(method) {
                routes.insert("\(method.uppercased()) \(normalized(path))")
            }
        }
        return routes
    }

    /// `METHOD /path` for every route the server's router holds.
    static func routerRoutes(configuration: ServerConfiguration) throws -> Set<String> {
        let router = try ServerApplication.makeRouter(accounts: accounts(), configuration: configuration, logger: quietLogger)
        return Set(router.routes.map { "\($0.method.rawValue) \(normalized($0.path.description))" })
    }

    /// A path with its parameters written `{name}` (Hummingbird also accepts `:name`) and no trailing slash.
    static func normalized(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }
        return "/" + segments.joined(separator: "/")
    }

    static func accounts() throws -> Accounts {
        makeAccounts(store: MemoryStore(), ring: KeyRing(signingKey: try SigningKey(kid: "openapi", secret: "openapi-test-secret-0123456789abcdef")))
    }

    static func application(configuration: ServerConfiguration) throws -> ServerApplication.App {
        try ServerApplication.make(accounts: accounts(), configuration: configuration, logger: quietLogger)
    }
}
