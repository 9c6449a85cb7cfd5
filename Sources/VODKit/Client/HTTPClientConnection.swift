import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One blocking HTTP/1.1 client connection with send and receive timeouts,
/// reusable for several requests (keep-alive). Responses framed by
/// Content-Length, chunked coding or the end of the connection.
///
/// `@unchecked Sendable`: it wraps a socket and is used by one thread at a time; the pool
/// hands it to one fetch and takes it back, never sharing it.
public final class HTTPClientConnection: @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var keepAlive: Bool
    }

    public enum ClientError: Error, Equatable { case connect(Int32), resolve(String, String), timeoutOrClosed, malformed(String), file(String, Int32) }

    let fd: Int32
    var buffer: [UInt8] = []
    /// The `Host` header sent with every request (`name:port`, brackets around IPv6).
    public let hostHeader: String

    /// Resolves `host` (a name, or an IPv4 or IPv6 literal) and connects to the first of its
    /// addresses that answers, each within `connectTimeoutMilliseconds` (an unreachable host
    /// must not hang a caller for the kernel's minutes); reads and writes then time out after
    /// `timeoutSeconds`. Blocking: call it off the event loops (the pool's callers are workers).
    public convenience init(host: String, port: UInt16, timeoutSeconds: Int = 5, connectTimeoutMilliseconds: Int32 = 2000) throws {
        let bare = Self.bare(host)
        try self.init(addresses: try SocketAddress.resolve(bare, port: port), host: bare, port: port, timeoutSeconds: timeoutSeconds,
                      connectTimeoutMilliseconds: connectTimeoutMilliseconds)
    }

    /// `host` without the brackets of an IPv6 literal in a URL.
    static func bare(_ host: String) -> String { host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host }

    /// Connects to the first of `addresses` (of `host`, named in the `Host` header) that answers.
    public init(addresses: [SocketAddress], host: String, port: UInt16, timeoutSeconds: Int = 5, connectTimeoutMilliseconds: Int32 = 2000) throws {
        let bare = Self.bare(host)
        hostHeader = bare.contains(":") ? "[\(bare)]:\(port)" : "\(bare):\(port)"
        var lastError = EHOSTUNREACH
        var connected: Int32?
        for address in addresses where connected == nil {
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { lastError = errno; continue }
            let started = address.bytes.withUnsafeBytes { raw in
                connect(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            if started != 0 {
                guard errno == EINPROGRESS else { lastError = errno; close(fd); continue }
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                guard poll(&p, 1, connectTimeoutMilliseconds) == 1 else { lastError = ETIMEDOUT; close(fd); continue }
                var error: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
                guard error == 0 else { lastError = error; close(fd); continue }
            }
            connected = fd
        }
        guard let fd = connected else { throw ClientError.connect(lastError) }
        self.fd = fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Seconds this connection may spend waiting for the server in all, over every `recv`
    /// (nil: no limit). The socket's timeout bounds one wait; this bounds a server that
    /// trickles a byte just often enough to never trip it.
    public var waitBudget: Double?
    private var waitBudgetSpent: Bool { (waitBudget ?? 1) <= 0 }

    /// One `recv`, its waiting charged to `waitBudget`; 0 (as if closed) once that is spent.
    private func timedRecv(_ base: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        guard !waitBudgetSpent else { return 0 }
        let started = monotonicNanoseconds()
        let n = recv(fd, base, count, 0)
        if let budget = waitBudget { waitBudget = budget - Double(monotonicNanoseconds() - started) / 1e9 }
        return n
    }

    /// Sends raw bytes (tests use this to speak broken HTTP on purpose).
    public func send(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    public func send(_ text: String) { send(Array(text.utf8)) }

    /// Sends a request without a body (its response is read by the caller).
    public func send(_ method: String, _ target: String, headers: [(String, String)] = []) {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        send(Array((text + "\r\n").utf8))
    }

    /// Sends a request and reads its response.
    public func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> Response {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "PUT" || method == "POST" { text += "Content-Length: \(body.count)\r\n" }
        send(Array((text + "\r\n").utf8) + body)
        return try readResponse(head: method == "HEAD")
    }

    /// Sends a request whose body is a file, streamed with `sendfile` (uploads), and reads the response.
    public func request(_ method: String, _ target: String, headers: [(String, String)] = [], file path: String) throws -> Response {
        let source = open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw ClientError.file(path, errno) }
        defer { close(source) }
        var st = stat()
        fstat(source, &st)
        var text = "\(method) \(target) HTTP/1.1\r\nHost: \(hostHeader)\r\nContent-Length: \(st.st_size)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        send(Array((text + "\r\n").utf8))
        var offset = off_t(0)
        while offset < st.st_size {
            let n = sendfile(fd, source, &offset, Int(st.st_size - offset))
            if n < 0 && errno == EINTR { continue }
            // The server may answer early (401, 413) and close: its response says why.
            if n <= 0 { break }
        }
        return try readResponse(head: method == "HEAD")
    }

    public typealias Head = HTTPResponseHead

    /// Reads one response.
    public func readResponse(head: Bool = false) throws -> Response {
        let h = try readHead()
        return Response(status: h.status, headers: h.headers, body: try readWholeBody(h, head: head), keepAlive: h.keepAlive)
    }

    /// The body that follows `h`, whole in memory (`head`: the request was a HEAD, so there is none);
    /// one longer than `limit` is refused.
    public func readWholeBody(_ h: Head, head: Bool = false, limit: Int = Int.max) throws -> [UInt8] {
        var body: [UInt8] = []
        if let length = h.contentLength, !h.chunked, length > 0, length < 1 << 30 { body.reserveCapacity(Int(min(length, Int64(limit)))) }
        try readBody(h, head: head) {
            guard $0.count <= limit - body.count else { throw ClientError.malformed("body over \(limit) bytes") }
            body.append(contentsOf: $0)
        }
        return body
    }

    /// Whether a body follows `h` (`head`: the request was a HEAD).
    public static func hasBody(_ h: Head, head: Bool = false) -> Bool {
        // An interim response (100 Continue) has none: the caller reads again for the final one.
        !(100..<200).contains(h.status) && !head && h.status != 204 && h.status != 304
    }

    /// Reads the body that follows `h` in any framing (length, chunked, until the connection
    /// closes), handing it to `sink` in pieces of at most 256 KiB as it arrives.
    public func readBody(_ h: Head, head: Bool = false, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard Self.hasBody(h, head: head) else { return }
        if h.chunked {
            var decoder = ChunkedDecoder(maxBody: 1 << 40)
            var piece: [UInt8] = []
            while true {
                let used = try decoder.decode(buffer[...], into: &piece)
                buffer.removeFirst(used)
                if !piece.isEmpty { try piece.withUnsafeBytes(sink); piece.removeAll(keepingCapacity: true) }
                if decoder.isDone { break }
                guard fill() else { throw ClientError.timeoutOrClosed }
            }
        } else if let length = h.contentLength {
            try readBody(length: length, into: sink)
        } else {
            if !buffer.isEmpty { try buffer.withUnsafeBytes(sink); buffer = [] }
            while fill() {
                try buffer.withUnsafeBytes(sink)
                buffer = []
            }
            if waitBudgetSpent { throw ClientError.timeoutOrClosed }
        }
    }

    /// Reads a status line and headers (at most `HTTPResponseHead.maxBytes`).
    public func readHead() throws -> Head {
        var end: Int?
        while end == nil {
            end = headEnd()
            if end == nil {
                guard buffer.count <= HTTPResponseHead.maxBytes else { throw ClientError.malformed("response head too large") }
                guard fill() else { throw ClientError.timeoutOrClosed }
            }
        }
        let head: Head
        do { head = try HTTPResponseHead.parse(buffer[0..<end!]) } catch { throw ClientError.malformed("response head: \(error)") }
        buffer.removeFirst(end! + 4)
        return head
    }

    /// Reads `length` body bytes, handing them to `sink` as they arrive (not held whole).
    public func readBody(length: Int64, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var left = length
        if !buffer.isEmpty {
            let n = Int(min(left, Int64(buffer.count)))
            try buffer[0..<n].withUnsafeBytes(sink)
            buffer.removeFirst(n)
            left -= Int64(n)
        }
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while left > 0 {
            let n = chunk.withUnsafeMutableBytes { timedRecv($0.baseAddress, min($0.count, Int(left))) }
            guard n > 0 else { throw ClientError.timeoutOrClosed }
            try chunk[0..<n].withUnsafeBytes(sink)
            left -= Int64(n)
        }
    }

    public enum IdleState { case betweenResponses, closed, extraBytes }

    private var abandoned = false

    /// The rest of the response will not be read (its reader went away): the connection
    /// cannot carry another exchange and is closed, not reused.
    public func abandon() {
        abandoned = true
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Where a connection stands once a response is read: exactly between responses (nothing
    /// buffered or waiting), closed by the server, or holding bytes past the response's
    /// framing, which the next request would take for its response (cache poisoning).
    public var idleState: IdleState {
        if abandoned { return .closed }
        guard buffer.isEmpty else { return .extraBytes }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n > 0 { return .extraBytes }
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? .betweenResponses : .closed
    }

    /// True when the server closes the connection (EOF within the timeout).
    public func isClosedByServer() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return false }
        }
    }

    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { return i }
        return nil
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { timedRecv($0.baseAddress, $0.count) }
        guard n > 0 else { return false }
        buffer += chunk[0..<n]
        return true
    }
}

extension HTTPClientConnection.ClientError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .connect(let code): return "cannot connect: \(String(cString: strerror(code)))"
        case .resolve(let host, let why): return "cannot resolve \(host): \(why)"
        case .timeoutOrClosed: return "timed out or closed"
        case .malformed(let why): return "malformed response: \(why)"
        case .file(let path, let code): return "cannot read \(path): \(String(cString: strerror(code)))"
        }
    }
}
