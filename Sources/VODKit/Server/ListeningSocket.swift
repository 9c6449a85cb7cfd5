#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// A non-blocking TCP listening socket. Each event loop binds its own with
/// SO_REUSEPORT, so the kernel spreads new connections across the loops.
struct ListeningSocket {
    let fd: Int32
    let port: UInt16

    /// Binds `host:port` (port 0: any free port, shared by later sockets through `port`).
    init(host: String, port: UInt16, backlog: Int32 = 1024) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
            close(fd)
            throw SystemError("listen address \(host) is not an IPv4 address", errno: EINVAL)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { let e = SystemError("bind \(host):\(port)"); close(fd); throw e }
        guard listen(fd, backlog) == 0 else { let e = SystemError("listen"); close(fd); throw e }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.fd = fd
        self.port = UInt16(bigEndian: actual.sin_port)
    }

    /// Whether a listening socket other than `ours` holds `port` on `host` (or on the wildcard
    /// address): another process that bound it with SO_REUSEPORT too. The kernel would
    /// split connections between the two silently; only one process may serve a port.
    static func othersListen(host: String, port: UInt16, besides ours: [Int32]) -> Bool {
        var own = Set<UInt64>()
        for fd in ours {
            var st = stat()
            if fstat(fd, &st) == 0 { own.insert(UInt64(st.st_ino)) }
        }
        var wanted = in_addr()
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &wanted) == 1 else { return false }
        // /proc/net/tcp shows addresses as the hex of the in-memory (network order) word.
        let hostHex = String(format: "%08X", wanted.s_addr)
        let portHex = String(format: "%04X", port)
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return false }
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[3] == "0A" else { continue }  // LISTEN
            let local = fields[1].split(separator: ":")
            guard local.count == 2, local[1] == portHex, local[0] == hostHex || local[0] == "00000000" || hostHex == "00000000" else { continue }
            if let inode = UInt64(fields[9]), !own.contains(inode) { return true }
        }
        return false
    }

    enum Accepted { case connection(Int32), none, outOfDescriptors(Int32) }

    /// Accepts one pending connection, non-blocking with TCP_NODELAY. `outOfDescriptors`
    /// (EMFILE, ENFILE, ENOBUFS, ENOMEM): the connection stays queued and the listener
    /// stays readable, so the caller must stop polling it for a while or spin.
    func accept() -> Accepted {
        let client = vod_accept4(fd, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
        guard client >= 0 else {
            let e = errno
            return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM ? .outOfDescriptors(e) : .none
        }
        var one: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .connection(client)
    }
}
