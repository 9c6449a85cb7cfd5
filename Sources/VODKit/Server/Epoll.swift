#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// A thin owner of one epoll instance.
struct Epoll {
    let fd: Int32

    init() throws {
        fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SystemError("epoll_create1") }
    }

    func add(_ target: Int32, events: UInt32) throws { try control(EPOLL_CTL_ADD, target, events) }
    func modify(_ target: Int32, events: UInt32) throws { try control(EPOLL_CTL_MOD, target, events) }
    func remove(_ target: Int32) { epoll_ctl(fd, EPOLL_CTL_DEL, target, nil) }

    private func control(_ op: Int32, _ target: Int32, _ events: UInt32) throws {
        var event = epoll_event()
        event.events = events
        event.data.fd = target
        guard epoll_ctl(fd, op, target, &event) == 0 else { throw SystemError("epoll_ctl") }
    }

    /// Waits up to `timeout` ms; returns (fd, events) pairs.
    func wait(into buffer: inout [epoll_event], timeout: Int32) -> ArraySlice<epoll_event> {
        let n = buffer.withUnsafeMutableBufferPointer { epoll_wait(fd, $0.baseAddress, Int32($0.count), timeout) }
        return n > 0 ? buffer[0..<Int(n)] : []
    }

    static let readable = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
    static let writable = EPOLLOUT.rawValue
    /// Connections are registered once, edge-triggered for both directions: the loop reads
    /// and writes until EAGAIN, and never has to change the registration.
    static let connection = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
}
