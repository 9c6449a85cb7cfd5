import Dispatch
import Synchronization

/// A response body that a worker produces while one connection sends it, through a
/// fixed amount of memory: at most `capacity` bytes wait between them, and the worker
/// blocks (up to `stallSeconds`) until the connection has sent them. Used for what the
/// edge does not cache (no length, chunked, too large a head, a cache that cannot be
/// written), which was once held whole in memory before the first byte went out.
///
/// `length` nil: the length is not known in advance; the connection sends the body
/// chunked (HTTP/1.1) or ends it by closing (HTTP/1.0).
public final class BodyPipe: Sendable {
    public let length: Int64?
    let capacity: Int
    let stallSeconds: Double

    private struct State {
        var chunks: [[UInt8]] = []
        var buffered = 0
        var written: Int64 = 0
        var finished = false
        var failed = false
        /// The connection went away (or never sends the body: a HEAD): writes fail at once.
        var cancelled = false
        var producerWaiting = false
        var waker: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    /// Signalled when the producer waits and the connection took bytes (or went away).
    private let space = DispatchSemaphore(value: 0)

    public enum PipeError: Error, Equatable {
        /// The player's connection closed: nobody reads the rest.
        case consumerGone
        /// The player read nothing for `stallSeconds`.
        case consumerStalled
        /// More bytes than the promised length.
        case overrun
    }

    public init(length: Int64?, capacity: Int = 256 << 10, stallSeconds: Double = 30) {
        self.length = length
        self.capacity = max(1, capacity)
        self.stallSeconds = stallSeconds
    }

    // MARK: the producer (a worker thread)

    /// Queues `bytes`, waiting while `capacity` bytes are already queued.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(PipeError) {
        var offset = 0
        while offset < bytes.count {
            let (taken, wake, mustWait, error) = state.withLock { s -> (Int, (@Sendable () -> Void)?, Bool, PipeError?) in
                if s.cancelled { return (0, nil, false, .consumerGone) }
                let room = capacity - s.buffered
                if room <= 0 {
                    s.producerWaiting = true
                    return (0, nil, true, nil)
                }
                let n = min(room, bytes.count - offset)
                if let length, s.written + Int64(n) > length { return (0, nil, false, .overrun) }
                s.chunks.append(Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])))
                s.buffered += n
                s.written += Int64(n)
                defer { s.waker = nil }
                return (n, s.waker, false, nil)
            }
            if let error { throw error }
            wake?()
            if mustWait, space.wait(timeout: .now() + stallSeconds) == .timedOut, state.withLock({ $0.buffered >= capacity }) {
                cancel()
                throw .consumerStalled
            }
            offset += taken
        }
    }

    /// Queues `bytes` if they fit now; false (nothing queued) when the connection is gone or
    /// has not taken what is queued (a subscriber too slow for a stream of events).
    public func offer(_ bytes: [UInt8]) -> Bool {
        let wake = state.withLock { s -> (@Sendable () -> Void)?? in
            guard !s.cancelled, !s.failed, s.buffered + bytes.count <= capacity else { return .none }
            s.chunks.append(bytes)
            s.buffered += bytes.count
            s.written += Int64(bytes.count)
            defer { s.waker = nil }
            return .some(s.waker)
        }
        guard let wake else { return false }
        wake?()
        return true
    }

    /// The body is complete (for a known length, every byte must have been written).
    public func finish() { end { $0.finished = true } }

    /// The producer gave up: the connection closes (the body cannot be completed).
    public func fail() { end { $0.failed = true } }

    private func end(_ change: (inout State) -> Void) {
        let wake = state.withLock { s -> (@Sendable () -> Void)? in
            change(&s)
            if let length, s.finished, s.written != length { s.failed = true }
            defer { s.waker = nil }
            return s.waker
        }
        wake?()
    }

    // MARK: the consumer (a connection on its event loop)

    enum Taken { case bytes([UInt8]), nothingYet, finished, failed }

    /// Everything queued (or how the body ended, once it is all taken).
    func take() -> Taken {
        let (taken, wakeProducer) = state.withLock { s -> (Taken, Bool) in
            if s.failed { return (.failed, false) }
            guard !s.chunks.isEmpty else { return (s.finished ? .finished : .nothingYet, false) }
            let bytes = s.chunks.count == 1 ? s.chunks[0] : Array(s.chunks.joined())
            s.chunks = []
            s.buffered = 0
            defer { s.producerWaiting = false }
            return (.bytes(bytes), s.producerWaiting)
        }
        if wakeProducer { space.signal() }
        return taken
    }

    /// Calls `wake` (once, from any thread) when bytes are queued or the body ended; at once if so already.
    func notify(_ wake: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if !s.chunks.isEmpty || s.finished || s.failed { return true }
            s.waker = wake
            return false
        }
        if now { wake() }
    }

    /// The connection will not send the rest: the producer's next write fails.
    public func cancel() {
        let wakeProducer = state.withLock { s -> Bool in
            s.cancelled = true
            s.chunks = []
            s.buffered = 0
            defer { s.producerWaiting = false }
            return s.producerWaiting
        }
        if wakeProducer { space.signal() }
    }
}
