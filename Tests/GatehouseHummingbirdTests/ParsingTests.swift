import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@_spi(Fuzzing) @testable import GatehouseHummingbird

@Suite("Header parsing")
struct ParsingTests {
    @Test(
        "Origins parse to scheme, host and port; anything else is no origin",
        arguments: [
            ("https://example.com", "https://example.com"),
            ("HTTPS://Example.COM:8443/path?q", "https://example.com:8443"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("null", nil), ("example.com", nil), ("ftp://example.com", nil), ("https://user@example.com", nil),
            ("https://:80", nil), ("https://example.com:port", nil), ("https://a:1:2", nil),
        ] as [(String, String?)]
    )
    func origins(text: String, serialized: String?) {
        #expect(WebOrigin(text)?.serialized == serialized)
    }

    @Test(
        "An origin matches a Host with the scheme's default port",
        arguments: [
            ("http://localhost", "localhost", true), ("http://localhost:80", "localhost", true),
            ("https://example.com", "example.com:443", true), ("http://localhost:8080", "localhost:8080", true),
            ("http://localhost:8080", "localhost", false), ("https://evil.example", "example.com", false),
            ("http://[::1]:8080", "[::1]:8080", true), ("http://example.com", "", false),
        ]
    )
    func originMatchesHost(origin: String, host: String, matches: Bool) throws {
        #expect(try #require(WebOrigin(origin)).matches(authority: host) == matches)
    }

    @Test(
        "The session cookie is found among other cookies",
        arguments: [
            ("a=1; gatehouse_session=tok.en.x; b=2", "tok.en.x"),
            ("gatehouse_session=\"quoted\"", "quoted"),
            ("xgatehouse_session=no", nil),
            ("gatehouse_session=first; gatehouse_session=second", "first"),
            ("", nil),
        ] as [(String, String?)]
    )
    func cookies(header: String, value: String?) {
        #expect(PresentedToken.cookieValue(named: "gatehouse_session", in: [.cookie: header]) == value)
    }

    @Test(
        "The client address is the socket's unless the socket is a trusted proxy; then the rightmost untrusted, well-formed hop",
        arguments: [
            ("203.0.113.7", ["127.0.0.1"], "203.0.113.7"), ("203.0.113.7, 10.0.0.1", ["127.0.0.1"], "10.0.0.1"),
            ("203.0.113.7, 10.0.0.1", ["127.0.0.1", "10.0.0.0/8"], "203.0.113.7"),
            ("2001:db8::1", ["127.0.0.1"], "2001:db8::1"), ("203.0.113.7", [], "127.0.0.1"),
            ("203.0.113.7", ["10.0.0.0/8"], "127.0.0.1"), ("not an ip", ["127.0.0.1"], "127.0.0.1"), ("", ["127.0.0.1"], "127.0.0.1"),
        ] as [(String, [String], String)]
    )
    func clientAddress(forwarded: String, trusted: [String], expected: String) throws {
        let socket = try SocketAddress(ipAddress: "127.0.0.1", port: 4444)
        let headers: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: forwarded]
        let proxies = try trusted.map { try #require(IPNetwork($0)) }
        #expect(ClientAddress.resolve(headers: headers, remoteAddress: socket, trustedProxies: proxies) == expected)
    }

    @Test("Cookie attributes follow the settings")
    func cookieAttributes() {
        var configuration = GatehouseHTTPConfiguration()
        configuration.cookie = .init(name: "sid", secure: true, sameSite: .strict, path: "/app", httpOnly: false, persistent: false)
        let cookie = SessionCookie(configuration: configuration)
        #expect(cookie.setting("t", lifetime: 100) == "sid=t; Path=/app; Secure; SameSite=Strict")
        #expect(cookie.clearing == "sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/app; Secure; SameSite=Strict")
    }
}
