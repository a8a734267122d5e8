import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

/// `--metrics HOST:PORT`: Prometheus text at `/metrics`, and `/healthz` (200 while the last tick
/// succeeded within three poll intervals, 503 with the reason otherwise).
enum MetricsServer {
    /// Installs Prometheus as the process's metrics backend and returns its registry.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    static func parse(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(address[..<colon])
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    static func application(
        host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger,
        health: @escaping @Sendable () async -> (healthy: Bool, reason: String),
        status: @escaping @Sendable () async -> String
    ) -> some ApplicationProtocol {
        let router = Router()
        // The status page: HTML for people (StatusPage).
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: await status())))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/healthz") { _, _ in
            let (healthy, reason) = await health()
            return Response(status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: (healthy ? "ok: " : "unhealthy: ") + reason + "\n")))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "wadial-rules"),
                           onServerRunning: { channel in
                               logger.notice("metrics and health served", metadata: ["url": "http://\(host):\(channel.localAddress?.port ?? port)"])
                           },
                           logger: logger)
    }
}
