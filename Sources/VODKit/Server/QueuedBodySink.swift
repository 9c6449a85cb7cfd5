import Foundation

/// A request body handed, as it arrives, to a thread of its own that consumes it (sends it
/// on, writes it to disk) through a bounded `StreamQueue`, and answers through a
/// `ResponseSlot` (early, for a refusal, or once the body is done). The event loop never
/// waits on that thread: while the queue is full the connection stops reading.
public final class QueuedBodySink: HTTPBodySink {
    private let queue: StreamQueue
    private let answer = ResponseSlot()
    /// Called on the loop before each piece is queued, with its size: a response refuses the
    /// body (it is sent and the connection closed), nil lets the piece through.
    private let check: (Int) -> HTTPResponse?
    /// Sent when the consumer gave up (failed the queue): the client is stopped at once, not
    /// after the rest of its body.
    private let abandoned: HTTPResponse

    public init(capacity: Int, abandoned: HTTPResponse, check: @escaping (Int) -> HTTPResponse? = { _ in nil },
                consumer: @escaping @Sendable (StreamQueue, ResponseSlot) -> Void) {
        queue = StreamQueue(capacity: capacity)
        self.abandoned = abandoned
        self.check = check
        let (queue, answer) = (queue, answer)
        Thread { consumer(queue, answer) }.start()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse? {
        if queue.hasFailed { return abandoned }
        if let refusal = check(bytes.count) { return refusal }
        queue.offer(bytes)
        return nil
    }

    public var hasRoom: Bool { queue.hasRoom }
    public func notifyRoom(_ wake: @escaping @Sendable () -> Void) { queue.notifyRoom(wake) }

    public func finish() -> HTTPReply {
        queue.finish()
        return answer.reply
    }

    public func cancel() { queue.fail() }
}
