import GatehouseServer
import GatehouseUI
import Testing

@Suite("Server configuration: account pages")
struct AccountPagesConfigurationTests {
    @Test("the pages are on by default, with the built-in look")
    func defaults() throws {
        let configuration = try ServerConfiguration.resolve(flags: ServerFlags(), environment: [:])
        #expect(configuration.accountPages == AccountPagesConfiguration())
        #expect(configuration.accountPages?.brand == "Gatehouse")
        #expect(configuration.accountPages?.accentColor == "#2f5fd0")
    }

    @Test("--no-ui, GATEHOUSE_NO_UI=true and --no-cookies turn them off")
    func off() throws {
        var flags = ServerFlags()
        flags.noUI = true
        #expect(try ServerConfiguration.resolve(flags: flags, environment: [:]).accountPages == nil)
        #expect(try ServerConfiguration.resolve(flags: ServerFlags(), environment: ["GATEHOUSE_NO_UI": "true"]).accountPages == nil)
        #expect(try ServerConfiguration.resolve(flags: ServerFlags(), environment: ["GATEHOUSE_NO_UI": "false"]).accountPages != nil)
        var noCookies = ServerFlags()
        noCookies.cookies = false
        noCookies.tokenTransport = "bearer"
        #expect(try ServerConfiguration.resolve(flags: noCookies, environment: [:]).accountPages == nil)
    }

    @Test("brand, accent, logo, return origins and templates come from flags or variables")
    func settings() throws {
        var flags = ServerFlags()
        flags.uiBrand = "Acme"
        flags.uiAccent = "#c0ffee"
        flags.uiLogoURL = "https://cdn.example.com/logo.svg"
        flags.uiReturnOrigins = ["https://app.example.com", "http://localhost:3000"]
        let fromFlags = try #require(try ServerConfiguration.resolve(flags: flags, environment: [:]).accountPages)
        #expect(fromFlags.brand == "Acme")
        #expect(fromFlags.accentColor == "#c0ffee")
        #expect(fromFlags.logoURL == "https://cdn.example.com/logo.svg")
        #expect(fromFlags.returnOrigins == ["https://app.example.com", "http://localhost:3000"])

        let fromEnvironment = try #require(
            try ServerConfiguration.resolve(
                flags: ServerFlags(),
                environment: [
                    "GATEHOUSE_UI_BRAND": "Beta", "GATEHOUSE_UI_ACCENT": "#123", "GATEHOUSE_UI_LOGO_URL": "/static/logo.png",
                    "GATEHOUSE_UI_RETURN_ORIGINS": "https://a.example.com, https://b.example.com",
                ]
            ).accountPages
        )
        #expect(fromEnvironment.brand == "Beta")
        #expect(fromEnvironment.accentColor == "#123")
        #expect(fromEnvironment.logoURL == "/static/logo.png")
        #expect(fromEnvironment.returnOrigins == ["https://a.example.com", "https://b.example.com"])
    }

    @Test(
        "a value that could break the stylesheet, the policy or a redirect is refused, naming its flag",
        arguments: [
            ("--ui-accent", "red"), ("--ui-accent", "#12345g"), ("--ui-accent", "#2f5fd0; } body { display:none"),
            ("--ui-logo-url", "javascript:alert(1)"), ("--ui-logo-url", "//evil.example/logo.png"), ("--ui-logo-url", "http://cdn.example.com/x.png"),
            ("--ui-return-origin", "evil"), ("--ui-return-origin", "https://app.example.com/path"), ("--ui-brand", ""),
        ]
    )
    func refused(flag: String, value: String) {
        var flags = ServerFlags()
        switch flag {
        case "--ui-accent": flags.uiAccent = value
        case "--ui-logo-url": flags.uiLogoURL = value
        case "--ui-return-origin": flags.uiReturnOrigins = [value]
        default: flags.uiBrand = value
        }
        #expect {
            _ = try ServerConfiguration.resolve(flags: flags, environment: [:])
        } throws: { error in
            "\(error)".contains(flag)
        }
    }
}
