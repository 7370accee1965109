import Testing

@testable import GatehouseUI

@Suite("return_to")
struct ReturnTargetTests {
    static let target = ReturnTarget(allowedOrigins: ["https://app.example.com", "http://localhost:3000"])

    @Test(
        "a path on this server or an allowed origin is kept",
        arguments: [
            "/ui/sessions", "/ui/account?tab=1", "/", "https://app.example.com/after", "https://APP.example.com:443/x", "http://localhost:3000/",
        ]
    )
    func accepted(_ candidate: String) {
        #expect(Self.target.accepted(candidate) == candidate)
    }

    @Test(
        "anything that leaves for another site is ignored",
        arguments: [
            "https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "https:evil.example", "javascript:alert(1)",
            "data:text/html,x", "https://app.example.com.evil.example/", "https://user:pass@app.example.com/", "http://app.example.com/",
            "https://app.example.com:8443/", "/ui/\u{0}x", "/ui/ x", "", "ui/account", String(repeating: "/a", count: 1_100),
        ]
    )
    func refused(_ candidate: String) {
        #expect(Self.target.accepted(candidate) == nil)
    }
}
