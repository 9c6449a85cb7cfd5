import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// An HTTP/1.1 server: one event loop per core on non-blocking sockets and epoll,
/// keep-alive and pipelining, `writev` + `sendfile` responses, limits and timeouts.
public final class HTTPServer: Sendable {
    public struct Config: Sendable {
        public var host = "127.0.0.1"
        public var port: UInt16 = 8080
        public var loops = max(1, ProcessInfo.processInfo.activeProcessorCount)
        public var limits = HTTPLimits()
        /// Largest request body held in memory.
        public var maxBufferedBody: Int64 = 1 << 20
        /// Largest request body a sink may stream (uploads).
        public var maxStreamedBody: Int64 = 1 << 40
        /// A streamed body that sends nothing for this long is cut off with 408.
        public var bodyStallSeconds = 30.0
        /// Threads for blocking work (`HTTPReply.deferred`).
        public var workers = 4
        /// Time to receive a whole request once its first byte arrived (slow clients get 408).
        public var requestTimeoutSeconds = 10.0
        /// Idle keep-alive connections are closed after this.
        public var idleTimeoutSeconds = 60.0
        /// A client that reads nothing of its response for this long is cut off.
        public var writeTimeoutSeconds = 30.0
        public var maxConnections = 20_000
        public var shutdownGraceSeconds = 10.0
        /// Error log: one line a refused or cut-off connection.
        public var log: @Sendable (String) -> Void = { _ in }
        /// Access log: one line a request (method, target, status, bytes, milliseconds).
        public var accessLog: (@Sendable (String) -> Void)?
        public init() {}

        var maxConnectionsPerLoop: Int { max(1, maxConnections / max(1, loops)) }
    }

    public let config: Config
    /// Connections open across all loops.
    public var openConnections: Int { counter.value }
    /// Times a loop paused accepting because the process ran out of descriptors.
    public var acceptPauses: Int { counter.acceptPauses }
    private let counter = ConnectionCounter()
    /// Polls done by all loops (for tests: an idle or waiting server turns a few times a second).
    var loopTurns: Int { loops.reduce(0) { $0 + $1.turns.load(ordering: .relaxed) } }
    /// The bound port (useful with port 0).
    public let port: UInt16
    private let loops: [EventLoop]
    private let pool: WorkerPool
    private let finished = DispatchGroup()

    public init(config: Config, handler: HTTPHandler) throws {
        signal(SIGPIPE, SIG_IGN)
        // A file-size limit (ulimit -f) must fail a write with EFBIG, never kill every stream.
        signal(SIGXFSZ, SIG_IGN)
        let first = try ListeningSocket(host: config.host, port: config.port)
        var sockets = [first]
        do {
            for _ in 1..<max(1, config.loops) { sockets.append(try ListeningSocket(host: config.host, port: first.port)) }
            // SO_REUSEPORT lets this process's loops share the port, and would let a second daemon
            // join them silently: refuse to start when anyone else listens there.
            if ListeningSocket.othersListen(host: config.host, port: first.port, besides: sockets.map(\.fd)) {
                throw SystemError("bind \(config.host):\(first.port): address in use by another process", errno: EADDRINUSE)
            }
        } catch {
            sockets.forEach { close($0.fd) }
            throw error
        }
        var c = config
        c.port = first.port
        self.config = c
        port = first.port
        let counter = self.counter
        let pool = WorkerPool(threads: c.workers)
        self.pool = pool
        loops = try sockets.map { try EventLoop(listener: $0, handler: handler, config: c, counter: counter, pool: pool) }
    }

    /// Starts the loops on their own threads and returns.
    public func start() {
        for loop in loops {
            finished.enter()
            let group = finished
            let thread = Thread { loop.run(); group.leave() }
            thread.name = "vod-http-loop"
            thread.start()
        }
    }

    /// Stops accepting, lets in-flight responses finish within the grace period, and waits.
    public func stop() {
        loops.forEach { $0.stop() }
        finished.wait()
        pool.stop()
    }
}
