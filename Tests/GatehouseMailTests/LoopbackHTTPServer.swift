import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 that records every request and gives each the same answer: the far end
/// of `HTTPMailTransport`, a real socket rather than a double.
final class LoopbackHTTPServer: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        var uri: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    enum Answer: Sendable {
        /// A response with this status and an empty body.
        case status(HTTPResponseStatus)
        /// Closes the connection without a response.
        case close
        /// Says nothing, leaving the connection open.
        case silence
    }

    /// What the connections share: the channels, to close them, and the requests received.
    private final class Shared: Sendable {
        let children = Mutex<[any Channel]>([])
        let requests = Mutex<[Request]>([])
    }

    let port: Int
    private let channel: any Channel
    private let shared: Shared

    /// The requests received so far, in order.
    var requests: [Request] { shared.requests.withLock { $0 } }

    private init(port: Int, channel: any Channel, shared: Shared) {
        self.port = port
        self.channel = channel
        self.shared = shared
    }

    /// Starts a server, runs `body` with it, and stops it.
    static func with<Result: Sendable>(
        answering answer: Answer,
        _ body: (LoopbackHTTPServer) async throws -> Result
    ) async throws -> Result {
        let shared = Shared()
        let record: @Sendable (Request) -> Void = { request in shared.requests.withLock { $0.append(request) } }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                shared.children.withLock { $0.append(child) }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(RecordingHandler(answer: answer, record: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        let server = LoopbackHTTPServer(port: port, channel: channel, shared: shared)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Stops listening and closes every connection.
    private func stop() async {
        try? await channel.close()
        for child in shared.children.withLock({ $0 }) {
            try? await child.close()
        }
    }
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let answer: LoopbackHTTPServer.Answer
    private let record: @Sendable (LoopbackHTTPServer.Request) -> Void
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(answer: LoopbackHTTPServer.Answer, record: @escaping @Sendable (LoopbackHTTPServer.Request) -> Void) {
        self.answer = answer
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let request = LoopbackHTTPServer.Request(method: head.method, uri: head.uri, headers: head.headers, body: body)
            record(request)
            switch answer {
            case .status(let status):
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "0")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case .close:
                context.close(promise: nil)
            case .silence:
                break
            }
        }
    }
}
