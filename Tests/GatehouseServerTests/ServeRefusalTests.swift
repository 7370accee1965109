import ChildProcessTestSupport
import Foundation
import Gatehouse
import GatehouseServer
import Testing

/// `gatehouse serve` refuses a configuration that would run insecurely or not as written, with a
/// message that says why, before it opens anything: a secret too short for HS256, a duration out of
/// range, a duration without a unit (a bare number would be milliseconds), a `__Host-` cookie without
/// `Secure`.
@Suite("gatehouse serve refuses unsafe or unclear settings")
struct ServeRefusalTests {
    struct Refusal: Sendable, CustomTestStringConvertible {
        var arguments: [String] = []
        var environment: [String: String] = [:]
        /// Words the message must contain.
        var expected: [String]
        var testDescription: String { (environment.map { "\($0.key)=\($0.value)" }.sorted() + arguments).joined(separator: " ") }

        var flags: ServerFlags {
            var flags = ServerFlags()
            var remaining = arguments[...]
            while let name = remaining.popFirst() {
                let value = remaining.popFirst()
                switch name {
                case "--secret": flags.secret = value
                case "--token-duration": flags.tokenDuration = value
                case "--grace-period": flags.gracePeriod = value
                case "--idle-timeout": flags.idleTimeout = value
                case "--cookie-secure": flags.cookieSecure = value
                case "--cookie-name": flags.cookieName = value
                case "--login-limit": flags.loginLimit = value
                case "--trusted-proxy": flags.trustedProxies.append(value ?? "")
                default: Issue.record("unknown flag \(name)")
                }
            }
            return flags
        }
    }

    static let refusals: [Refusal] = [
        Refusal(arguments: ["--secret", "too-short-a-secret"], expected: ["18 bytes", "at least 32 bytes", "256 bits"]),
        Refusal(arguments: ["--secret", String(repeating: "s", count: 31)], expected: ["31 bytes", "256 bits"]),
        Refusal(environment: ["GATEHOUSE_SECRET": "short"], expected: ["5 bytes", "256 bits"]),
        Refusal(arguments: ["--token-duration", "99999999999999999999d"], expected: ["invalid --token-duration", "99999999999999999999d"]),
        Refusal(arguments: ["--token-duration", "1e300d"], expected: ["invalid --token-duration"]),
        Refusal(arguments: ["--idle-timeout", "300000000y"], expected: ["invalid --idle-timeout"]),
        Refusal(arguments: ["--grace-period", "30"], expected: ["invalid --grace-period: '30'", "with a unit"]),
        Refusal(environment: ["GATEHOUSE_GRACE_PERIOD": "30"], expected: ["invalid GATEHOUSE_GRACE_PERIOD: '30'", "with a unit"]),
        Refusal(arguments: ["--cookie-secure", "false"], expected: ["__Host-gatehouse", "Secure", "--cookie-name"]),
        Refusal(arguments: ["--cookie-name", "__Secure-sid", "--cookie-secure", "false"], expected: ["__Secure-sid", "Secure"]),
    ]

    @Test("The configuration is refused with a message saying why", arguments: refusals)
    func resolution(refusal: Refusal) {
        #expect {
            try ServerConfiguration.resolve(flags: refusal.flags, environment: refusal.environment)
        } throws: { error in
            let message = (error as? ServerConfigurationError)?.message ?? "\(error)"
            let complete = refusal.expected.allSatisfy { message.contains($0) }
            if !complete { Issue.record("message: \(message)") }
            return complete && !message.contains("too-short-a-secret")
        }
    }

    @Test("A non-secure cookie is accepted under a name without the __Host- or __Secure- prefix")
    func insecureCookieWithPlainName() throws {
        var flags = ServerFlags()
        flags.cookieName = "sid"
        flags.cookieSecure = "false"
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        #expect(!configuration.cookieSecure && configuration.cookieName == "sid")
        #expect(!configuration.httpConfiguration.cookie.secure)
    }

    @Test("A secret of 32 bytes is enough")
    func secretOfThirtyTwoBytes() throws {
        var flags = ServerFlags()
        flags.secret = String(repeating: "s", count: 32)
        #expect(try ServerConfiguration.resolve(flags: flags, environment: [:]).signingKeys == .secret(String(repeating: "s", count: 32)))
    }

    @Test(
        "The built gatehouse binary exits with 2 and prints the reason",
        .enabled(if: GatehouseExecutable.url != nil, "the gatehouse executable is not built: run `swift build` first"),
        arguments: [
            (["--secret", "too-short-a-secret"], "256 bits"),
            (["--token-duration", "99999999999999999999d"], "invalid --token-duration"),
            (["--grace-period", "30"], "invalid --grace-period: '30'"),
            (["--cookie-secure", "false"], "__Host-gatehouse"),
            (["--trust-forwarded-for"], "--trust-forwarded-for"),
        ]
    )
    func binary(arguments: [String], expected: String) async throws {
        let executable = try #require(GatehouseExecutable.url)
        try await withTemporaryDirectory { directory in
            // A server that started anyway would listen on a free port and write to the temporary directory.
            let database = directory.appendingPathComponent("refused.sqlite").path
            let run = try await GatehouseExecutable.run(
                executable,
                ["serve", "--port", "0", "--database", database] + arguments,
                stopWhenListening: true
            )
            #expect(run.status == 2, "exit status; stderr: \(run.standardError)")
            #expect(run.standardError.contains(expected), "stderr: \(run.standardError)")
            #expect(!run.standardError.contains("too-short-a-secret"))
            #expect(!run.listened, "the server must not start")
            #expect(!FileManager.default.fileExists(atPath: database), "nothing is opened before the configuration is valid")
        }
    }
}

/// The `gatehouse` executable of this build, and running it.
enum GatehouseExecutable {
    /// The executable beside the test bundle (the same build directory), else `.build/debug/gatehouse`
    /// under the package root; `nil` when neither exists.
    static var url: URL? {
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("gatehouse"))
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/gatehouse"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Run: Sendable {
        var status: Int32
        var standardError: String
        /// Whether the server printed that it was listening (it was then stopped).
        var listened: Bool
    }

    /// Runs `executable` with `arguments` and no `GATEHOUSE_*` variables; with `stopWhenListening`, a
    /// server that starts is sent SIGTERM as soon as it says it listens, so the run always ends.
    static func run(_ executable: URL, _ arguments: [String], stopWhenListening: Bool) async throws -> Run {
        let process = try ChildProcess(
            executable: executable.path,
            arguments: arguments,
            environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GATEHOUSE_") },
            standardOutput: .pipe,
            standardError: .pipe
        )

        // Both pipes are drained on threads of their own; standard output ends when the process exits,
        // and a line saying the server listens stops it at once.
        async let printed = drain(process.standardOutput!) { text in
            guard stopWhenListening, text.contains("listening on") else { return false }
            process.terminate()
            return true
        }
        async let standardError = drain(process.standardError!) { _ in false }
        let (listened, _) = await printed
        let (_, errorText) = await standardError
        return Run(status: process.waitUntilExit(), standardError: errorText, listened: listened)
    }

    /// Reads `handle` to its end on a thread of its own; `stop` sees the text so far after each read and
    /// says whether it acted on it (reported once). Returns whether it did, and the whole text.
    private static func drain(_ handle: FileHandle, _ stop: @escaping @Sendable (String) -> Bool) async -> (Bool, String) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var data = Data()
                var stopped = false
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                    if !stopped { stopped = stop(String(decoding: data, as: UTF8.self)) }
                }
                continuation.resume(returning: (stopped, String(decoding: data, as: UTF8.self)))
            }
        }
    }
}
