import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Delivers each message to an SMTP server (RFC 5321), over one connection per message.
///
/// A delivery greets the server (`EHLO`, or `HELO` when `EHLO` is refused with 5xx), upgrades the
/// connection with `STARTTLS` and greets again (unless the configuration says otherwise), authenticates
/// with `AUTH PLAIN` or `AUTH LOGIN` when it has credentials, sends `MAIL FROM`, `RCPT TO` and `DATA`
/// with the encoded message, and says `QUIT`. The server's certificate is verified against the
/// configured trust roots and must be valid for the host name.
///
/// Failures come out as ``MailDeliveryError``s: a 4xx reply, a connection that could not be made or was
/// lost, a reply that did not come in time, or a TLS handshake that failed is temporary; a 5xx reply,
/// an address that cannot be sent, or a server that does not offer `STARTTLS` when it is required is
/// permanent. Reasons name the step and the reply code (`RCPT TO refused: 550 5.1.1`), never the
/// message, its addresses or the password.
///
/// A delivery under way is not cut short by task cancellation, so a message is never left half sent;
/// ``SMTPConfiguration/totalTimeout`` bounds it.
public struct SMTPTransport: MailTransport {
    /// Where and how messages are delivered.
    public let configuration: SMTPConfiguration
    private let tls: SMTPConnection.TLS?
    private let eventLoopGroup: any EventLoopGroup
    private let encoder: SMTPMessageEncoder

    /// Checks `configuration` and loads its TLS trust roots.
    ///
    /// - Parameters:
    ///   - configuration: The server, security, credentials and timeouts.
    ///   - eventLoopGroup: Where connections run; NIO's shared group by default.
    /// - Throws: ``SMTPConfigurationError`` when the configuration cannot work: an empty host, a port out
    ///   of range, a `HELO` name that is not a plain name, a timeout that is not positive, credentials
    ///   with a NUL character, or trust roots that cannot be loaded.
    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(SMTPConfigurationError) {
        try Self.validate(configuration)
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.encoder = SMTPMessageEncoder(heloName: configuration.heloName)
        switch configuration.security {
        case .none:
            tls = nil
        case .startTLS, .implicitTLS:
            let name = configuration.tlsServerName ?? configuration.host
            tls = SMTPConnection.TLS(context: try Self.tlsContext(configuration.trustRoots), serverHostname: Self.isIPAddress(name) ? nil : name)
        }
    }

    /// Delivers `message`.
    public func send(_ message: MailMessage) async throws(MailDeliveryError) {
        let sender: SMTPMailbox
        let recipient: SMTPMailbox
        do {
            sender = try SMTPMailbox(parsing: message.from)
        } catch {
            throw .permanent("the sender address cannot be used: \(error)")
        }
        do {
            recipient = try SMTPMailbox(parsing: message.to)
        } catch {
            throw .permanent("the recipient address cannot be used: \(error)")
        }
        let content = SMTPMessageEncoder.dotStuffed(
            encoder.encode(message, from: sender, to: recipient, date: Date(), boundary: SMTPMessageEncoder.makeBoundary())
        )
        let timing = SMTPConnection.Timing(
            connectTimeout: configuration.connectTimeout,
            replyTimeout: configuration.replyTimeout,
            totalTimeout: configuration.totalTimeout,
            deadline: .now() + TimeAmount(configuration.totalTimeout)
        )
        let connection = try await SMTPConnection.connect(
            host: configuration.host,
            port: configuration.port,
            tls: configuration.security == .implicitTLS ? tls : nil,
            group: eventLoopGroup,
            timing: timing
        )
        do {
            try await converse(over: connection, from: sender.address, to: recipient.address, content: content)
        } catch {
            await connection.quitAndClose()
            throw error
        }
        // Delivered: whatever happens from here on changes nothing.
        await connection.quitAndClose()
    }

    /// The conversation up to the server's acceptance of the message.
    private func converse(over connection: SMTPConnection, from: String, to: String, content: [UInt8]) async throws(MailDeliveryError) {
        try Self.expect(try await connection.reply(to: .greeting), at: .greeting)
        var extensions = try await hello(over: connection)
        if configuration.security == .startTLS {
            guard let tls else { throw .permanent("STARTTLS is required but no TLS context was made") }
            guard extensions.offersStartTLS else {
                throw .permanent("the server does not offer STARTTLS, which the configuration requires")
            }
            try Self.expect(try await connection.command("STARTTLS", step: .startTLS), at: .startTLS)
            try await connection.startTLS(tls)
            extensions = try await hello(over: connection)
        }
        if let credentials = configuration.credentials {
            try await authenticate(credentials, offered: extensions, over: connection)
        }
        try Self.expect(try await connection.command("MAIL FROM:<\(from)>", step: .mailFrom), at: .mailFrom)
        try Self.expect(try await connection.command("RCPT TO:<\(to)>", step: .rcptTo), at: .rcptTo)
        try Self.expect(try await connection.command("DATA", step: .data), at: .data, accepting: 354)
        try Self.expect(try await connection.send(content, step: .endOfData), at: .endOfData)
    }

    /// `EHLO`, or `HELO` when the server refuses `EHLO` with 5xx; returns what the server offers.
    private func hello(over connection: SMTPConnection) async throws(MailDeliveryError) -> SMTPServerExtensions {
        let reply = try await connection.command("EHLO \(configuration.heloName)", step: .ehlo)
        if reply.isPositiveCompletion { return SMTPServerExtensions(ehloReply: reply) }
        guard reply.isPermanentNegative else { throw Self.refusal(reply, at: .ehlo) }
        try Self.expect(try await connection.command("HELO \(configuration.heloName)", step: .helo), at: .helo)
        return SMTPServerExtensions()
    }

    /// `AUTH PLAIN` when offered, else `AUTH LOGIN`.
    private func authenticate(
        _ credentials: SMTPCredentials,
        offered extensions: SMTPServerExtensions,
        over connection: SMTPConnection
    ) async throws(MailDeliveryError) {
        let mechanisms = extensions.authenticationMechanisms
        if mechanisms.contains("PLAIN") {
            // RFC 4616: authorization identity (empty), NUL, user name, NUL, password.
            let response = Self.base64([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))
            try Self.expect(try await connection.command("AUTH PLAIN \(response)", step: .auth), at: .auth)
        } else if mechanisms.contains("LOGIN") {
            try Self.expect(try await connection.command("AUTH LOGIN", step: .auth), at: .auth, accepting: 334)
            try Self.expect(try await connection.command(Self.base64(Array(credentials.username.utf8)), step: .auth), at: .auth, accepting: 334)
            try Self.expect(try await connection.command(Self.base64(Array(credentials.password.utf8)), step: .auth), at: .auth)
        } else {
            throw .permanent("the server offers no supported authentication (AUTH PLAIN or AUTH LOGIN)")
        }
    }

    /// Accepts `reply` when its code is `code`, or any 2xx code when `code` is `nil`.
    private static func expect(_ reply: SMTPReply, at step: SMTPStep, accepting code: Int? = nil) throws(MailDeliveryError) {
        let accepted = code.map { reply.code == $0 } ?? reply.isPositiveCompletion
        if accepted { return }
        throw refusal(reply, at: step)
    }

    /// The error for a reply that does not let the delivery go on.
    static func refusal(_ reply: SMTPReply, at step: SMTPStep) -> MailDeliveryError {
        if reply.isTransientNegative { return .temporary("\(step) refused: \(reply.summary)") }
        if reply.isPermanentNegative { return .permanent("\(step) refused: \(reply.summary)") }
        return .temporary("unexpected reply to \(step): \(reply.summary)")
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    private static func validate(_ configuration: SMTPConfiguration) throws(SMTPConfigurationError) {
        func isPlainName(_ text: String) -> Bool {
            !text.isEmpty && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        }
        guard isPlainName(configuration.host) else { throw SMTPConfigurationError("the host must be a host name or an IP address") }
        guard (1...65_535).contains(configuration.port) else { throw SMTPConfigurationError("the port must be between 1 and 65535") }
        guard isPlainName(configuration.heloName) else {
            throw SMTPConfigurationError("the HELO name must be a host name or an address literal, without spaces")
        }
        if let name = configuration.tlsServerName, !isPlainName(name) {
            throw SMTPConfigurationError("the TLS server name must be a host name or an IP address")
        }
        guard configuration.connectTimeout > .zero, configuration.replyTimeout > .zero, configuration.totalTimeout > .zero else {
            throw SMTPConfigurationError("the timeouts must be positive")
        }
        if let credentials = configuration.credentials, credentials.username.utf8.contains(0) || credentials.password.utf8.contains(0) {
            throw SMTPConfigurationError("the user name and password must not contain a NUL character")
        }
    }

    /// Certificate verification on, with the host name checked, against `trustRoots`.
    private static func tlsContext(_ trustRoots: SMTPConfiguration.TrustRoots) throws(SMTPConfigurationError) -> NIOSSLContext {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        tlsConfiguration.certificateVerification = .fullVerification
        // Once the server has accepted the message, a slow TLS close must not hold the delivery up.
        tlsConfiguration.shutdownTimeout = .seconds(2)
        do {
            switch trustRoots {
            case .system:
                tlsConfiguration.trustRoots = .default
            case .file(let path):
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    tlsConfiguration.trustRoots = .file(path)
                } else {
                    let certificates = try NIOSSLCertificate.fromPEMFile(path)
                    guard !certificates.isEmpty else { throw SMTPConfigurationError("no certificate in the trust roots file") }
                    tlsConfiguration.trustRoots = .certificates(certificates)
                }
            }
            return try NIOSSLContext(configuration: tlsConfiguration)
        } catch let error as SMTPConfigurationError {
            throw error
        } catch {
            throw SMTPConfigurationError("the TLS trust roots could not be loaded: \(SMTPConnection.brief(error))")
        }
    }

    private static func isIPAddress(_ name: String) -> Bool {
        (try? SocketAddress(ipAddress: name, port: 0)) != nil
    }
}
