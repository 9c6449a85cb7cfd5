import Foundation
import Synchronization
import VODKit

/// `videoRetentionHours`: a video a transcoder published is deleted from every origin
/// holding it once it is older than that (`DELETE /ingest/<video>`). Its age is the
/// `createdAt` of the manifest the transcoder wrote, which travels with the video
/// (repair copies it verbatim), so the rule holds whichever transcoder published it and
/// long after the spool forgot the job. Videos put on an origin any other way have no
/// `createdAt` and are never touched. Every transcoder may sweep: deleting is idempotent.
public final class VideoRetention: Sendable {
    let hours: Double
    let origins: [HTTPClientPool.Upstream]
    let token: String
    let log: @Sendable (String) -> Void
    /// Seconds between sweeps.
    let intervalSeconds: Double

    private struct State {
        var running = false
        var lastSweep = 0.0
        /// When each video seen was published (nil: not by a transcoder), so a manifest is read once.
        var published: [String: Double?] = [:]
    }
    private let state = Mutex(State())

    public init(hours: Double, origins: [HTTPClientPool.Upstream], token: String, intervalSeconds: Double = 600,
                log: @escaping @Sendable (String) -> Void) {
        self.hours = hours
        self.origins = origins
        self.token = token
        self.intervalSeconds = intervalSeconds
        self.log = log
    }

    /// Starts a sweep on a thread of its own if one is due and none is running.
    public func sweepIfDue(now: Double = Date().timeIntervalSince1970) {
        let start = state.withLock { s -> Bool in
            guard !s.running, now - s.lastSweep >= intervalSeconds else { return false }
            s.running = true
            s.lastSweep = now
            return true
        }
        guard start else { return }
        Thread { [self] in
            _ = sweep(now: now)
            state.withLock { $0.running = false }
        }.start()
    }

    /// One pass over every origin's list; returns the videos deleted everywhere they were found.
    public func sweep(now: Double = Date().timeIntervalSince1970) -> [String] {
        var holders: [String: [HTTPClientPool.Upstream]] = [:]
        for origin in origins {
            guard let list = try? request(origin, "GET", "/api/videos"), list.status == 200,
                  let entries = APIJSON.decode([VideoListEntry].self, list.body) else {
                log("retention: \(origin) unreachable, skipped this time")
                continue
            }
            for entry in entries { holders[entry.id, default: []].append(origin) }
        }
        state.withLock { s in s.published = s.published.filter { holders[$0.key] != nil } }  // forget videos gone elsewhere
        var deleted: [String] = []
        for (video, have) in holders.sorted(by: { $0.key < $1.key }) {
            guard let published = publishedAt(video, on: have), now - published > hours * 3600 else { continue }
            var everywhere = true
            for origin in have {
                let status = (try? request(origin, "DELETE", "/ingest/\(video)").status) ?? 0
                if status != 204 && status != 200 && status != 404 {
                    everywhere = false
                    log("retention: \(origin) did not delete \(video) (\(status == 0 ? "unreachable" : "answered \(status)")): tried again at the next sweep")
                }
            }
            guard everywhere else { continue }
            let age = (now - published) / 3600
            log("retention: video \(video) deleted from \(have.map(\.description).joined(separator: ", ")): published \(String(format: "%.1f", age)) hours ago, kept \(hours)")
            _ = state.withLock { $0.published.removeValue(forKey: video) }
            deleted.append(video)
        }
        return deleted
    }

    /// When `video` was published by a transcoder, from its manifest on the first origin that has it.
    private func publishedAt(_ video: String, on origins: [HTTPClientPool.Upstream]) -> Double? {
        if let known = state.withLock({ $0.published[video] }) { return known }
        for origin in origins {
            guard let r = try? request(origin, "GET", "/api/videos/\(video)/manifest.json") else { continue }
            // 404: a bare file or a video without a manifest, not a transcoder's.
            let published = r.status == 200 ? (try? VideoManifest.decode(Data(r.body)))?.createdAt.flatMap(Self.parse) : nil
            if r.status == 200 || r.status == 404 {
                state.withLock { $0.published[video] = .some(published) }
                return published
            }
        }
        return nil
    }

    private func request(_ origin: HTTPClientPool.Upstream, _ method: String, _ target: String) throws -> HTTPClientConnection.Response {
        let connection = try HTTPClientConnection(host: origin.host, port: origin.port, timeoutSeconds: 30, connectTimeoutMilliseconds: 2000)
        return try connection.request(method, target, headers: method == "GET" ? [] : [("Authorization", "Bearer \(token)")])
    }

    /// `createdAt` as `Daemon.timestamp()` writes it (`2026-12-05T01:46:34Z`).
    static func parse(_ text: String) -> Double? {
        ISO8601DateFormatter().date(from: text)?.timeIntervalSince1970
    }
}
