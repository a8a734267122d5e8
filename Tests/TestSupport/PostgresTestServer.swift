import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster for the tests: Debian's `postgresql` package (`make test`
/// installs it when missing), in a temporary folder, on a free loopback port, trusting the
/// user `wadial`. Started once per test process, on first use, and stopped when the process
/// exits. `initdb` and `pg_ctl` refuse to run as root: as root (CI) they run as `nobody`
/// through `runuser`.
public actor PostgresTestServer {
    public static let shared = PostgresTestServer()

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    private var running: (port: Int, folder: String, bin: String)?

    /// The folder of Debian's server binaries (`/usr/lib/postgresql/N/bin`), newest first.
    static func binaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        return nil
    }

    /// The port of the running cluster, started first if need be.
    public func port() throws -> Int {
        if let running { return running.port }
        guard let bin = Self.binaries() else {
            throw Unavailable(description: "PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                + "run `make test`, which installs Debian's postgresql package, or `apt-get install -y postgresql`")
        }
        // In /tmp itself when root: the server runs as nobody, who must reach the folder (a
        // TMPDIR under root's home would not do).
        let base = getuid() == 0 ? URL(fileURLWithPath: "/tmp") : FileManager.default.temporaryDirectory
        let folder = base.appendingPathComponent("wadial-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "nobody"], ofItemAtPath: folder) }
        try Self.run(bin + "/initdb", ["-D", folder + "/data", "-U", "wadial", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        var lastError = ""
        for _ in 0..<5 {
            let port = try Self.freePort()
            do {
                try Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "30", "-o",
                                               "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200",
                                               "start"])
                running = (port, folder, bin)
                PostgresTestServerExit.register(bin: bin, folder: folder)
                return port
            } catch {
                lastError = "\(error)"
            }
        }
        throw Unavailable(description: "the test PostgreSQL server did not start: \(lastError)")
    }

    /// A new, empty database on the cluster; returns its `postgres://` URL.
    public func makeDatabase() throws -> String {
        let port = try port()
        guard let bin = running?.bin else { throw Unavailable(description: "no server") }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try Self.run(bin + "/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "wadial", name], asServerUser: false)
        return "postgres://wadial@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    /// Runs a tool to its end; throws with its output when it fails.
    ///
    /// Spawned and waited for by hand: Foundation's `Process` sees `pg_ctl start` as running for
    /// as long as the server it leaves behind holds a descriptor of its own.
    static func run(_ tool: String, _ arguments: [String], asServerUser: Bool = true) throws {
        let argv = (asServerUser && getuid() == 0) ? ["/usr/sbin/runuser", "-u", "nobody", "--", tool] + arguments : [tool] + arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("wadial-pg-tool-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &pointers, environ)
        guard spawned == 0 else { throw Unavailable(description: "could not start \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Unavailable(description: "\((tool as NSString).lastPathComponent) exited \(exited ? code : -1): \(output)")
        }
    }

    /// A loopback port nothing listens on now (bound to port 0, then closed).
    public static func freePort() throws -> Int {
        let reserved = try ReservedPort()
        defer { reserved.release() }
        return reserved.port
    }
}

/// A loopback port bound and not listening, for as long as it is held: a connection to it is
/// refused, and no other server can take it meanwhile.
public final class ReservedPort: @unchecked Sendable {
    public let port: Int
    private var fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresTestServer.Unavailable(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            throw PostgresTestServer.Unavailable(description: "could not bind a loopback port")
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}

/// Stops the cluster and removes its folder when the test process exits.
enum PostgresTestServerExit {
    nonisolated(unsafe) static var stop: (bin: String, folder: String)?

    static func register(bin: String, folder: String) {
        stop = (bin, folder)
        atexit {
            guard let (bin, folder) = PostgresTestServerExit.stop else { return }
            try? PostgresTestServer.run(bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
