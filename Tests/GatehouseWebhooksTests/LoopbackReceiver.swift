import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A webhook receiver on 127.0.0.1: an HTTP/1.1 server that records every request and answers each as
/// its script says — the far end of `WebhookDelivery`, a real socket rather than a double.
final class LoopbackReceiver: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        var uri: String
        var headers: HTTPHeaders
        var body: [UInt8]

        /// The single value of header `name`; `nil` when it is absent or repeated.
        func header(_ name: String) -> String? {
            let values = headers[name]
            return values.count == 1 ? values[0] : nil
        }
    }

    enum Answer: Sendable {
        /// A response with this status and body.
        case status(Int, body: String = "")
        /// A redirect to `location`.
        case redirect(_ status: Int, location: String)
        /// Closes the connection without a response.
        case close
        /// Says nothing, leaving the connection open.
        case silence
    }

    /// Decides the answer to a request, given the request and how many requests (1 for the first)
    /// the receiver has had in all.
    typealias Script = @Sendable (Request, Int) -> Answer

    /// What the connections share: the channels, to close them, and the requests received.
    fileprivate final class Shared: Sendable {
        let children = Mutex<[any Channel]>([])
        let requests = Mutex<[Request]>([])
        let arrivals: AsyncStream<Request>
        let arrived: AsyncStream<Request>.Continuation

        init() {
            (arrivals, arrived) = AsyncStream.makeStream(of: Request.self)
        }
    }

    let port: Int
    private let channel: any Channel
    private let shared: Shared

    /// The path every test posts to.
    static let path = "/hooks/gatehouse"
    /// The endpoint's URL.
    var url: String { "http://127.0.0.1:\(port)\(Self.path)" }
    /// The requests received so far, in order.
    var requests: [Request] { shared.requests.withLock { $0 } }
    /// Each request, as it arrives.
    var arrivals: AsyncStream<Request> { shared.arrivals }

    private init(port: Int, channel: any Channel, shared: Shared) {
        self.port = port
        self.channel = channel
        self.shared = shared
    }

    /// Starts a receiver that answers every request `answer`, runs `body` with it, and stops it.
    static func with<Result: Sendable>(answering answer: Answer, _ body: (LoopbackReceiver) async throws -> Result) async throws -> Result {
        try await with(script: { _, _ in answer }, body)
    }

    /// Starts a receiver that answers as `script` says, runs `body` with it, and stops it.
    static func with<Result: Sendable>(script: @escaping Script, _ body: (LoopbackReceiver) async throws -> Result) async throws -> Result {
        let shared = Shared()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                shared.children.withLock { $0.append(child) }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(ReceivingHandler(script: script, shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        let receiver = LoopbackReceiver(port: port, channel: channel, shared: shared)
        do {
            let result = try await body(receiver)
            await receiver.stop()
            return result
        } catch {
            await receiver.stop()
            throw error
        }
    }

    /// Stops listening and closes every connection.
    private func stop() async {
        shared.arrived.finish()
        try? await channel.close()
        for child in shared.children.withLock({ $0 }) {
            try? await child.close()
        }
    }
}

private final class ReceivingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let script: LoopbackReceiver.Script
    private let shared: LoopbackReceiver.Shared
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(script: @escaping LoopbackReceiver.Script, shared: LoopbackReceiver.Shared) {
        self.script = script
        self.shared = shared
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
            let request = LoopbackReceiver.Request(method: head.method, uri: head.uri, headers: head.headers, body: body)
            let count = shared.requests.withLock { requests in
                requests.append(request)
                return requests.count
            }
            let answer = script(request, count)
            shared.arrived.yield(request)
            switch answer {
            case .status(let code, let text):
                respond(context: context, version: head.version, status: HTTPResponseStatus(statusCode: code), headers: [:], body: text)
            case .redirect(let code, let location):
                respond(
                    context: context,
                    version: head.version,
                    status: HTTPResponseStatus(statusCode: code),
                    headers: ["Location": location],
                    body: ""
                )
            case .close:
                context.close(promise: nil)
            case .silence:
                break
            }
        }
    }

    private func respond(context: ChannelHandlerContext, version: HTTPVersion, status: HTTPResponseStatus, headers: [String: String], body: String) {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name: name, value: value) }
        fields.add(name: "Content-Length", value: String(body.utf8.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: fields))), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
