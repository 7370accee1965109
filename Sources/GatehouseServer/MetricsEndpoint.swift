import Gatehouse
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Serves the process's metrics for Prometheus: `GET /metrics` in the text exposition format, on a
/// listener of its own (``ServerConfiguration/metricsAddress``), so that the API's address never
/// exposes them. Every other path is 404.
///
/// The registry is the one the process bootstrapped swift-metrics with; bootstrapping belongs to the
/// executable (`gatehouse serve` does it when `--metrics-address` is given), because a process has one
/// metrics system.
public struct MetricsEndpoint: Service, CustomStringConvertible {
    public let address: ListeningAddress
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let onServerRunning: @Sendable (ListeningAddress) async -> Void

    /// - Parameters:
    ///   - address: Where to listen; port 0 picks a free port (reported to `onServerRunning`).
    ///   - registry: The registry to expose.
    ///   - onServerRunning: Called once the socket is bound, with the actual address.
    public init(
        address: ListeningAddress,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        onServerRunning: @escaping @Sendable (ListeningAddress) async -> Void = { _ in }
    ) {
        self.address = address
        self.registry = registry
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let registry = registry
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        let host = address.host
        let requestedPort = address.port
        let logger = logger
        let onServerRunning = onServerRunning
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: requestedPort)),
            onServerRunning: { channel in
                let bound = ListeningAddress(host: host, port: channel.localAddress?.port ?? requestedPort)
                logger.info("metrics for Prometheus at \(bound.url)/metrics")
                await onServerRunning(bound)
            },
            logger: logger
        )
        try await app.run()
    }

    /// Records `gatehouse_build_info{version} 1`, so dashboards can tell which version a server runs.
    public static func recordBuildInfo(version: String = BuildInfo.version) {
        Gauge(label: "gatehouse_build_info", dimensions: [("version", version)]).record(1)
    }

    public var description: String { "MetricsEndpoint(\(address))" }
}

/// What this build of Gatehouse is.
public enum BuildInfo {
    /// The version, as in CHANGELOG.md: the next release while it is being made.
    public static let version = "0.2.0-dev"
}
