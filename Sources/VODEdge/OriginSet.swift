import Foundation
import VODKit

/// The configured origins, ranked per video by `Placement`, with passive health:
/// an origin that fails `failuresToMarkDown` times in a row is skipped for
/// `downSeconds` (unless every origin is down, when all are tried anyway).
public final class OriginSet: @unchecked Sendable {
    public let upstreams: [HTTPClientPool.Upstream]
    let pool: HTTPClientPool
    let downSeconds: Double
    let failuresToMarkDown = 3
    private let lock = NSLock()
    private var failures: [HTTPClientPool.Upstream: Int] = [:]
    private var downUntil: [HTTPClientPool.Upstream: Double] = [:]
    private var errors: [HTTPClientPool.Upstream: Int] = [:]

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
        let down = lock.withLock { Set(downUntil.filter { $0.value > now }.keys) }
        return order.filter { !down.contains($0) } + order.filter { down.contains($0) }
    }

    public enum Outcome: Sendable {
        case response(HTTPClientConnection.Response, from: HTTPClientPool.Upstream)
        /// Every origin failed; `timedOut` when the last failure was a timeout (→ 504, else 502).
        case failed(reasons: [String], timedOut: Bool)
    }

    /// Asks the origins in rank order until one answers with something other than a
    /// connection error, a timeout, a 5xx or a 404. When all of them say 404, that is the answer.
    public func fetch(_ target: String, video: String, headers: [(String, String)], log: (String) -> Void) -> Outcome {
        var reasons: [String] = []
        var timedOut = false
        var notFound: (HTTPClientConnection.Response, HTTPClientPool.Upstream)?
        for upstream in ranked(for: video) {
            do {
                let response = try pool.request(upstream, "GET", target, headers: headers)
                if response.status >= 500 {
                    failed(upstream, "\(response.status)")
                    reasons.append("\(upstream): \(response.status)")
                    continue
                }
                succeeded(upstream)
                if response.status == 404 {
                    notFound = notFound ?? (response, upstream)
                    reasons.append("\(upstream): 404")
                    continue
                }
                return .response(response, from: upstream)
            } catch {
                timedOut = (error as? HTTPClientConnection.ClientError) == .timeoutOrClosed
                failed(upstream, "\(error)")
                reasons.append("\(upstream): \(error)")
                log("origin \(upstream) failed for \(target): \(error)")
            }
        }
        if let (response, upstream) = notFound { return .response(response, from: upstream) }
        return .failed(reasons: reasons, timedOut: timedOut)
    }

    private func failed(_ upstream: HTTPClientPool.Upstream, _ why: String) {
        lock.withLock {
            errors[upstream, default: 0] += 1
            failures[upstream, default: 0] += 1
            if failures[upstream]! >= failuresToMarkDown { downUntil[upstream] = Date().timeIntervalSince1970 + downSeconds }
        }
    }

    private func succeeded(_ upstream: HTTPClientPool.Upstream) {
        lock.withLock { failures[upstream] = 0; downUntil[upstream] = nil }
    }

    /// Per origin: errors so far and whether it is up now (for metrics).
    public var health: [(upstream: HTTPClientPool.Upstream, errors: Int, up: Bool)] {
        let now = Date().timeIntervalSince1970
        return lock.withLock { upstreams.map { ($0, errors[$0] ?? 0, (downUntil[$0] ?? 0) <= now) } }
    }
}
