import Foundation
public import WadialAPI

/// A `WadialClient` that talks to a `SandboxWorld` in process: no sockets, same contract.
///
/// Answers pass through the same JSON and the same decoders as HTTP answers, and every call is
/// logged in the world, so rule tests see the calls the engine would make.
public struct SandboxClient: WadialTransport {
    public let world: SandboxWorld
    public let style: SandboxWorld.FieldStyle

    public init(world: SandboxWorld, style: SandboxWorld.FieldStyle = .primary) {
        self.world = world
        self.style = style
    }

    public func send(_ request: WadialRequest, session: String) async throws -> JSONValue {
        guard !session.isEmpty else { throw WadialError.invalidRequest("no session id") }
        await world.applyArrivals()
        let path = "/api/v1/sessions/" + ([session] + request.segments).joined(separator: "/")
        guard let route = Route(method: request.method, path: path), route.operation == request.operation else {
            throw WadialError.invalidRequest("no route for \(request.method) \(path)")
        }
        do {
            let payload = try await route.perform(on: world, body: request.body ?? .null, style: style)
            await world.recordCall(method: request.method, path: path, operation: request.operation, body: request.body, status: 200, fault: nil, response: payload)
            // Round-trip through bytes, as over HTTP.
            return JSONValue.parse(payload.encoded()) ?? .null
        } catch let error as SandboxError {
            await world.recordCall(method: request.method, path: path, operation: request.operation, body: request.body, status: error.status, fault: nil)
            throw WadialError.status(error.status, code: error.code, message: error.message)
        }
    }
}
