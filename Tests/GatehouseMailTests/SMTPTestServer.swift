import ChildProcessTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running `scripts/smtp_test_server.py`: a real SMTP server (aiosmtpd) on 127.0.0.1, in a process of
/// its own, writing each message it accepts into a maildir of its own.
struct SMTPTestServer: Sendable {
    /// The port the server listens on.
    let port: Int
    /// Where the server writes each accepted message, as `<n>.eml`.
    let maildir: URL

    /// The server's options; see the script's own description.
    struct Options: Sendable {
        var startTLS: (certificate: String, key: String)?
        var implicitTLS: (certificate: String, key: String)?
        var auth: String?
        var authMechanisms: [String]?
        var failFirst: Int?
        var failAtRCPT = false
        var reject = false

        var arguments: [String] {
            var arguments: [String] = []
            if let startTLS { arguments += ["--starttls", startTLS.certificate, startTLS.key] }
            if let implicitTLS { arguments += ["--tls", implicitTLS.certificate, implicitTLS.key] }
            if let auth { arguments += ["--auth", auth] }
            if let authMechanisms { arguments += ["--auth-mechanisms", authMechanisms.joined(separator: ",")] }
            if let failFirst { arguments += ["--fail-first", String(failFirst)] }
            if failAtRCPT { arguments += ["--fail-at", "rcpt"] }
            if reject { arguments.append("--reject") }
            return arguments
        }
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = packageRoot.appendingPathComponent("scripts/smtp_test_server.py")

    /// Whether `python3` can import aiosmtpd.
    static let hasAiosmtpd: Bool = {
        (try? runTool(["python3", "-c", "import aiosmtpd"]).status) == 0
    }()

    /// Whether the tests must run: under CI, a missing aiosmtpd is a failure rather than a skip.
    static var isRequired: Bool {
        ["true", "1", "yes"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
    }

    /// Whether the tests that need the server run.
    static var isEnabled: Bool { hasAiosmtpd || isRequired }

    static let skipComment: Comment =
        "aiosmtpd is not installed for python3 (python3 -m pip install aiosmtpd, as scripts/test.sh does); with CI=true this fails instead"

    /// Starts a server with `options`, runs `body` with it, and stops it (SIGTERM) whatever happens.
    static func with<Result: Sendable>(
        _ options: Options = Options(),
        _ body: (SMTPTestServer) async throws -> Result
    ) async throws -> Result {
        guard hasAiosmtpd else {
            throw StartFailure(description: "CI=true, but python3 cannot import aiosmtpd: install it with python3 -m pip install aiosmtpd")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-smtp-\(UUID().uuidString)")
        let maildir = directory.appendingPathComponent("maildir")
        try FileManager.default.createDirectory(at: maildir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let errorLog = directory.appendingPathComponent("stderr.log")
        try Data().write(to: errorLog)

        let process = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: ["python3", script.path, "--port", "0", "--maildir", maildir.path, "--quiet", "--stop-on-eof", "--lifetime", "300"]
                + options.arguments,
            standardInput: .pipe,
            standardOutput: .pipe,
            standardError: .file(errorLog.path)
        )

        // The server stops when its standard input ends; it is also sent SIGTERM.
        func stop() async {
            try? process.standardInput?.close()
            process.terminate()
            await waitForExit(process)
        }

        // If the port line does not come, the process is stopped, which ends the read.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            process.terminate()
        }
        let firstLine = await readLine(process.standardOutput!)
        watchdog.cancel()
        guard let firstLine, let port = Int(firstLine.trimmingCharacters(in: .whitespaces)), port > 0 else {
            await stop()
            let errors = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw StartFailure(description: "smtp_test_server.py did not start: \(firstLine ?? "no output")\n\(errors)")
        }
        do {
            let result = try await body(SMTPTestServer(port: port, maildir: maildir))
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// The messages received so far, in order.
    func messages() throws -> [Data] {
        let names = try FileManager.default.contentsOfDirectory(atPath: maildir.path).filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }
        return try names.sorted { Int($0.dropLast(4)) ?? 0 < Int($1.dropLast(4)) ?? 0 }
            .map { try Data(contentsOf: maildir.appendingPathComponent($0)) }
    }

    /// Reads `handle` up to the first line end (or its end) on a thread of its own.
    private static func readLine(_ handle: FileHandle) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var data = Data()
                while !data.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                guard let end = data.firstIndex(of: UInt8(ascii: "\n")) else {
                    continuation.resume(returning: nil)
                    return
                }
                continuation.resume(returning: String(decoding: data[..<end], as: UTF8.self))
            }
        }
    }

    /// Waits for `process` to exit, killing it if SIGTERM was not enough within 20 seconds.
    private static func waitForExit(_ process: ChildProcess) async {
        let killer = Task {
            try await Task.sleep(for: .seconds(20))
            process.terminate(SIGKILL)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        killer.cancel()
    }

    /// Runs a command (looked up on PATH) to its end; returns its status and standard output.
    @discardableResult
    static func runTool(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String) {
        // `env -C` changes into the directory before it runs the command.
        let directoryArguments = directory.map { ["-C", $0.path] } ?? []
        let process = try ChildProcess(executable: "/usr/bin/env", arguments: directoryArguments + arguments, standardOutput: .pipe)
        let data = process.standardOutput!.readDataToEndOfFile()
        let status = process.waitUntilExit()
        return (status, String(decoding: data, as: UTF8.self))
    }
}
