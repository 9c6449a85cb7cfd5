import Dispatch
import Synchronization

/// A request body on its way from a connection (the producer, on its event loop: never
/// blocks) to a worker that sends it on (the consumer: blocks until bytes come). The
/// producer asks `hasRoom` before giving more; when it has no room the connection stops
/// reading and is woken by `notifyRoom` once the worker has taken what was queued, so an
/// upload passes through a fixed amount of memory however fast it arrives.
public final class StreamQueue: Sendable {
    let capacity: Int

    private struct State {
        var chunks: [[UInt8]] = []
        var buffered = 0
        var finished = false
        var failed = false
        var roomWaker: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)

    public enum Next: Equatable { case bytes([UInt8]), finished, failed, timedOut }

    public init(capacity: Int = 1 << 20) { self.capacity = capacity }

    // MARK: producer

    /// True when more may be offered; a failed queue always has room (what it is given is
    /// dropped), so a producer never waits on a consumer that has gone.
    public var hasRoom: Bool { state.withLock { $0.buffered < capacity || $0.failed } }

    /// Queues `bytes` (always taken: the producer checks `hasRoom` first).
    public func offer(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        let taken = state.withLock { s -> Bool in
            guard !s.failed else { return false }
            s.chunks.append(Array(bytes))
            s.buffered += bytes.count
            return true
        }
        if taken { ready.signal() }
    }

    /// True once `fail` was called (by either side).
    public var hasFailed: Bool { state.withLock { $0.failed } }

    public func finish() { end { $0.finished = true } }
    public func fail() { end { $0.failed = true } }

    private func end(_ change: (inout State) -> Void) {
        let waker = state.withLock { s in
            change(&s)
            defer { s.roomWaker = nil }
            return s.roomWaker
        }
        ready.signal()
        waker?()
    }

    /// Calls `wake` once there is room again (at once if there is).
    public func notifyRoom(_ wake: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.buffered < capacity || s.failed { return true }
            s.roomWaker = wake
            return false
        }
        if now { wake() }
    }

    // MARK: consumer

    /// The next bytes, or how the body ended; waits up to `timeout` seconds.
    public func next(timeout: Double) -> Next {
        while true {
            let (taken, waker) = state.withLock { s -> (Next?, (@Sendable () -> Void)?) in
                if s.failed { return (.failed, nil) }
                guard !s.chunks.isEmpty else { return (s.finished ? .finished : nil, nil) }
                // One chunk at a time, as it was offered: never copied again on the way out.
                let bytes = s.chunks.removeFirst()
                s.buffered -= bytes.count
                guard s.buffered <= capacity / 2, let waker = s.roomWaker else { return (.bytes(bytes), nil) }
                s.roomWaker = nil
                return (.bytes(bytes), waker)
            }
            waker?()
            if let taken { return taken }
            if ready.wait(timeout: .now() + timeout) == .timedOut { return .timedOut }
        }
    }
}
