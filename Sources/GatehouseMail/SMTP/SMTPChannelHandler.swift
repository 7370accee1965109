import NIOCore

/// The end of an SMTP client's channel pipeline: reads the server's replies and hands each to whoever
/// waits for it, with a deadline; lives on its channel's event loop.
///
/// Once anything fails — a malformed reply, a pipeline error (such as a TLS failure), the connection
/// closing, a deadline passing — every later wait fails the same way, after any reply already received
/// was handed out. A missed deadline closes the channel.
final class SMTPChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// No reply came before the deadline.
    struct Timeout: Error {}
    /// The connection closed.
    struct Closed: Error {}
    /// The TLS handshake did not complete: `underlying` says why.
    struct HandshakeFailed: Error {
        var underlying: any Error
    }

    private struct Waiter {
        var promise: EventLoopPromise<SMTPReply>
        var timeout: Scheduled<Void>
    }

    private var parser = SMTPReplyParser()
    private var received: [SMTPReply] = []
    private var waiter: Waiter?
    private var failure: (any Error)?
    private var context: ChannelHandlerContext?
    private let eventLoop: any EventLoop
    /// Whether a TLS handshake is under way: set when TLS starts, cleared by the first decrypted bytes.
    private var handshakePending: Bool

    /// - Parameters:
    ///   - eventLoop: The channel's event loop.
    ///   - handshakePending: Whether TLS starts with the connection (implicit TLS).
    init(eventLoop: any EventLoop, handshakePending: Bool = false) {
        self.eventLoop = eventLoop
        self.handshakePending = handshakePending
    }

    /// Whether bytes were received that no one has read yet.
    var hasUnreadInput: Bool { !received.isEmpty || parser.hasBufferedInput }

    /// Called when a TLS handler was put before this one.
    func tlsStarted() {
        handshakePending = true
    }

    /// The next reply, failed with ``Timeout`` if none came by `deadline`.
    func nextReply(deadline: NIODeadline) -> EventLoopFuture<SMTPReply> {
        if !received.isEmpty { return eventLoop.makeSucceededFuture(received.removeFirst()) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        guard context != nil else { return eventLoop.makeFailedFuture(Closed()) }
        precondition(waiter == nil, "one reply at a time")
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        let timeout = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            fail(Timeout())
            self.context?.close(promise: nil)
        }
        waiter = Waiter(promise: promise, timeout: timeout)
        return promise.futureResult
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(Closed())
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        handshakePending = false
        guard failure == nil else { return }
        parser.append(&bytes)
        do {
            while let reply = try parser.nextReply() {
                deliver(reply)
            }
        } catch {
            fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(Closed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func deliver(_ reply: SMTPReply) {
        if let waiter {
            self.waiter = nil
            waiter.timeout.cancel()
            waiter.promise.succeed(reply)
        } else if received.count < 16 {
            received.append(reply)
        } else {
            // Replies no command asked for, in numbers: not a server to talk to.
            fail(SMTPReply.ParseError.tooManyLines)
            context?.close(promise: nil)
        }
    }

    private func fail(_ error: any Error) {
        if failure == nil {
            failure = handshakePending ? HandshakeFailed(underlying: error) : error
        }
        if let waiter, let failure {
            self.waiter = nil
            waiter.timeout.cancel()
            waiter.promise.fail(failure)
        }
    }
}
