import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 load generator on SwiftNIO: keep-alive connections, each sending one request at a
/// time as its ``ConnectionScript`` dictates, timing every response. Connections are opened first and
/// started together, so connection setup is not part of what is measured.
final class HTTPLoadClient: Sendable {
    let host: String
    let port: Int
    private let group: MultiThreadedEventLoopGroup

    init(host: String = "127.0.0.1", port: Int, threads: Int = 1) {
        self.host = host
        self.port = port
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    /// An open connection, not yet started.
    struct Connection: Sendable {
        let channel: any Channel
        let report: EventLoopFuture<ConnectionReport>

        /// Lets the connection send its first request.
        func start() {
            channel.pipeline.fireUserInboundEventTriggered(ScriptedConnection.Start())
        }
    }

    /// Opens `count` connections; `script(index)` is called on each connection's event loop to make
    /// the script that drives it.
    func connect(count: Int, script: @escaping @Sendable (Int) -> any ConnectionScript) async throws -> [Connection] {
        var connections: [Connection] = []
        for index in 0..<count {
            let loop = group.next()
            let promise = loop.makePromise(of: ConnectionReport.self)
            let channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    do {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ScriptedConnection(script: script(index), report: promise))
                        return channel.eventLoop.makeSucceededVoidFuture()
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                .connect(host: host, port: port)
                .get()
            connections.append(Connection(channel: channel, report: promise.futureResult))
        }
        return connections
    }

    /// Lets every connection send its first request.
    func start(_ connections: [Connection]) {
        for connection in connections { connection.start() }
    }

    /// Waits until every connection has finished its script.
    func reports(_ connections: [Connection]) async throws -> [ConnectionReport] {
        var reports: [ConnectionReport] = []
        for connection in connections { reports.append(try await connection.report.get()) }
        return reports
    }

    /// The reports of the connections that finished within `seconds`; the others are closed
    /// unfinished. Polls every few milliseconds rather than waiting on futures, so that it returns
    /// on time whatever the server does.
    func reports(_ connections: [Connection], within seconds: Double) async -> (finished: [ConnectionReport], unfinished: Int) {
        let collected = Mutex<[ConnectionReport]>([])
        for connection in connections {
            connection.report.whenSuccess { report in collected.withLock { $0.append(report) } }
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .nanoseconds(Int64(seconds * 1e9))
        while collected.withLock({ $0.count }) < connections.count, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let finished = collected.withLock { $0 }
        if finished.count < connections.count {
            for connection in connections { connection.channel.close(promise: nil) }
        }
        return (finished, connections.count - finished.count)
    }

    func shutdown() async {
        try? await group.shutdownGracefully()
    }

    /// "Host" and "User-Agent", which every request carries.
    func baseHeaders(userAgent: String) -> HTTPHeaders {
        HTTPHeaders([("Host", "\(host):\(port)"), ("User-Agent", userAgent)])
    }
}

/// One timed response.
struct LatencySample: Sendable {
    /// When the response ended, in `NIODeadline` uptime nanoseconds.
    var completedAt: UInt64
    var nanoseconds: UInt64
}

/// What one connection did.
struct ConnectionReport: Sendable {
    var samples: [LatencySample] = []
    var failures = 0
    var lastFailure: String?
    /// The token the connection ended with, for scripts that carry one.
    var token: String?
}

/// A request as a script describes it.
struct LoadRequest {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: ByteBuffer?
}

/// Decides what one connection sends and judges what it gets back. Called only on the connection's
/// event loop.
protocol ConnectionScript: AnyObject {
    /// The next request, or `nil` to finish.
    func nextRequest(now: NIODeadline) -> LoadRequest?
    /// Reads a complete response; a thrown error ends the connection as failed.
    func received(status: HTTPResponseStatus, headers: HTTPHeaders) throws
    /// How long to wait before the next request (`nil`: at once).
    var pause: TimeAmount? { get }
    /// The token the script holds now, if it carries one.
    var token: String? { get }
}

extension ConnectionScript {
    var pause: TimeAmount? { nil }
    var token: String? { nil }
}

/// Drives a connection with its script: one request in flight at a time, each response timed.
final class ScriptedConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Start: Sendable {}

    /// Bounds the memory of one connection's samples whatever the duration.
    static let maximumSamples = 2_000_000

    private let script: any ConnectionScript
    private let reportPromise: EventLoopPromise<ConnectionReport>
    private var report = ConnectionReport()
    private var context: ChannelHandlerContext?
    private var responseHead: HTTPResponseHead?
    private var sentAt: UInt64 = 0
    private var started = false
    private var done = false

    init(script: any ConnectionScript, report: EventLoopPromise<ConnectionReport>) {
        self.script = script
        self.reportPromise = report
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Start, !started {
            started = true
            sendNext()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            responseHead = head
        case .body:
            break
        case .end:
            let now = NIODeadline.now().uptimeNanoseconds
            guard let head = responseHead else { return finish(failure: "a response ended without a head") }
            responseHead = nil
            if report.samples.count < Self.maximumSamples {
                report.samples.append(LatencySample(completedAt: now, nanoseconds: now &- sentAt))
            }
            do {
                try script.received(status: head.status, headers: head.headers)
            } catch {
                report.failures += 1
                return finish(failure: "\(error)")
            }
            if let pause = script.pause {
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: pause) { loopBound.value.sendNext() }
            } else {
                sendNext()
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(failure: done ? nil : "the server closed the connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(failure: "\(error)")
    }

    private func sendNext() {
        guard let context, !done else { return }
        guard let request = script.nextRequest(now: .now()) else { return finish(failure: nil) }
        let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.uri, headers: request.headers)
        sentAt = NIODeadline.now().uptimeNanoseconds
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = request.body {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func finish(failure: String?) {
        guard !done else { return }
        done = true
        if let failure {
            report.failures = max(1, report.failures)
            report.lastFailure = failure
        }
        report.token = script.token
        reportPromise.succeed(report)
        context?.close(promise: nil)
    }
}

// MARK: Scripts

/// The same request over and over until stopped (or a cap), each after a pause when one is given (a
/// light, steady probe) or at once.
final class RepeatingScript: ConnectionScript {
    private let request: LoadRequest
    private let stop: StopSignal
    private var remaining: Int
    let pause: TimeAmount?

    init(request: LoadRequest, pause: TimeAmount? = nil, stop: StopSignal, cap: Int = ScriptedConnection.maximumSamples) {
        self.request = request
        self.pause = pause
        self.stop = stop
        self.remaining = cap
    }

    func nextRequest(now: NIODeadline) -> LoadRequest? {
        guard !stop.isSet, remaining > 0 else { return nil }
        remaining -= 1
        return request
    }

    func received(status: HTTPResponseStatus, headers: HTTPHeaders) throws {
        guard status == .ok else { throw BenchmarkError("\(request.uri) answered \(status.code)") }
    }
}

/// Authenticated requests with the newest token: each response must carry the next one in
/// `Auth-Token`, which the following request presents.
final class RotatingTokenScript: ConnectionScript {
    private let uri: String
    private let baseHeaders: HTTPHeaders
    private let stop: StopSignal
    private var remaining: Int
    private var current: String

    init(uri: String, token: String, baseHeaders: HTTPHeaders, stop: StopSignal, cap: Int = ScriptedConnection.maximumSamples) {
        self.uri = uri
        self.baseHeaders = baseHeaders
        self.current = token
        self.stop = stop
        self.remaining = cap
    }

    var token: String? { current }

    func nextRequest(now: NIODeadline) -> LoadRequest? {
        guard !stop.isSet, remaining > 0 else { return nil }
        remaining -= 1
        var headers = baseHeaders
        headers.add(name: "Authorization", value: "Bearer \(current)")
        return LoadRequest(method: .GET, uri: uri, headers: headers, body: nil)
    }

    func received(status: HTTPResponseStatus, headers: HTTPHeaders) throws {
        guard status == .ok else { throw BenchmarkError("\(uri) answered \(status.code)") }
        guard let renewed = headers.first(name: "Auth-Token"), !renewed.isEmpty, renewed != current else {
            throw BenchmarkError("\(uri) answered without a renewed token")
        }
        current = renewed
    }
}

/// The same authenticated request over and over until stopped (or a cap), its credential never
/// replaced: each response must be 200 and must not carry `credentialHeader`, whose presence would mean
/// that the server issued a new credential, and so wrote one.
final class FixedCredentialScript: ConnectionScript {
    private let request: LoadRequest
    private let credentialHeader: String
    private let stop: StopSignal
    private let bodyLength: BodyLength?
    private var remaining: Int

    init(
        request: LoadRequest,
        credentialHeader: String,
        stop: StopSignal,
        bodyLength: BodyLength? = nil,
        cap: Int = ScriptedConnection.maximumSamples
    ) {
        self.request = request
        self.credentialHeader = credentialHeader
        self.stop = stop
        self.bodyLength = bodyLength
        self.remaining = cap
    }

    func nextRequest(now: NIODeadline) -> LoadRequest? {
        guard !stop.isSet, remaining > 0 else { return nil }
        remaining -= 1
        return request
    }

    func received(status: HTTPResponseStatus, headers: HTTPHeaders) throws {
        guard status == .ok else { throw BenchmarkError("\(request.uri) answered \(status.code)") }
        guard !headers.contains(name: credentialHeader) else {
            throw BenchmarkError("\(request.uri) answered with a new credential in \(credentialHeader)")
        }
        if let bodyLength, let length = headers.first(name: "Content-Length").flatMap({ Int($0) }) { bodyLength.record(length) }
    }
}

/// The `Content-Length` of the latest response a script saw, for the report.
final class BodyLength: Sendable {
    private let bytes = Atomic<Int>(0)
    var value: Int { bytes.load(ordering: .relaxed) }
    func record(_ length: Int) { bytes.store(length, ordering: .relaxed) }
}

/// One request and its answer.
final class SingleRequestScript: ConnectionScript {
    private var request: LoadRequest?
    private let expected: HTTPResponseStatus

    init(request: LoadRequest, expected: HTTPResponseStatus = .ok) {
        self.request = request
        self.expected = expected
    }

    func nextRequest(now: NIODeadline) -> LoadRequest? {
        defer { request = nil }
        return request
    }

    func received(status: HTTPResponseStatus, headers: HTTPHeaders) throws {
        guard status == expected else { throw BenchmarkError("the request answered \(status.code)") }
    }
}

/// A flag the probes check before each request.
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
