import Foundation
import GatehouseServer
import Logging
import Prometheus
import ServiceLifecycle
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("The Prometheus endpoint: --metrics-address and GET /metrics")
struct MetricsEndpointTests {
    @Test(
        "addresses are host:port, with IPv6 in brackets",
        arguments: [
            ("127.0.0.1:9464", ListeningAddress(host: "127.0.0.1", port: 9464)),
            ("[::1]:9464", ListeningAddress(host: "::1", port: 9464)),
            ("localhost:1", ListeningAddress(host: "localhost", port: 1)),
            ("0.0.0.0:65535", ListeningAddress(host: "0.0.0.0", port: 65_535)),
        ]
    )
    func parsesAddresses(text: String, expected: ListeningAddress) {
        #expect(ListeningAddress(parsing: text) == expected)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "", "9464", "127.0.0.1", "127.0.0.1:", ":9464", "127.0.0.1:0", "127.0.0.1:65536", "::1:9464", "[::1:9464", "[]:9464", "a b:1", "host:x",
        ]
    )
    func refusesAddresses(text: String) {
        #expect(ListeningAddress(parsing: text) == nil)
    }

    @Test("--metrics-address and GATEHOUSE_METRICS_ADDRESS; off by default; a bad value names the flag")
    func configuration() throws {
        #expect(try ServerConfiguration.resolve(flags: ServerFlags(), environment: [:]).metricsAddress == nil)
        var flags = ServerFlags()
        flags.metricsAddress = "127.0.0.1:9464"
        #expect(try ServerConfiguration.resolve(flags: flags, environment: [:]).metricsAddress == ListeningAddress(host: "127.0.0.1", port: 9464))
        let fromEnvironment = try ServerConfiguration.resolve(flags: ServerFlags(), environment: ["GATEHOUSE_METRICS_ADDRESS": "[::1]:9000"])
        #expect(fromEnvironment.metricsAddress == ListeningAddress(host: "::1", port: 9000))
        flags.metricsAddress = "9464"
        #expect {
            try ServerConfiguration.resolve(flags: flags, environment: [:])
        } throws: { error in
            ((error as? ServerConfigurationError)?.message ?? "").contains("invalid --metrics-address: '9464'")
        }
    }

    @Test("the endpoint serves its registry at /metrics over a real socket, and nothing else")
    func servesTheRegistry() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "gatehouse", metricName: "test_events", unitName: "total", helpText: "Test events.")
        ).increment(by: Int64(3))
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let endpoint = MetricsEndpoint(address: ListeningAddress(host: "127.0.0.1", port: 0), registry: registry, logger: quietLogger) { bound in
            continuation.yield(bound.port)
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [endpoint], logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200)
            #expect(http.value(forHTTPHeaderField: "Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let text = String(decoding: body, as: UTF8.self)
            #expect(text.contains("# TYPE gatehouse_test_events_total counter"))
            #expect(text.contains("gatehouse_test_events_total 3"))
            let (_, other) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/v1/me")!)
            #expect((other as? HTTPURLResponse)?.statusCode == 404)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
