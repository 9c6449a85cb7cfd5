import Synchronization

/// A response made on another thread for a connection that may not be ready for it yet: a
/// streamed body's worker can answer early (a refusal) or late (after the last byte is
/// written), and the connection asks for the answer when the body ends. Whichever of
/// `deliver` and `await` comes second sends it.
public final class ResponseSlot: Sendable {
    private let slot = Mutex<(respond: (@Sendable (HTTPResponse) -> Void)?, response: HTTPResponse?)>((nil, nil))

    public init() {}

    public func deliver(_ response: HTTPResponse) {
        let respond = slot.withLock { s -> (@Sendable (HTTPResponse) -> Void)? in
            if s.respond == nil { s.response = response }
            return s.respond
        }
        respond?(response)
    }

    public func await(_ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        let early = slot.withLock { s -> HTTPResponse? in
            s.respond = respond
            return s.response
        }
        if let early { respond(early) }
    }

    /// The reply for `HTTPBodySink.finish`.
    public var reply: HTTPReply { .later { self.await($0) } }
}
