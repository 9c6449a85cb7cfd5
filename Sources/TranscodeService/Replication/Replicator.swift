import Foundation
import VODKit

/// Copies a video's files to the first M reachable origins in its rendezvous rank,
/// each file with its SHA-256 (the origin checks it), then `manifest.json` to each of
/// them: an origin serves a video (or a new version of it) only from its manifest, and
/// the manifest goes out only once M origins hold every file it names, so no playlist
/// ever names a segment that fewer than M origins have.
public struct Replicator: Sendable {
    public struct File: Codable, Equatable, Sendable {
        public var name: String
        public var path: String
        public var sha256: String
        public var bytes: Int64
    }

    public let origins: [HTTPClientPool.Upstream]
    public let replicas: Int
    public let token: String
    public let log: @Sendable (String) -> Void
    /// Attempts per file on one origin before going to the next (back-off 0.5 s, 1 s, …).
    public var attempts = 3

    public init(origins: [HTTPClientPool.Upstream], replicas: Int, token: String, log: @escaping @Sendable (String) -> Void) {
        self.origins = origins
        self.replicas = replicas
        self.token = token
        self.log = log
    }

    /// The origins in rank order for `video`.
    public func ranked(_ video: String) -> [HTTPClientPool.Upstream] {
        let byID = Dictionary(uniqueKeysWithValues: origins.map { ($0.description, $0) })
        return Placement.rank(Array(byID.keys), for: video).compactMap { byID[$0] }
    }

    /// Sends `files` to origins in rank order until `replicas` of them hold them all, then
    /// `manifest` to each; `confirmed` are origins known to hold everything (manifest too).
    /// Returns the origins holding the manifest: `confirmed` alone when fewer than M took the
    /// files (those keep them; the next attempt sends the manifest once M have them).
    public func replicate(video: String, files: [File], manifest: File, confirmed: [String]) -> [String] {
        let needed = min(replicas, origins.count)
        var staged: [HTTPClientPool.Upstream] = []
        for origin in ranked(video) where confirmed.count + staged.count < needed && !confirmed.contains(origin.description) {
            if send(files, of: video, to: origin) { staged.append(origin) }
        }
        guard confirmed.count + staged.count >= needed else {
            if !staged.isEmpty { log("video \(video): files on \(staged.map(\.description).joined(separator: ", ")) only; its manifest waits for \(needed) origins") }
            return confirmed
        }
        var holders = confirmed
        for origin in staged where send([manifest], of: video, to: origin) {
            holders.append(origin.description)
            log("video \(video): on \(origin) (\(holders.count) of \(replicas))")
        }
        return holders
    }

    func send(_ files: [File], of video: String, to origin: HTTPClientPool.Upstream) -> Bool {
        for file in files {
            var delay = 0.5
            var sent = false
            for attempt in 1...max(1, attempts) {
                do {
                    let connection = try HTTPClientConnection(host: origin.host, port: origin.port, timeoutSeconds: 60, connectTimeoutMilliseconds: 2000)
                    let r = try connection.request("PUT", "/ingest/\(video)/\(file.name)",
                                                   headers: [("Authorization", "Bearer \(token)"), ("X-Content-SHA256", file.sha256)], file: file.path)
                    if r.status == 200 || r.status == 201 { sent = true; break }
                    log("video \(video): \(origin) answered \(r.status) for \(file.name): \(String(decoding: r.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
                    if r.status == 401 || r.status == 403 { return false }  // retrying will not help
                } catch {
                    log("video \(video): \(origin) unreachable for \(file.name) (attempt \(attempt)): \(error)")
                }
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
            }
            if !sent { return false }
        }
        return true
    }

    /// Deletes the video from `from` (default: every origin): a job that failed after its early
    /// publication, or an early copy left behind; returns the origins that did not confirm it.
    public func withdraw(video: String, from: [HTTPClientPool.Upstream]? = nil) -> [String] {
        (from ?? origins).filter { origin in
            let status = (try? HTTPClientConnection(host: origin.host, port: origin.port, timeoutSeconds: 30, connectTimeoutMilliseconds: 2000)
                .request("DELETE", "/ingest/\(video)", headers: [("Authorization", "Bearer \(token)")]).status) ?? 0
            return ![200, 204, 404].contains(status)
        }.map(\.description)
    }

    /// A file's description for replication (size and SHA-256 read from disk).
    public static func describe(_ path: String, name: String) throws(TranscodeError) -> File {
        guard let digest = FileDigest.sha256(path: path) else { throw TranscodeError(stage: .replicate, reason: "cannot read \(path)", libav: nil) }
        return File(name: name, path: path, sha256: digest.hex, bytes: digest.bytes)
    }
}
