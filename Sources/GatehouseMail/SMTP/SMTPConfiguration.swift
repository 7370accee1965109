/// Where and how ``SMTPTransport`` delivers: the server, how the connection is secured, the credentials,
/// and how long each part of a delivery may take.
public struct SMTPConfiguration: Sendable, Equatable {
    /// How the connection to the server is secured.
    public enum Security: String, Sendable, Equatable, CaseIterable {
        /// Plain connection upgraded with `STARTTLS` before anything else is sent (submission, port
        /// 587). A server that does not offer `STARTTLS` is refused: nothing is sent in the clear.
        case startTLS
        /// TLS from the first byte (SMTPS, port 465).
        case implicitTLS
        /// No TLS at all: addresses, the message and the credentials travel in the clear. The caller
        /// decides when that is acceptable, such as for a server on loopback.
        case none
    }

    /// The certificates a server's certificate chain must lead to.
    public enum TrustRoots: Sendable, Equatable {
        /// The operating system's trusted certificate authorities.
        case system
        /// The certificate authorities in a PEM file (or a directory of PEM files), such as a private
        /// CA's certificate.
        case file(String)
    }

    /// The server's host name or IP address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// How the connection is secured: `STARTTLS`, TLS from the start, or none.
    public var security: Security
    /// The user name and password to authenticate with, if the server needs them. `AUTH PLAIN` is used
    /// when the server offers it, `AUTH LOGIN` otherwise.
    public var credentials: SMTPCredentials?
    /// The name the client gives in `EHLO`/`HELO`, also the right-hand side of each `Message-ID`.
    public var heloName: String
    /// How long connecting may take.
    public var connectTimeout: Duration
    /// How long the server may take to answer one command (and the TLS handshake).
    public var replyTimeout: Duration
    /// How long one delivery may take in all, from connecting to the server's acceptance of the
    /// message.
    public var totalTimeout: Duration
    /// The certificate authorities the server's certificate is verified against.
    public var trustRoots: TrustRoots
    /// The name the server's certificate must be valid for; `host` when `nil`. When the name is an IP
    /// address, the certificate must list that address. A certificate that lists the IP address
    /// connected to is accepted as well (RFC 6125 as NIOSSL checks it).
    public var tlsServerName: String?

    /// - Parameters:
    ///   - host: The server's host name or IP address.
    ///   - port: The server's port; by default 587 for `.startTLS`, 465 for `.implicitTLS` and 25 for
    ///     `.none`.
    ///   - security: How the connection is secured; `STARTTLS` unless told otherwise.
    ///   - credentials: The user name and password, if the server requires authentication.
    ///   - heloName: The client's name in `EHLO`, `"localhost"` by default.
    ///   - connectTimeout: How long connecting may take.
    ///   - replyTimeout: How long one reply may take.
    ///   - totalTimeout: How long one delivery may take in all.
    ///   - trustRoots: What the server's certificate is verified against: the system's trust roots by
    ///     default.
    ///   - tlsServerName: The name the server's certificate must be valid for, if not `host`.
    public init(
        host: String,
        port: Int? = nil,
        security: Security = .startTLS,
        credentials: SMTPCredentials? = nil,
        heloName: String = "localhost",
        connectTimeout: Duration = .seconds(10),
        replyTimeout: Duration = .seconds(30),
        totalTimeout: Duration = .seconds(60),
        trustRoots: TrustRoots = .system,
        tlsServerName: String? = nil
    ) {
        self.host = host
        self.port = port ?? Self.defaultPort(for: security)
        self.security = security
        self.credentials = credentials
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.totalTimeout = totalTimeout
        self.trustRoots = trustRoots
        self.tlsServerName = tlsServerName
    }

    /// The usual port for `security`: 587 (submission), 465 (SMTPS) or 25.
    public static func defaultPort(for security: Security) -> Int {
        switch security {
        case .startTLS: 587
        case .implicitTLS: 465
        case .none: 25
        }
    }
}
