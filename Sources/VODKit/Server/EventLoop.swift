import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// One thread's loop: its own listening socket (SO_REUSEPORT), an epoll set,
/// and the connections it accepted. Nothing here is shared between threads,
/// so nothing is locked: `@unchecked Sendable` because other threads reach it only
/// through `mailbox` and `stop()` (both thread-safe), never its connections.
final class EventLoop: @unchecked Sendable {
    private let epoll: Epoll
    private let listener: ListeningSocket
    let handler: HTTPHandler
    let config: HTTPServer.Config
    private let pool: WorkerPool
    /// Wakes the loop for a stop or for replies made on the worker pool.
    private let mailbox: Mailbox
    private var nextConnectionID: UInt64 = 0
    private var connections: [Int32: Connection] = [:]
    /// Connections with requests still buffered after their turn (`Connection.morePending`),
    /// processed again after the next poll, which then does not wait.
    private var ready = Set<Int32>()
    private let stopping = AtomicFlag()
    /// Polls done so far: a loop that turns without waiting when nothing happens shows here.
    let turns = Atomic<Int>(0)
    private var lastSweep: Int64 = 0
    /// Receive buffer shared by this loop's connections (one read at a time on this thread).
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)

    private let counter: ConnectionCounter

    init(listener: ListeningSocket, handler: HTTPHandler, config: HTTPServer.Config, counter: ConnectionCounter, pool: WorkerPool) throws {
        self.counter = counter
        epoll = try Epoll()
        self.listener = listener
        self.handler = handler
        self.config = config
        self.pool = pool
        mailbox = try Mailbox()
        try epoll.add(listener.fd, events: EPOLLIN.rawValue)
        try epoll.add(mailbox.fd, events: EPOLLIN.rawValue)
    }

    var connectionCount: Int { connections.count }

    /// Asks the loop to stop accepting, finish what is queued within the grace period, and return.
    func stop() {
        stopping.set()
        mailbox.ring()
    }

    /// Runs `work` on the worker pool; its response goes back to the connection on this loop.
    func runDeferred(_ work: @escaping @Sendable () -> HTTPResponse, for connection: Connection) {
        let (fd, id, mailbox) = (connection.fd, connection.id, mailbox)
        pool.submit { mailbox.post(fd: fd, id: id, work()) }
    }

    /// A completion that sends its response on `connection` (if still open) from any thread.
    func completion(for connection: Connection) -> @Sendable (HTTPResponse) -> Void {
        let (fd, id, mailbox) = (connection.fd, connection.id, mailbox)
        return { mailbox.post(fd: fd, id: id, $0) }
    }

    /// Replies made on the pool, sent in order on their connections (if still open).
    private func deliverReplies() {
        for reply in mailbox.take() {
            guard let c = connections[reply.fd], c.id == reply.id else { continue }
            if let response = reply.response {
                c.completeDeferred(response)
                process(c)
            }
            if c.waitingForSink { process(c) }  // the body's sink has room again
            service(c)  // a reply without a response: more bytes of a growing file (or room in a sink)
        }
    }

    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var deadline: Int64?
        while true {
            turns.add(1, ordering: .relaxed)
            let now = monotonicMilliseconds()
            if stopping.isSet {
                if deadline == nil {
                    deadline = now + Int64(config.shutdownGraceSeconds * 1000)
                    epoll.remove(listener.fd)
                    close(listener.fd)
                    for (fd, c) in connections where c.isIdle { drop(fd) }
                }
                if connections.isEmpty || now >= deadline! { break }
            }
            for event in epoll.wait(into: &events, timeout: !ready.isEmpty ? 0 : acceptPausedUntil == nil ? 250 : 100) {
                let fd = event.data.fd
                if fd == listener.fd { acceptAll(); continue }
                if fd == mailbox.fd { deliverReplies(); continue }
                guard let c = connections[fd] else { continue }
                let now = monotonicMilliseconds()
                if c.lingerUntil != nil {
                    if c.readAvailable(now: now, scratch: scratch) == .closed { drop(fd) }
                    continue
                }
                if event.events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                    let hangUp = event.events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
                    if c.readAvailable(now: now, scratch: scratch, shortReadDrains: !hangUp) == .closed && !c.wantsWrite { drop(fd); continue }
                    process(c)
                }
                service(c)
            }
            // Then the next turn of every connection that still had requests buffered.
            if !ready.isEmpty {
                let turn = ready
                ready.removeAll()
                for fd in turn {
                    guard let c = connections[fd], c.lingerUntil == nil, !c.isAwaitingReply else { continue }
                    process(c)
                    service(c)
                }
            }
            sweep(now: monotonicMilliseconds())
            if let until = acceptPausedUntil, monotonicMilliseconds() >= until, deadline == nil {
                acceptPausedUntil = nil
                try? epoll.add(listener.fd, events: EPOLLIN.rawValue)
            }
        }
        for fd in Array(connections.keys) { drop(fd) }
        scratch.deallocate()
        close(epoll.fd)
    }

    /// Accepting paused until then (milliseconds), after running out of descriptors.
    private var acceptPausedUntil: Int64?
    /// How long accepting pauses when descriptors run out (nginx waits 500 ms too).
    static let acceptPauseMilliseconds: Int64 = 500

    private func acceptAll() {
        while true {
            let fd: Int32
            switch listener.accept() {
            case .connection(let accepted): fd = accepted
            case .none: return
            case .outOfDescriptors(let e):
                // The queued connection stays queued and the listener readable: stop polling it
                // for a while (else the loop spins), keep serving the open connections.
                epoll.remove(listener.fd)
                acceptPausedUntil = monotonicMilliseconds() + Self.acceptPauseMilliseconds
                counter.pausedAccepting()
                config.log("accept: \(String(cString: strerror(e))) (\(connections.count) connections on this loop): not accepting for \(Self.acceptPauseMilliseconds) ms")
                return
            }
            nextConnectionID += 1
            let c = Connection(fd: fd, id: nextConnectionID, config: config, now: monotonicMilliseconds())
            let (id, mailbox) = (nextConnectionID, mailbox)
            c.wake = { mailbox.post(fd: fd, id: id, nil) }
            connections[fd] = c
            counter.add(1)
            do { try epoll.add(fd, events: Epoll.connection) } catch { connections[fd] = nil; continue }
            if connections.count > config.maxConnectionsPerLoop {
                config.log("connection limit (\(config.maxConnectionsPerLoop) per loop) reached: 503")
                c.fail(503, "too many connections")
                service(c)
            }
        }
    }

    /// Processes buffered requests of `c` (a turn's worth) and schedules the rest.
    private func process(_ c: Connection) {
        c.process(now: monotonicMilliseconds(), loop: self)
        if c.morePending { ready.insert(c.fd) }
    }

    /// Writes what is queued, then waits for the right event or closes.
    private func service(_ c: Connection) {
        switch c.flush(now: monotonicMilliseconds()) {
        case .failed: drop(c.fd)
        case .blocked: break  // the next EPOLLOUT edge resumes it
        case .done:
            if c.closeAfterWrite {
                guard c.lingerOnClose, c.lingerUntil == nil, !stopping.isSet else { if c.lingerUntil == nil { drop(c.fd) }; return }
                shutdown(c.fd, Int32(SHUT_WR))
                c.lingerUntil = monotonicMilliseconds() + 2000
                if c.readAvailable(now: monotonicMilliseconds(), scratch: scratch) == .closed { drop(c.fd) }
                return
            }
            if stopping.isSet && c.isIdle { drop(c.fd); return }
            // Bytes left in the socket can be read now, and requests held back go on at the next turn.
            if c.readCutShort {
                if c.readAvailable(now: monotonicMilliseconds(), scratch: scratch) == .closed { drop(c.fd); return }
                // A connection waiting for room in its body's sink is woken by the sink, not by turns of the loop.
                if !c.isAwaitingReply && !c.waitingForSink { ready.insert(c.fd) }
            } else if c.heldBack {
                ready.insert(c.fd)
            }
        }
    }

    /// Cuts off slow clients (408), idle keep-alive connections and stalled writers, once a second.
    private func sweep(now: Int64) {
        guard now - lastSweep >= 1000 else { return }
        lastSweep = now
        for (fd, c) in connections where !c.isAwaitingReply {
            if let until = c.lingerUntil {
                if now >= until { drop(fd) }
            } else if c.isStreamingBody, now - c.lastActivity > Int64(config.bodyStallSeconds * 1000) {
                config.log("fd \(fd): request body stalled for \(config.bodyStallSeconds) s: 408")
                c.fail(408, "request body stalled")
                service(c)
            } else if let started = c.requestStarted, !c.wantsWrite, now - started > Int64(config.requestTimeoutSeconds * 1000) {
                config.log("fd \(fd): request not received within \(config.requestTimeoutSeconds) s: 408")
                c.fail(408, "request timeout")
                service(c)
            } else if c.isIdle, now - c.lastActivity > Int64(config.idleTimeoutSeconds * 1000) {
                drop(fd)
            } else if c.wantsWrite, now - c.lastActivity > Int64(config.writeTimeoutSeconds * 1000) {
                config.log("fd \(fd): client stopped reading for \(config.writeTimeoutSeconds) s: closed")
                drop(fd)
            }
        }
    }

    private func drop(_ fd: Int32) {
        if connections[fd] != nil { counter.add(-1) }
        ready.remove(fd)
        epoll.remove(fd)
        connections[fd] = nil  // Connection.deinit closes the socket and any open files
    }
}

/// Where worker threads leave replies for a loop, with the eventfd that wakes it.
/// Owned by the jobs too, so a late reply never writes to a closed descriptor.
final class Mailbox: Sendable {
    struct Reply: Sendable { let fd: Int32; let id: UInt64; let response: HTTPResponse? }
    let fd: Int32
    private let replies = Mutex<[Reply]>([])

    init() throws {
        fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError("eventfd") }
    }
    deinit { close(fd) }

    func post(fd target: Int32, id: UInt64, _ response: HTTPResponse?) {
        replies.withLock { $0.append(Reply(fd: target, id: id, response: response)) }
        ring()
    }

    func ring() {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    func take() -> [Reply] {
        var count: UInt64 = 0
        _ = read(fd, &count, 8)
        return replies.withLock { taken in
            defer { taken = [] }
            return taken
        }
    }
}

/// Open connections across loops, for metrics.
final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)
    private let pauses = Atomic<Int>(0)
    func add(_ n: Int) { count.add(n, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
    /// Times a loop stopped accepting for want of descriptors.
    func pausedAccepting() { pauses.add(1, ordering: .relaxed) }
    var acceptPauses: Int { pauses.load(ordering: .relaxed) }
}

/// A flag set once from any thread.
final class AtomicFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
