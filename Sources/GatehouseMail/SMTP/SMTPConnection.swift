import Foundation
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One connection to an SMTP server: commands out, replies in, each reply awaited with a deadline.
///
/// Every wait ends by the earlier of the reply timeout and the deadline of the whole delivery, and
/// every failure comes out as a ``MailDeliveryError`` naming the step: a connection that could not be
/// made, closed or reset, a reply that did not come in time or could not be read, a TLS handshake that
/// failed — all temporary. Replies themselves are the caller's to judge.
struct SMTPConnection: Sendable {
    /// What a TLS handshake needs.
    struct TLS: Sendable {
        var context: NIOSSLContext
        /// The name the certificate must be valid for, sent as SNI; `nil` for an IP address, which the
        /// certificate must then list.
        var serverHostname: String?
    }

    /// How long each part may take; `deadline` ends the whole delivery.
    struct Timing: Sendable {
        var connectTimeout: Duration
        var replyTimeout: Duration
        var totalTimeout: Duration
        var deadline: NIODeadline
    }

    private let channel: any Channel
    private let handler: NIOLoopBound<SMTPChannelHandler>
    private let timing: Timing

    private init(channel: any Channel, handler: NIOLoopBound<SMTPChannelHandler>, timing: Timing) {
        self.channel = channel
        self.handler = handler
        self.timing = timing
    }

    /// Connects to `host`:`port`, with TLS from the start when `tls` is given.
    static func connect(
        host: String,
        port: Int,
        tls: TLS?,
        group: any EventLoopGroup,
        timing: Timing
    ) async throws(MailDeliveryError) -> SMTPConnection {
        struct Opened: Sendable {
            var channel: any Channel
            var handler: NIOLoopBound<SMTPChannelHandler>
        }
        let remaining = timing.deadline - .now()
        let connectTimeout = min(TimeAmount(timing.connectTimeout), remaining)
        guard connectTimeout > .zero else { throw .temporary("the delivery took longer than \(timing.totalTimeout) before connecting") }
        do {
            let opened = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = SMTPChannelHandler(eventLoop: channel.eventLoop, handshakePending: tls != nil)
                        if let tls {
                            let tlsHandler = try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname)
                            try channel.pipeline.syncOperations.addHandler(tlsHandler)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return Opened(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                    }
                }
            return SMTPConnection(channel: opened.channel, handler: opened.handler, timing: timing)
        } catch {
            throw .temporary("could not connect to \(host):\(port): \(Self.connectFailure(error))")
        }
    }

    /// The next reply, such as the greeting.
    func reply(to step: SMTPStep) async throws(MailDeliveryError) -> SMTPReply {
        let deadline = min(NIODeadline.now() + TimeAmount(timing.replyTimeout), timing.deadline)
        let handler = self.handler
        do {
            return try await channel.eventLoop.flatSubmit { handler.value.nextReply(deadline: deadline) }.get()
        } catch {
            throw failure(error, during: step)
        }
    }

    /// Sends one command line (CRLF is added) and returns the reply. A line holding CR or LF is refused
    /// before anything is sent.
    func command(_ line: String, step: SMTPStep) async throws(MailDeliveryError) -> SMTPReply {
        guard !line.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else {
            throw .permanent("\(step) would contain a line break")
        }
        return try await send(Array((line + "\r\n").utf8), step: step)
    }

    /// Sends `bytes` as they are (the dot-stuffed message) and returns the reply.
    func send(_ bytes: [UInt8], step: SMTPStep) async throws(MailDeliveryError) -> SMTPReply {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        return try await reply(to: step)
    }

    /// Puts TLS under the conversation after the server's `220` to `STARTTLS`. Bytes the server sent
    /// before the handshake could have been injected by anyone on the path: they end the delivery.
    /// The handshake itself runs with the next command; its failure comes out of that command's
    /// reply.
    func startTLS(_ tls: TLS) async throws(MailDeliveryError) {
        let channel = self.channel
        let handler = self.handler
        do {
            try await channel.eventLoop.submit {
                guard !handler.value.hasUnreadInput else { throw UnexpectedInput() }
                let tlsHandler = try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname)
                handler.value.tlsStarted()
                try channel.pipeline.syncOperations.addHandler(tlsHandler, position: .first)
            }.get()
        } catch is UnexpectedInput {
            throw .temporary("the server sent data before the TLS handshake after STARTTLS")
        } catch {
            throw .temporary("TLS could not be started: \(Self.brief(error))")
        }
    }

    private struct UnexpectedInput: Error {}

    /// Says `QUIT` while the connection is open, waits a little for the answer (which changes
    /// nothing), and closes the connection.
    func quitAndClose() async {
        if channel.isActive {
            let deadline = min(NIODeadline.now() + min(TimeAmount(timing.replyTimeout), .seconds(5)), timing.deadline)
            let handler = self.handler
            channel.writeAndFlush(ByteBuffer(string: "QUIT\r\n"), promise: nil)
            _ = try? await channel.eventLoop.flatSubmit { handler.value.nextReply(deadline: deadline) }.get()
        }
        await close()
    }

    /// Closes the connection and waits until it is closed (for TLS, until the close is sent or its
    /// own timeout passes).
    func close() async {
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    /// What went wrong while waiting for the reply to `step`.
    private func failure(_ error: any Error, during step: SMTPStep) -> MailDeliveryError {
        switch error {
        case let failed as SMTPChannelHandler.HandshakeFailed:
            switch failed.underlying {
            case is SMTPChannelHandler.Timeout:
                return .temporary("TLS handshake failed: \(timeoutDescription(at: step))")
            case is SMTPChannelHandler.Closed:
                return .temporary("TLS handshake failed: the server closed the connection")
            default:
                return .temporary("TLS handshake failed: \(Self.tlsFailure(failed.underlying))")
            }
        case is SMTPChannelHandler.Timeout:
            return .temporary(timeoutDescription(at: step))
        case is SMTPChannelHandler.Closed:
            return .temporary("the server closed the connection during \(step)")
        case let parseError as SMTPReply.ParseError:
            return .temporary("unreadable reply to \(step): \(parseError)")
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return .temporary("TLS failure during \(step): \(Self.tlsFailure(error))")
        case let ioError as IOError:
            return .temporary("connection failure during \(step): \(Self.errnoDescription(ioError.errnoCode))")
        default:
            return .temporary("connection failure during \(step): \(Self.brief(error))")
        }
    }

    private func timeoutDescription(at step: SMTPStep) -> String {
        if NIODeadline.now() >= timing.deadline {
            return "the delivery took longer than \(timing.totalTimeout) (at \(step))"
        }
        return "no reply to \(step) within \(timing.replyTimeout)"
    }

    private static func connectFailure(_ error: any Error) -> String {
        switch error {
        case ChannelError.connectTimeout(let amount):
            return "no connection within \(Duration(amount))"
        case let connectionError as NIOConnectionError:
            if let first = connectionError.connectionErrors.first {
                return connectFailure(first.error)
            }
            if connectionError.dnsAError != nil || connectionError.dnsAAAAError != nil {
                return "the host name could not be resolved"
            }
            return "no address to connect to"
        case let ioError as IOError:
            return errnoDescription(ioError.errnoCode)
        default:
            return brief(error)
        }
    }

    private static func errnoDescription(_ code: CInt) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset"
        case ETIMEDOUT: "connection timed out"
        case EHOSTUNREACH, ENETUNREACH: "host unreachable"
        case EPIPE: "connection closed"
        default: "error \(code)"
        }
    }

    /// A TLS error in a few words: the certificate's name, or BoringSSL's reason (such as
    /// `certificate verify failed`) rather than the whole error stack.
    private static func tlsFailure(_ error: any Error) -> String {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the server's certificate is not valid for its name"
        }
        let text = String(describing: error)
        let marker = "OPENSSL_internal:"
        if let range = text.range(of: marker) {
            let reason = text[range.upperBound...].prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            if !reason.isEmpty { return reason.lowercased().replacingOccurrences(of: "_", with: " ") }
        }
        return brief(error)
    }

    /// An error's description, cut short: errors of the network and TLS layers never carry the
    /// message or the credentials, but may be long.
    static func brief(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count <= 200 ? text : String(text.prefix(200)) + "…"
    }
}
