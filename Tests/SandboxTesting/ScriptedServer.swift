import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A real HTTP server on a free loopback port whose every answer a test writes: any status,
/// headers and bytes, optionally dripped a chunk at a time. A hostile API, a webhook receiver, a
/// redirecting webhook. It records what it received.
public actor ScriptedServer {
    public struct Received: Sendable {
        public var method: String
        public var path: String
        /// The query string, undecoded (`a=1&b=2`), or nil.
        public var query: String?
        public var headers: [String: String]
        public var body: Data
    }

    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        /// When set, the body is sent one byte at a time with this pause before each.
        public var drip: Duration?

        public init(status: Int = 200, headers: [String: String] = ["Content-Type": "application/json"], body: Data = Data(), drip: Duration? = nil) {
            self.status = status
            self.headers = headers
            self.body = body
            self.drip = drip
        }

        public init(status: Int = 200, json: String) {
            self.init(status: status, body: Data(json.utf8))
        }
    }

    public private(set) var received: [Received] = []
    private let respond: @Sendable (Received) async -> Answer

    public init(_ respond: @escaping @Sendable (Received) async -> Answer) {
        self.respond = respond
    }

    func handle(_ request: Received) async -> Answer {
        received.append(request)
        return await respond(request)
    }

    /// Runs `body` with the server listening; passes its base URL (`http://127.0.0.1:PORT`).
    public func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        let server = self
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var buffer = try await request.body.collect(upTo: 16 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Received(method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                                    headers: headers, body: Data(buffer.readBytes(length: buffer.readableBytes) ?? []))
            let answer = await server.handle(received)
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { fields[field] = value }
            }
            let bytes = answer.body
            guard let drip = answer.drip else {
                return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
            return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody { writer in
                for byte in bytes {
                    try await Task.sleep(for: drip)
                    try await writer.write(ByteBuffer(bytes: [byte]))
                }
                try await writer.finish(nil)
            })
        }
        for method in [HTTPRequest.Method.get, .post, .patch, .put, .delete] {
            router.on("**", method: method, use: handler)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw NoPort() }
            let result = await Result { try await body("http://127.0.0.1:\(port)") }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    struct NoPort: Error {}
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
