import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One address of a host (IPv4 or IPv6), as `getaddrinfo` gives it.
public struct SocketAddress: Sendable, Equatable {
    let family: Int32
    /// The `sockaddr_in` / `sockaddr_in6` bytes.
    let bytes: [UInt8]

    /// Every address of `host` (a name, or an IPv4 or IPv6 literal) for TCP on `port`, in the
    /// resolver's order. Blocking (it may ask DNS): call it off the event loops.
    public static func resolve(_ host: String, port: UInt16) throws(HTTPClientConnection.ClientError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, list != nil else { throw .resolve(host, String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        var found: [SocketAddress] = []
        var next = list
        while let a = next {
            next = a.pointee.ai_next
            guard let address = a.pointee.ai_addr else { continue }
            let raw = UnsafeRawBufferPointer(start: address, count: Int(a.pointee.ai_addrlen))
            found.append(SocketAddress(family: a.pointee.ai_family, bytes: Array(raw)))
        }
        return found
    }
}

/// Resolved addresses of upstream hosts, kept for `ttlSeconds` (getaddrinfo does not tell
/// the DNS TTL, so it is configured, as nginx's `resolver valid=` is): a fetch does not wait
/// for DNS, and a host that moves is found again within that time, or at once after
/// every address it had failed (`forget`).
public final class AddressCache: Sendable {
    public let ttlSeconds: Double
    private let entries = Mutex<[String: (addresses: [SocketAddress], expires: Double)]>([:])
    let resolve: @Sendable (String, UInt16) throws(HTTPClientConnection.ClientError) -> [SocketAddress]

    public init(ttlSeconds: Double,
                resolve: @escaping @Sendable (String, UInt16) throws(HTTPClientConnection.ClientError) -> [SocketAddress] = { try SocketAddress.resolve($0, port: $1) }) {
        self.ttlSeconds = ttlSeconds
        self.resolve = resolve
    }

    public func addresses(_ host: String, port: UInt16) throws(HTTPClientConnection.ClientError) -> [SocketAddress] {
        let key = "\(host):\(port)", now = monotonicSeconds()
        if let cached = entries.withLock({ $0[key] }), cached.expires > now { return cached.addresses }
        let fresh = try resolve(host, port)
        entries.withLock { $0[key] = (fresh, now + ttlSeconds) }
        return fresh
    }

    public func forget(_ host: String, port: UInt16) { _ = entries.withLock { $0.removeValue(forKey: "\(host):\(port)") } }

    private func monotonicSeconds() -> Double { Double(monotonicNanoseconds()) / 1e9 }
}
