import Synchronization
import Foundation

/// Keep-alive connections to upstream servers, reused across requests and threads.
/// A request on a reused connection that the server had closed meanwhile is retried
/// once on a fresh one (only for idempotent methods).
public final class HTTPClientPool: Sendable {
    public struct Upstream: Hashable, Sendable, CustomStringConvertible {
        public let host: String
        public let port: UInt16
        public init(host: String, port: UInt16) { self.host = host; self.port = port }

        /// `http://HOST:PORT` (a trailing slash is allowed), or `HOST:PORT`.
        public init?(url: String) {
            var rest = Substring(url)
            if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
            while rest.hasSuffix("/") { rest = rest.dropLast() }
            guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]), colon > rest.startIndex else { return nil }
            host = String(rest[..<colon])
            self.port = port
        }

        /// `http://HOST:PORT/PATH` as the upstream and the path (`/` when there is none).
        public static func split(url: String) -> (upstream: Upstream, path: String)? {
            guard url.hasPrefix("http://") else { return nil }
            let rest = url.dropFirst(7)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            guard let upstream = Upstream(url: String(rest[..<slash])) else { return nil }
            return (upstream, slash == rest.endIndex ? "/" : String(rest[slash...]))
        }

        public var description: String { "http://\(host):\(port)" }
    }

    /// Connections between exchanges. A connection is used by one thread at a time: taken
    /// out of here, used, put back.
    private let idle = Mutex<[Upstream: [HTTPClientConnection]]>([:])
    public let timeoutSeconds: Int
    public let connectTimeoutMilliseconds: Int32
    public let maxIdlePerUpstream: Int
    /// Upstream host names, resolved on the caller's (worker) thread and kept for a while.
    public let addresses: AddressCache
    /// Seconds one `stream` exchange may spend waiting for its upstream in all (nil: no limit).
    public let waitBudgetSeconds: Double?

    /// Told when a connection is dropped for bytes past a response's framing.
    let log: @Sendable (String) -> Void

    public init(timeoutSeconds: Int = 5, connectTimeoutMilliseconds: Int32 = 1000, maxIdlePerUpstream: Int = 32,
                resolveTTLSeconds: Double = 60, waitBudgetSeconds: Double? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.log = log
        addresses = AddressCache(ttlSeconds: resolveTTLSeconds)
        self.waitBudgetSeconds = waitBudgetSeconds
        self.timeoutSeconds = timeoutSeconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.maxIdlePerUpstream = maxIdlePerUpstream
    }

    public func request(_ upstream: Upstream, _ method: String, _ target: String, headers: [(String, String)] = []) throws -> HTTPClientConnection.Response {
        if let reused = takeIdle(upstream) {
            if let response = try? reused.request(method, target, headers: headers) {
                keep(reused, response, upstream)
                return response
            }
            guard method == "GET" || method == "HEAD" || method == "DELETE" else { throw HTTPClientConnection.ClientError.timeoutOrClosed }
        }
        let fresh = try connect(upstream)
        let response = try fresh.request(method, target, headers: headers)
        keep(fresh, response, upstream)
        return response
    }

    /// Sends a GET and hands the connection to `receive` once the response head is in;
    /// `receive` reads the body (or not: return `false` to have the connection closed).
    /// A reused connection the server had closed is replaced once.
    public func stream<T>(_ upstream: Upstream, _ target: String, headers: [(String, String)] = [],
                          receive: (HTTPClientConnection, HTTPClientConnection.Head) throws -> (T, reusable: Bool)) throws -> T {
        var connection = takeIdle(upstream)
        var head: HTTPClientConnection.Head?
        if let reused = connection {
            reused.waitBudget = waitBudgetSeconds
            reused.send("GET", target, headers: headers)
            head = try? reused.readHead()
            if head == nil { connection = nil }
        }
        if connection == nil {
            let fresh = try connect(upstream)
            fresh.waitBudget = waitBudgetSeconds
            fresh.send("GET", target, headers: headers)
            head = try fresh.readHead()
            connection = fresh
        }
        let (result, reusable) = try receive(connection!, head!)
        if reusable && head!.keepAlive { putIdle(connection!, upstream) }
        return result
    }

    /// Opens a connection to `upstream` (also for one-off exchanges the pool cannot frame: uploads), its name resolved through `addresses`; when none of
    /// its addresses answers they are forgotten, so the next attempt asks the resolver again.
    public func connect(_ upstream: Upstream) throws -> HTTPClientConnection {
        let host = HTTPClientConnection.bare(upstream.host)
        do {
            return try HTTPClientConnection(addresses: try addresses.addresses(host, port: upstream.port), host: host, port: upstream.port,
                                            timeoutSeconds: timeoutSeconds, connectTimeoutMilliseconds: connectTimeoutMilliseconds)
        } catch {
            addresses.forget(host, port: upstream.port)
            throw error
        }
    }

    private func keep(_ connection: HTTPClientConnection, _ response: HTTPClientConnection.Response, _ upstream: Upstream) {
        guard response.keepAlive else { return }
        putIdle(connection, upstream)
    }

    /// Keeps a connection for reuse only when it is exactly between responses.
    private func putIdle(_ connection: HTTPClientConnection, _ upstream: Upstream) {
        switch connection.idleState {
        case .betweenResponses: break
        case .closed: return
        case .extraBytes: log("upstream \(upstream) sent more data than specified: connection closed, not reused"); return
        }
        idle.withLock { idle in
            if idle[upstream, default: []].count < maxIdlePerUpstream { idle[upstream, default: []].append(connection) }
        }
    }

    /// An idle connection, checked again: bytes may have arrived since it was put back.
    private func takeIdle(_ upstream: Upstream) -> HTTPClientConnection? {
        while let connection = idle.withLock({ $0[upstream]?.popLast() }) {
            switch connection.idleState {
            case .betweenResponses: return connection
            case .closed: continue
            case .extraBytes: log("upstream \(upstream) sent data between responses: connection closed, not reused")
            }
        }
        return nil
    }
}
