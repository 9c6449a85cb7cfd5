import Synchronization
import Foundation
import VODKit

/// The configured origins, ranked per video by `Placement`, with passive health:
/// an origin that fails `failuresToMarkDown` times in a row is skipped for
/// `downSeconds` (unless every origin is down, when all are tried anyway).
public final class OriginSet: Sendable {
    public let upstreams: [HTTPClientPool.Upstream]
    let pool: HTTPClientPool
    let downSeconds: Double
    let failuresToMarkDown = 3
    private struct Health {
        var failures: [HTTPClientPool.Upstream: Int] = [:]
        var downUntil: [HTTPClientPool.Upstream: Double] = [:]
        var errors: [HTTPClientPool.Upstream: Int] = [:]
    }
    private let state = Mutex(Health())

    public init(_ upstreams: [HTTPClientPool.Upstream], pool: HTTPClientPool, downSeconds: Double) {
        self.upstreams = upstreams
        self.pool = pool
        self.downSeconds = downSeconds
    }

    /// Best first for `video`, origins marked down moved to the end.
    public func ranked(for video: String) -> [HTTPClientPool.Upstream] {
        let byID = Dictionary(uniqueKeysWithValues: upstreams.map { ($0.description, $0) })
        let order = Placement.rank(Array(byID.keys), for: video).compactMap { byID[$0] }
        let now = Date().timeIntervalSince1970
        let down = state.withLock { Set($0.downUntil.filter { $0.value > now }.keys) }
        return order.filter { !down.contains($0) } + order.filter { down.contains($0) }
    }

    public enum Failure: Error, Sendable {
        /// Every origin failed; `timedOut` when the last failure was a timeout (→ 504, else 502).
        case allFailed(reasons: [String], timedOut: Bool)
        /// `receive` stopped the fetch (see `Stop`).
        case stopped(reason: String)
    }

    /// Thrown by `receive` once its answer has begun to reach players: no other origin is
    /// asked (the players already have a response head). `originsFault`: the origin broke
    /// off (counted against its health); else the edge or the player stopped it.
    public struct Stop: Error, Sendable {
        public let reason: String
        public let originsFault: Bool
        public init(_ reason: String, originsFault: Bool) { self.reason = reason; self.originsFault = originsFault }
    }

    /// The largest 404 body read (404s are read whole, to be cached).
    static let maxNotFoundBody = 1 << 20

    /// Asks the origins in rank order until one answers with something other than a
    /// connection error, a timeout, a 5xx or a 404, and lets `receive` read that answer
    /// (its body is not read yet). When every origin says 404, `receive` gets the last 404
    /// (body read, in `notFoundBody`). An error thrown by `receive` counts as that origin's failure.
    public func fetch<T>(_ target: String, video: String, headers: [(String, String)], log: (String) -> Void,
                         receive: (HTTPClientConnection, HTTPClientConnection.Head, _ notFoundBody: [UInt8]?) throws -> T) -> Result<T, Failure> {
        var reasons: [String] = []
        var timedOut = false
        var notFound: (HTTPClientConnection, HTTPClientConnection.Head, [UInt8])?
        for upstream in ranked(for: video) {
            do {
                // (value, nil) when answered; (nil, why) to go on down the list.
                let (value, why): (T?, String?) = try pool.stream(upstream, target, headers: headers) { connection, head in
                    if head.status >= 500 { return ((nil, "\(head.status)"), false) }
                    if head.status == 404 {
                        notFound = (connection, head, try connection.readWholeBody(head, limit: Self.maxNotFoundBody))
                        return ((nil, "404"), true)
                    }
                    return ((try receive(connection, head, nil), nil), true)
                }
                if let value {
                    succeeded(upstream)
                    return .success(value)
                }
                if why == "404" { succeeded(upstream) } else { failed(upstream, why ?? "") }
                reasons.append("\(upstream): \(why ?? "")")
            } catch let stop as Stop {
                if stop.originsFault { failed(upstream, stop.reason) }
                log("fetch of \(target) from \(upstream) stopped: \(stop.reason)")
                return .failure(.stopped(reason: stop.reason))
            } catch {
                timedOut = (error as? HTTPClientConnection.ClientError) == .timeoutOrClosed
                failed(upstream, "\(error)")
                reasons.append("\(upstream): \(error)")
                log("origin \(upstream) failed for \(target): \(error)")
            }
        }
        if let (connection, head, body) = notFound, let value = try? receive(connection, head, body) { return .success(value) }
        return .failure(.allFailed(reasons: reasons, timedOut: timedOut))
    }

    private func failed(_ upstream: HTTPClientPool.Upstream, _ why: String) {
        let until = Date().timeIntervalSince1970 + downSeconds
        state.withLock { h in
            h.errors[upstream, default: 0] += 1
            h.failures[upstream, default: 0] += 1
            if h.failures[upstream, default: 0] >= failuresToMarkDown { h.downUntil[upstream] = until }
        }
    }

    private func succeeded(_ upstream: HTTPClientPool.Upstream) {
        state.withLock { $0.failures[upstream] = 0; $0.downUntil[upstream] = nil }
    }

    /// Per origin: errors so far and whether it is up now (for metrics).
    public var health: [(upstream: HTTPClientPool.Upstream, errors: Int, up: Bool)] {
        let now = Date().timeIntervalSince1970
        return state.withLock { h in upstreams.map { ($0, h.errors[$0] ?? 0, (h.downUntil[$0] ?? 0) <= now) } }
    }
}
