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
