import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on 127.0.0.1 that plays an SMTP server from a script: the cases a real server does not
/// act out — silence, malformed replies, a connection dropped halfway, data injected after `STARTTLS`.
///
/// Each connection gets `greeting` (unless `nil`), then every line the client sends goes to `script`,
/// which says what to answer. After a `354` reply to `DATA`, the lines up to the lone `.` are message data: they
/// are recorded as they came (still dot-stuffed) and the line `<end of data>` goes to the script.
final class SMTPScriptedServer: Sendable {
    enum Action: Sendable {
        /// Writes these reply lines (CRLF is added to each).
        case reply([String])
        /// Writes these reply lines, then closes the connection.
        case replyAndClose([String])
        /// Writes these bytes as they are.
        case raw(String)
        /// Closes the connection without a word.
        case close
        /// Says nothing.
        case silence
    }

    /// What the connections share: the channels, to close them, and the lines received.
    private final class Shared: Sendable {
        let children = Mutex<[any Channel]>([])
        let lines = Mutex<[String]>([])
    }

    let port: Int
    private let channel: any Channel
    private let shared: Shared

    /// Every line received, commands and message data alike, without line ends.
    var received: [String] { shared.lines.withLock { $0 } }

    private init(port: Int, channel: any Channel, shared: Shared) {
        self.port = port
        self.channel = channel
        self.shared = shared
    }

    /// Starts a server, runs `body` with it, and stops it.
    static func with<Result: Sendable>(
        greeting: String? = "220 scripted.test ESMTP",
        script: @escaping @Sendable (String) -> Action,
        _ body: (SMTPScriptedServer) async throws -> Result
    ) async throws -> Result {
        let server = try await start(greeting: greeting, script: script)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// The usual answers of a server that accepts everything, for scripts to fall back on.
    static func accepting(_ line: String) -> Action {
        let command = line.uppercased()
        if command.hasPrefix("EHLO") { return .reply(["250-scripted.test", "250 8BITMIME"]) }
        if command.hasPrefix("HELO") { return .reply(["250 scripted.test"]) }
        if command.hasPrefix("MAIL FROM:") || command.hasPrefix("RCPT TO:") { return .reply(["250 2.1.0 OK"]) }
        if command == "DATA" { return .reply(["354 go ahead"]) }
        if command == "<END OF DATA>" { return .reply(["250 2.0.0 queued"]) }
        if command == "QUIT" { return .replyAndClose(["221 2.0.0 bye"]) }
        return .reply(["502 5.5.1 not implemented"])
    }

    private static func start(greeting: String?, script: @escaping @Sendable (String) -> Action) async throws -> SMTPScriptedServer {
        let shared = Shared()
        let record: @Sendable (String) -> Void = { line in shared.lines.withLock { $0.append(line) } }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                shared.children.withLock { $0.append(child) }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ScriptedHandler(greeting: greeting, script: script, record: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        return SMTPScriptedServer(port: port, channel: channel, shared: shared)
    }

    /// Stops listening and closes every connection.
    func stop() async {
        try? await channel.close()
        for child in shared.children.withLock({ $0 }) {
            try? await child.close()
        }
    }
}

private final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let greeting: String?
    private let script: @Sendable (String) -> SMTPScriptedServer.Action
    private let record: @Sendable (String) -> Void
    private var buffer = ByteBuffer()
    private var inData = false

    init(greeting: String?, script: @escaping @Sendable (String) -> SMTPScriptedServer.Action, record: @escaping @Sendable (String) -> Void) {
        self.greeting = greeting
        self.script = script
        self.record = record
    }

    func channelActive(context: ChannelHandlerContext) {
        if let greeting { perform(.reply([greeting]), context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readableBytesView.startIndex
            var line = buffer.readString(length: length) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            record(line)
            if inData {
                if line == "." {
                    inData = false
                    perform(script("<end of data>"), context: context)
                }
                continue
            }
            let action = script(line)
            if line.uppercased() == "DATA", case .reply(let replies) = action, replies.last?.hasPrefix("354") == true { inData = true }
            perform(action, context: context)
        }
    }

    private func perform(_ action: SMTPScriptedServer.Action, context: ChannelHandlerContext) {
        switch action {
        case .reply(let replies):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: replies.map { $0 + "\r\n" }.joined())), promise: nil)
        case .replyAndClose(let replies):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: replies.map { $0 + "\r\n" }.joined())), promise: nil)
            context.close(promise: nil)
        case .raw(let text):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        case .close:
            context.close(promise: nil)
        case .silence:
            break
        }
    }
}
