import Foundation
public import Hummingbird
public import Logging
import NIOCore
import WadialAPI

/// Serves a `SandboxWorld` over HTTP on the WADial API's paths, with its envelope and errors:
/// `{"data": ...}` on success, `{"error": {"code", "message"}}` with 400 for malformed bodies and
/// JIDs, 401 for a wrong key, 404 for unknown sessions, groups and paths.
public struct SandboxServer: Sendable {
    public let world: SandboxWorld
    public let faults: FaultInjector
    public let apiKey: String
    public let style: SandboxWorld.FieldStyle

    public init(world: SandboxWorld, apiKey: String, faults: FaultInjector = FaultInjector(), style: SandboxWorld.FieldStyle = .primary) {
        self.world = world
        self.apiKey = apiKey
        self.faults = faults
        self.style = style
    }

    /// The HTTP application; run it in a `ServiceGroup`. `onRunning` receives the bound port.
    public func application(
        host: String = "127.0.0.1", port: Int = 0, logger: Logger = Logger(label: "wadial.sandbox"),
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        let server = self
        for method in [HTTPRequest.Method.get, .post, .patch, .put, .delete] {
            router.on("**", method: method) { request, _ in
                try await server.respond(to: request)
            }
        }
        router.on("/", method: .get) { request, _ in try await server.respond(to: request) }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "wadial-sandbox"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    struct DroppedConnection: Error {}

    func respond(to request: Request) async throws -> Response {
        await world.applyArrivals()
        let method = request.method.rawValue
        let path = request.uri.path
        var bodyData = Data()
        do {
            var buffer = try await request.body.collect(upTo: 1 << 20)
            bodyData = Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch {
            return await finish(method, path, nil, nil, .init(413, "PAYLOAD_TOO_LARGE", "body over 1 MiB"), fault: nil)
        }
        let body = bodyData.isEmpty ? nil : JSONValue.parse(bodyData)

        // A sink for the `webhook` action, so demos and tests have somewhere to post.
        if path.hasPrefix("/hooks/") {
            // The sink fails its first N deliveries when told to (`--fail-hooks N`).
            let accepted = await world.acceptHook()
            await world.recordCall(method: method, path: path, operation: nil, body: body, status: accepted ? 200 : 500, fault: accepted ? nil : "hook failure")
            return accepted ? Self.json(.ok, .object(["ok": .bool(true)]))
                : Self.json(.internalServerError, .object(["error": .object(["code": .string("HOOK_FAILED"), "message": .string("the sink fails this delivery")])]))
        }
        guard request.headers[.authorization] == "Bearer " + apiKey else {
            return await finish(method, path, nil, body, .init(401, "UNAUTHORIZED", "missing or invalid API key"), fault: nil)
        }
        // The call log, for end-to-end tests and benchmarks that run the engine as a process.
        if method == "GET", path == "/sandbox/calls" {
            let calls = await world.calls.map { call -> JSONValue in
                .object([
                    "time": .number(call.time.timeIntervalSince1970), "method": .string(call.method), "path": .string(call.path),
                    "operation": call.operation.map { .string($0.rawValue) } ?? .null, "body": call.body ?? .null,
                    "status": .number(Double(call.status)), "fault": call.fault.map(JSONValue.string) ?? .null,
                    "response": call.response ?? .null,
                ])
            }
            return Self.json(.ok, .object(["data": .array(calls)]))
        }
        guard let route = Route(method: method, path: path) else {
            return await finish(method, path, nil, body, .notFound("no endpoint \(method) \(path)"), fault: nil)
        }
        if route.operation.takesBody, !bodyData.isEmpty, body == nil {
            return await finish(method, path, route.operation, nil, .badRequest("the body is not JSON"), fault: nil)
        }

        var fault: Fault?
        for planned in await faults.faults(for: route.operation) {
            if case .latency(let duration) = planned {
                try? await Task.sleep(for: duration)
            } else {
                fault = planned
            }
        }
        switch fault {
        case .status(let status, let retryAfter)?:
            var response = await finish(method, path, route.operation, body, .init(status, status == 429 ? "RATE_LIMITED" : "UNAVAILABLE", "injected fault"), fault: fault)
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        case .drop?:
            await world.recordCall(method: method, path: path, operation: route.operation, body: body, status: 0, fault: Fault.drop.description)
            return Self.dropped
        default:
            break
        }

        let result: Result<JSONValue, SandboxError>
        do {
            result = .success(try await route.perform(on: world, body: body ?? .null, style: style))
        } catch let error as SandboxError {
            result = .failure(error)
        } catch {
            result = .failure(SandboxError(500, "INTERNAL", "unexpected error"))
        }
        switch (fault, result) {
        case (.dropAfterApply?, _):
            await world.recordCall(method: method, path: path, operation: route.operation, body: body, status: 0, fault: Fault.dropAfterApply.description,
                                   response: try? result.get())
            return Self.dropped
        case (.malformed?, _):
            await world.recordCall(method: method, path: path, operation: route.operation, body: body, status: 200, fault: Fault.malformed.description,
                                   response: try? result.get())
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"data\": [unterminated")))
        case (_, .success(let payload)):
            await world.recordCall(method: method, path: path, operation: route.operation, body: body, status: 200, fault: nil, response: payload)
            return Self.json(.ok, .object(["data": payload]))
        case (_, .failure(let error)):
            return await finish(method, path, route.operation, body, error, fault: nil)
        }
    }

    private func finish(_ method: String, _ path: String, _ operation: WadialOperation?, _ body: JSONValue?, _ error: SandboxError, fault: Fault?) async -> Response {
        await world.recordCall(method: method, path: path, operation: operation, body: body, status: error.status, fault: fault?.description)
        return Self.json(HTTPResponse.Status(code: error.status), .object(["error": .object(["code": .string(error.code), "message": .string(error.message)])]))
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: Array(value.encoded()))))
    }

    /// A response whose body fails once the head is out: the server closes the connection and
    /// the client sees it drop mid-answer.
    static var dropped: Response {
        Response(status: .ok, headers: [.contentLength: "64"], body: ResponseBody { _ in throw DroppedConnection() })
    }
}

/// An API path and method, parsed.
struct Route {
    let operation: WadialOperation
    let session: String
    let group: String?

    init?(method: String, path: String) {
        let segments = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        guard segments.count >= 4, segments[0] == "api", segments[1] == "v1", segments[2] == "sessions" else { return nil }
        session = segments[3]
        let rest = Array(segments.dropFirst(4))
        var group: String?
        let operation: WadialOperation?
        switch (method, rest.count) {
        case ("GET", 0): operation = .sessionStatus
        case ("POST", 1) where rest == ["connect"]: operation = .reconnect
        case ("GET", 1) where rest == ["groups"]: operation = .listGroups
        case ("POST", 1) where rest == ["groups"]: operation = .createGroup
        case ("POST", 3) where rest == ["groups", "invite", "preview"]: operation = .previewInvite
        case ("POST", 2) where rest == ["groups", "join"]: operation = .joinByInvite
        case ("POST", 2) where rest == ["groups", "leave"]: operation = .leave
        case (_, 2...4) where rest[0] == "groups":
            group = rest[1]
            switch (method, Array(rest.dropFirst(2))) {
            case ("GET", []): operation = .group
            case ("PATCH", ["profile"]): operation = .updateProfile
            case ("POST", ["participants"]): operation = .updateParticipants
            case ("PATCH", ["settings"]): operation = .updateSetting
            case ("GET", ["invite-code"]): operation = .inviteCode
            case ("POST", ["invite", "revoke"]): operation = .revokeInvite
            case ("GET", ["membership-requests"]): operation = .membershipRequests
            case ("POST", ["membership-requests"]): operation = .decideRequests
            default: operation = nil
            }
        default:
            operation = nil
        }
        guard let operation else { return nil }
        self.operation = operation
        self.group = group
    }

    func perform(on world: SandboxWorld, body: JSONValue, style: SandboxWorld.FieldStyle) async throws -> JSONValue {
        let group = group ?? ""
        switch operation {
        case .sessionStatus: return try await world.sessionStatus(session)
        case .reconnect: return try await world.connect(session)
        case .listGroups: return try await world.listGroups(session, style: style)
        case .group: return try await world.metadata(session, group, style: style)
        case .createGroup: return try await world.createGroup(session, body: body, style: style)
        case .updateProfile: return try await world.updateProfile(session, group, body: body)
        case .updateParticipants: return try await world.updateParticipants(session, group, body: body)
        case .updateSetting: return try await world.updateSetting(session, group, body: body)
        case .previewInvite: return try await world.previewInvite(session, body: body)
        case .joinByInvite: return try await world.join(session, body: body)
        case .inviteCode: return try await world.inviteCode(session, group)
        case .revokeInvite: return try await world.revokeInvite(session, group)
        case .membershipRequests: return try await world.membershipRequests(session, group, style: style)
        case .decideRequests: return try await world.decideRequests(session, group, body: body)
        case .leave: return try await world.leave(session, body: body)
        }
    }
}

extension WadialOperation {
    var takesBody: Bool {
        switch self {
        case .createGroup, .updateProfile, .updateParticipants, .updateSetting, .previewInvite, .joinByInvite, .decideRequests, .leave: true
        default: false
        }
    }
}
