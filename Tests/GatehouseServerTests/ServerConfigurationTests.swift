import Gatehouse
import GatehouseHummingbird
import GatehouseServer
import Testing

@Suite("Server configuration from flags and environment")
struct ServerConfigurationTests {
    @Test("no flags and no environment give the documented defaults")
    func defaults() throws {
        let configuration = try ServerConfiguration.resolve(flags: ServerFlags(), environment: [:])
        #expect(configuration == ServerConfiguration())
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.database == .sqlite(path: "./gatehouse.sqlite"))
        #expect(configuration.signingKeys == .database)
        #expect(configuration.tokenDuration == .seconds(7 * 86_400))
        #expect(configuration.gracePeriod == .seconds(30))
        #expect(configuration.renewal == .everyRequest)
        #expect(configuration.cookiesEnabled)
        #expect(configuration.cookieName == "__Host-gatehouse")
        #expect(configuration.cookieSecure)
        #expect(configuration.tokenTransport == .both)
        #expect(configuration.trustedProxies.isEmpty)
        #expect(configuration.loginLimits == LoginThrottle.Limits())
        #expect(configuration.loginLimits.perPair == RateLimit(count: 5, window: .seconds(900)))
        #expect(configuration.loginLimits.perAddress == RateLimit(count: 20, window: .seconds(900)))
        #expect(configuration.loginLimits.perAccount == RateLimit(count: 100, window: .seconds(900)))
        #expect(configuration.signUpLimit == RateLimit(count: 20, window: .seconds(3_600)))
        #expect(configuration.logLevel == .info)
    }

    @Test("every setting can come from the environment")
    func environment() throws {
        let configuration = try ServerConfiguration.resolve(
            flags: ServerFlags(),
            environment: [
                "GATEHOUSE_HOST": "0.0.0.0",
                "GATEHOUSE_PORT": "9090",
                "GATEHOUSE_DATABASE": "postgres://gate:pw@127.0.0.1:5432/gate",
                "GATEHOUSE_SECRET": "a-secret-of-enough-length-for-hs256!!",
                "GATEHOUSE_TOKEN_DURATION": "12h",
                "GATEHOUSE_RENEWAL": "5m",
                "GATEHOUSE_GRACE_PERIOD": "10s",
                "GATEHOUSE_IDLE_TIMEOUT": "none",
                "GATEHOUSE_ABSOLUTE_LIFETIME": "14d",
                "GATEHOUSE_COOKIES": "false",
                "GATEHOUSE_COOKIE_NAME": "sid",
                "GATEHOUSE_COOKIE_SECURE": "true",
                "GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32,192.0.2.1",
                "GATEHOUSE_TOKEN_TRANSPORT": "BEARER",
                "GATEHOUSE_LOGIN_LIMIT": "3/10m",
                "GATEHOUSE_LOGIN_ADDRESS_LIMIT": "30/1h",
                "GATEHOUSE_LOGIN_ACCOUNT_LIMIT": "500 / 1d",
                "GATEHOUSE_SIGNUP_LIMIT": "5/30m",
                "GATEHOUSE_CORS_ORIGINS": "https://app.example.com, http://localhost:3000",
                "GATEHOUSE_MAX_BODY_SIZE": "2048",
                "GATEHOUSE_LOG_LEVEL": "DEBUG",
                "GATEHOUSE_SQLITE_DURABILITY": "FULL",
                "GATEHOUSE_SWEEP_INTERVAL": "10m",
                "GATEHOUSE_SESSION_RETENTION": "0s",
                "GATEHOUSE_KEY_REFRESH_INTERVAL": "1m",
            ]
        )
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9090)
        #expect(configuration.database == .postgres(url: "postgres://gate:pw@127.0.0.1:5432/gate"))
        #expect(configuration.signingKeys == .secret("a-secret-of-enough-length-for-hs256!!"))
        #expect(configuration.tokenDuration == .seconds(12 * 3_600))
        #expect(configuration.renewal == .olderThan(.seconds(300)))
        #expect(configuration.gracePeriod == .seconds(10))
        #expect(configuration.idleTimeout == nil)
        #expect(configuration.absoluteLifetime == .seconds(14 * 86_400))
        #expect(!configuration.cookiesEnabled)
        #expect(configuration.cookieName == "sid")
        #expect(configuration.cookieSecure == true)
        #expect(configuration.trustedProxies.map(\.description) == ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"])
        #expect(configuration.tokenTransport == .bearer)
        #expect(configuration.loginLimits.perPair == RateLimit(count: 3, window: .seconds(600)))
        #expect(configuration.loginLimits.perAddress == RateLimit(count: 30, window: .seconds(3_600)))
        #expect(configuration.loginLimits.perAccount == RateLimit(count: 500, window: .seconds(86_400)))
        #expect(configuration.signUpLimit == RateLimit(count: 5, window: .seconds(1_800)))
        #expect(configuration.corsOrigins == ["https://app.example.com", "http://localhost:3000"])
        #expect(configuration.maximumBodySize == 2048)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.sqliteDurability == .full)
        #expect(configuration.sweepInterval == .seconds(600))
        #expect(configuration.sessionRetention == .zero)
        #expect(configuration.keyRefreshInterval == .seconds(60))
        #expect(configuration.keyActivationDelay == .seconds(120))
    }

    @Test("a flag wins over its environment variable, which wins over the default")
    func precedence() throws {
        var flags = ServerFlags()
        flags.port = "7000"
        flags.gracePeriod = "45s"
        flags.cookies = false
        flags.trustedProxies = ["192.0.2.1", "198.51.100.0/24"]
        flags.loginLimit = "2/1m"
        flags.corsOrigins = ["https://flag.example"]
        let environment = [
            "GATEHOUSE_PORT": "9000", "GATEHOUSE_GRACE_PERIOD": "5s", "GATEHOUSE_HOST": "0.0.0.0",
            "GATEHOUSE_COOKIES": "true", "GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/8",
            "GATEHOUSE_LOGIN_LIMIT": "9/9m", "GATEHOUSE_SIGNUP_LIMIT": "7/1h",
            "GATEHOUSE_CORS_ORIGINS": "https://env.example",
        ]
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: environment)
        #expect(configuration.port == 7000)
        #expect(configuration.gracePeriod == .seconds(45))
        #expect(configuration.host == "0.0.0.0")
        #expect(!configuration.cookiesEnabled)
        #expect(configuration.trustedProxies.map(\.description) == ["192.0.2.1", "198.51.100.0/24"])
        #expect(configuration.loginLimits.perPair == RateLimit(count: 2, window: .seconds(60)))
        #expect(configuration.signUpLimit == RateLimit(count: 7, window: .seconds(3_600)))
        #expect(configuration.corsOrigins == ["https://flag.example"])
        #expect(configuration.tokenDuration == ServerConfiguration().tokenDuration)
    }

    @Test("an empty environment variable counts as unset")
    func emptyEnvironment() throws {
        let configuration = try ServerConfiguration.resolve(flags: ServerFlags(), environment: ["GATEHOUSE_PORT": "", "GATEHOUSE_SECRET": ""])
        #expect(configuration.port == 8080)
        #expect(configuration.signingKeys == .database)
    }

    @Test("a secret flag overrides a key file in the environment, and the other way round")
    func secretSources() throws {
        var flags = ServerFlags()
        flags.secret = "from-the-flag-with-32-bytes-or-more"
        #expect(
            try ServerConfiguration.resolve(flags: flags, environment: ["GATEHOUSE_KEY_FILE": "/etc/key"]).signingKeys
                == .secret("from-the-flag-with-32-bytes-or-more")
        )
        flags = ServerFlags()
        flags.keyFile = "/run/secrets/gatehouse"
        #expect(
            try ServerConfiguration.resolve(flags: flags, environment: ["GATEHOUSE_SECRET": "env"]).signingKeys
                == .keyFile(path: "/run/secrets/gatehouse")
        )
        #expect(try ServerConfiguration.resolve(flags: ServerFlags(), environment: ["GATEHOUSE_KEY_FILE": "/k"]).signingKeys == .keyFile(path: "/k"))
    }

    static let invalidFlags: [(String, ServerFlags, String)] = [
        ("port", with { $0.port = "80a" }, "invalid --port: '80a' is not a port number"),
        ("port range", with { $0.port = "65536" }, "--port"),
        ("negative port", with { $0.port = "-1" }, "--port"),
        ("host", with { $0.host = "" }, "--host"),
        ("database scheme", with { $0.database = "mysql://root:hunter2@db/gate" }, "unsupported database URL scheme 'mysql'"),
        ("empty database", with { $0.database = "" }, "--database"),
        ("token duration", with { $0.tokenDuration = "forever" }, "invalid --token-duration: 'forever' is not a duration"),
        ("zero token duration", with { $0.tokenDuration = "0s" }, "must be longer than zero"),
        ("renewal", with { $0.renewal = "sometimes" }, "is not every-request or a duration"),
        ("negative grace period", with { $0.gracePeriod = "-5s" }, "must not be negative"),
        ("grace period", with { $0.gracePeriod = "30 parsecs" }, "--grace-period"),
        ("idle timeout", with { $0.idleTimeout = "never" }, "is not none or a duration"),
        ("absolute lifetime", with { $0.absoluteLifetime = "0" }, "--absolute-lifetime"),
        ("cookie name", with { $0.cookieName = "bad name" }, "is not a cookie name"),
        ("cookie secure", with { $0.cookieSecure = "maybe" }, "invalid --cookie-secure: 'maybe' is not true or false"),
        ("cookie secure auto", with { $0.cookieSecure = "auto" }, "invalid --cookie-secure: 'auto' is not true or false"),
        ("cors origin", with { $0.corsOrigins = ["app.example.com"] }, "--cors-origin"),
        ("body size", with { $0.maximumBodySize = "12" }, "--max-body-size"),
        ("log level", with { $0.logLevel = "loud" }, "is not a log level"),
        ("sqlite durability", with { $0.sqliteDurability = "extra" }, "invalid --sqlite-durability: 'extra' is not normal or full"),
        ("sweep interval", with { $0.sweepInterval = "10ms" }, "must be at least"),
        (
            "both secrets",
            with {
                $0.secret = "s"
                $0.keyFile = "/k"
            }, "cannot be used together"
        ),
        ("empty secret", with { $0.secret = "" }, "the secret is 0 bytes long; an HS256 key needs at least 32 bytes (256 bits)"),
        ("trusted proxy", with { $0.trustedProxies = ["10.0.0.0/8", "proxy.internal"] }, "invalid --trusted-proxy: 'proxy.internal'"),
        ("trusted proxy prefix", with { $0.trustedProxies = ["10.0.0.0/33"] }, "invalid --trusted-proxy: '10.0.0.0/33'"),
        ("token transport", with { $0.tokenTransport = "header" }, "invalid --token-transport: 'header' is not cookie, bearer or both"),
        (
            "cookie transport without cookies",
            with {
                $0.cookies = false
                $0.tokenTransport = "cookie"
            }, "--token-transport cookie needs cookies"
        ),
        ("login limit", with { $0.loginLimit = "5" }, "invalid --login-limit: '5' is not a limit such as 20/1h"),
        ("login limit unit", with { $0.loginLimit = "5/900" }, "invalid --login-limit"),
        ("login limit zero", with { $0.loginLimit = "0/15m" }, "invalid --login-limit"),
        ("login address limit", with { $0.loginAddressLimit = "many/1h" }, "invalid --login-address-limit"),
        ("login account limit", with { $0.loginAccountLimit = "10/0s" }, "invalid --login-account-limit"),
        ("signup limit", with { $0.signUpLimit = "20 per hour" }, "invalid --signup-limit"),
    ]

    @Test("invalid flags are refused with a message naming the flag", arguments: invalidFlags)
    func invalidFlag(_ name: String, _ flags: ServerFlags, _ expected: String) {
        #expect {
            try ServerConfiguration.resolve(flags: flags, environment: [:])
        } throws: { error in
            let message = (error as? ServerConfigurationError)?.message ?? ""
            return message.contains(expected) && !message.contains("hunter2")
        }
    }

    @Test("invalid environment values name the variable")
    func invalidEnvironment() {
        for (variable, value) in [
            ("GATEHOUSE_PORT", "http"), ("GATEHOUSE_GRACE_PERIOD", "soon"), ("GATEHOUSE_COOKIES", "perhaps"), ("GATEHOUSE_LOG_LEVEL", "chatty"),
        ] {
            #expect {
                try ServerConfiguration.resolve(flags: ServerFlags(), environment: [variable: value])
            } throws: { error in
                (error as? ServerConfigurationError)?.message.contains("invalid \(variable): '\(value)'") == true
            }
        }
        #expect(throws: ServerConfigurationError.self) {
            try ServerConfiguration.resolve(flags: ServerFlags(), environment: ["GATEHOUSE_SECRET": "x", "GATEHOUSE_KEY_FILE": "/k"])
        }
    }

    @Test("no message or description ever shows the secret or a database password")
    func secretsStayHidden() throws {
        var flags = ServerFlags()
        flags.secret = "very-secret-value-of-thirty-two-bytes"
        flags.database = "postgresql://gate:hunter2@db.internal:5432/gate?sslmode=require&password=hunter2"
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        let printed = "\(configuration) \(String(reflecting: configuration)) \(configuration.database) \(configuration.signingKeys)"
        #expect(!printed.contains("very-secret-value"))
        var short = ServerFlags()
        short.secret = "short-secret-hunter2"
        #expect {
            try ServerConfiguration.resolve(flags: short, environment: [:])
        } throws: { error in
            let message = (error as? ServerConfigurationError)?.message ?? ""
            return message.contains("256 bits") && !message.contains("hunter2")
        }
        #expect(!printed.contains("hunter2"))
        #expect("\(configuration.database)" == "PostgreSQL postgresql://gate:***@db.internal:5432/gate")
    }

    @Test("database values: file paths, PostgreSQL URLs in both spellings")
    func databases() throws {
        #expect(try DatabaseLocation.parse("data/gatehouse.db") == .sqlite(path: "data/gatehouse.db"))
        #expect(try DatabaseLocation.parse("/var/lib/gatehouse.sqlite") == .sqlite(path: "/var/lib/gatehouse.sqlite"))
        #expect(try DatabaseLocation.parse("postgres://u@h/d") == .postgres(url: "postgres://u@h/d"))
        #expect(try DatabaseLocation.parse("PostgreSQL://u:p@h/d").isPostgres)
        #expect(try ServerConfiguration.resolveDatabase(flag: nil, environment: [:]) == .defaultLocation)
        #expect(
            try ServerConfiguration.resolveDatabase(flag: "a.sqlite", environment: ["GATEHOUSE_DATABASE": "b.sqlite"]) == .sqlite(path: "a.sqlite")
        )
        #expect(try ServerConfiguration.resolveDatabase(flag: nil, environment: ["GATEHOUSE_DATABASE": "b.sqlite"]) == .sqlite(path: "b.sqlite"))
    }

    @Test("the HTTP configuration follows the cookie, transport, proxy and CORS settings; the cookie is Secure on loopback too")
    func httpConfiguration() throws {
        var configuration = ServerConfiguration()
        #expect(configuration.listensOnLoopback)
        #expect(configuration.httpConfiguration.cookie.secure)
        #expect(configuration.httpConfiguration.cookie.name == "__Host-gatehouse")
        #expect(configuration.httpConfiguration.cookie.path == "/")
        #expect(configuration.httpConfiguration.trustedProxies.isEmpty)
        #expect(configuration.httpConfiguration.tokenTransport == .both)
        #expect(configuration.httpConfiguration.cors == nil)
        configuration.host = "0.0.0.0"
        configuration.cookieName = "sid"
        configuration.tokenTransport = .cookie
        configuration.trustedProxies = [try #require(IPNetwork("10.0.0.0/8"))]
        configuration.corsOrigins = ["https://app.example.com"]
        let http = configuration.httpConfiguration
        #expect(http.cookie.secure)
        #expect(http.cookie.name == "sid")
        #expect(http.tokenTransport == .cookie)
        #expect(http.trustedProxies == [try #require(IPNetwork("10.0.0.0/8"))])
        #expect(http.cors?.allowedOrigins == ["https://app.example.com"])
        configuration.cookieSecure = false
        #expect(!configuration.httpConfiguration.cookie.secure)
    }

    @Test("the accounts options carry the login and sign-up limits")
    func accountsOptions() throws {
        var flags = ServerFlags()
        flags.loginLimit = "4/5m"
        flags.loginAddressLimit = "40/5m"
        flags.loginAccountLimit = "400/5m"
        flags.signUpLimit = "2/1d"
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        let ring = KeyRing(signingKey: try SigningKey(secret: "a-secret-a-secret-a-secret-a-secret"))
        let options = configuration.accountsOptions(keyRing: ring, logger: quietLogger, passwordHasher: cheapHasher)
        #expect(
            options.loginThrottle
                == LoginThrottle.Limits(
                    perPair: RateLimit(count: 4, window: .seconds(300)),
                    perAddress: RateLimit(count: 40, window: .seconds(300)),
                    perAccount: RateLimit(count: 400, window: .seconds(300))
                )
        )
        #expect(options.signUpLimit == RateLimit(count: 2, window: .seconds(86_400)))
    }

    @Test("the sessions options carry the lifetimes and the key ring")
    func sessionsOptions() throws {
        var flags = ServerFlags()
        flags.tokenDuration = "1h"
        flags.idleTimeout = "2h"
        flags.renewal = "every-request"
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        let ring = KeyRing(signingKey: try SigningKey(secret: "s"))
        let options = configuration.sessionsOptions(keyRing: ring, logger: quietLogger)
        #expect(options.tokenDuration == .seconds(3_600))
        #expect(options.idleTimeout == .seconds(7_200))
        #expect(options.renewal == .everyRequest)
        #expect(options.keyRing === ring)
    }
}

/// Flags with some fields set, for the table of invalid values.
private func with(_ change: (inout ServerFlags) -> Void) -> ServerFlags {
    var flags = ServerFlags()
    change(&flags)
    return flags
}
