import Foundation

/// A throwaway certificate authority and a server certificate it signed for `localhost` and
/// `127.0.0.1`, made with the `openssl` command in a temporary directory; a second server certificate
/// from the same authority for `mail.example.com` alone; and a second, unrelated authority that
/// neither server certificate leads to.
struct SMTPTestCertificates: Sendable {
    let directory: URL

    var authority: String { directory.appendingPathComponent("ca.pem").path }
    var otherAuthority: String { directory.appendingPathComponent("other-ca.pem").path }
    var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }
    /// Valid for `mail.example.com` only: neither `localhost` nor any IP address.
    var otherNameCertificate: String { directory.appendingPathComponent("other-name.pem").path }
    var otherNameKey: String { directory.appendingPathComponent("other-name.key").path }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes the certificates, runs `body` with them, and removes them.
    static func with<Result>(_ body: (SMTPTestCertificates) async throws -> Result) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = SMTPTestCertificates(directory: directory)
        try certificates.make()
        return try await body(certificates)
    }

    private func make() throws {
        for name in ["ca", "other-ca"] {
            try openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj", "/CN=Gatehouse test \(name)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        try makeServerCertificate("server", commonName: "localhost", alternativeNames: "DNS:localhost, IP:127.0.0.1")
        try makeServerCertificate("other-name", commonName: "mail.example.com", alternativeNames: "DNS:mail.example.com")
    }

    private func makeServerCertificate(_ name: String, commonName: String, alternativeNames: String) throws {
        let extensions = """
            subjectAltName = \(alternativeNames)
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = serverAuth

            """
        try Data(extensions.utf8).write(to: directory.appendingPathComponent("\(name).ext"))
        try openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(commonName)",
        ])
        try openssl([
            "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext",
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        let status = try SMTPTestServer.runTool(["openssl"] + arguments, in: directory).status
        guard status == 0 else { throw Failure(description: "openssl \(arguments.first ?? "") failed with status \(status)") }
    }
}
