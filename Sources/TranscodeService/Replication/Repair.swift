import Foundation
import VODKit

/// `vod-transcoder repair`: after origins are added or lost, copies every video found on
/// any origin to its current top M (by the same rendezvous rank), fetching the files from
/// an origin that has them and sending them with their checksums, manifest last.
public struct Repair: Sendable {
    public let replicator: Replicator
    public let scratch: String
    public let log: @Sendable (String) -> Void

    public init(replicator: Replicator, scratch: String, log: @escaping @Sendable (String) -> Void) {
        self.replicator = replicator
        self.scratch = scratch
        self.log = log
    }

    /// Returns (videos seen, copies made, videos that could not reach M).
    public func run() -> (videos: Int, copies: Int, short: Int) {
        var holders: [String: [HTTPClientPool.Upstream]] = [:]
        for origin in replicator.origins {
            guard let list = try? get(origin, "/api/videos"), let ids = (try? JSONSerialization.jsonObject(with: Data(list))) as? [[String: Any]] else {
                log("repair: \(origin) unreachable, skipped")
                continue
            }
            for id in ids.compactMap({ $0["id"] as? String }) { holders[id, default: []].append(origin) }
        }
        var copies = 0, short = 0
        for (video, have) in holders.sorted(by: { $0.key < $1.key }) {
            let targets = replicator.ranked(video).prefix(replicator.replicas)
            let missing = targets.filter { t in !have.contains(t) }
            guard !missing.isEmpty else { continue }
            guard let source = have.first, let files = download(video, from: source) else { short += 1; continue }
            defer { try? FileManager.default.removeItem(atPath: "\(scratch)/\(video)") }
            let held = replicator.replicate(video: video, files: files.media, manifest: files.manifest,
                                            confirmed: have.filter { targets.contains($0) }.map(\.description))
            copies += held.filter { h in missing.contains { $0.description == h } }.count
            if held.count < replicator.replicas { short += 1 }
        }
        log("repair: \(holders.count) videos, \(copies) copies made, \(short) short of \(replicator.replicas) origins")
        return (holders.count, copies, short)
    }

    /// The video's files from `origin` into the scratch directory, and a manifest rebuilt from its track list.
    func download(_ video: String, from origin: HTTPClientPool.Upstream) -> (media: [Replicator.File], manifest: Replicator.File)? {
        guard let body = try? get(origin, "/api/videos/\(video)"),
              let info = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let files = info["files"] as? [[String: Any]], let tracks = info["tracks"] as? [[String: Any]] else { return nil }
        let dir = "\(scratch)/\(video)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var media: [Replicator.File] = []
        var renditions: [[String: String]] = []
        for name in files.compactMap({ $0["name"] as? String }) {
            let stem = name.hasSuffix(".mp4") ? String(name.dropLast(4)) : name
            let type = tracks.first { ($0["name"] as? String) == stem }?["type"] as? String ?? (stem == "audio" ? "audio" : "video")
            guard let bytes = try? get(origin, "/mp4/\(video)/\(name)"),
                  FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data(bytes)),
                  let file = try? Replicator.describe("\(dir)/\(name)", name: name) else {
                log("repair: cannot fetch \(video)/\(name) from \(origin)")
                return nil
            }
            media.append(file)
            renditions.append(["file": name, "type": type])
        }
        guard let manifest = try? JSONSerialization.data(withJSONObject: ["video": video, "renditions": renditions], options: [.sortedKeys]),
              FileManager.default.createFile(atPath: "\(dir)/manifest.json", contents: manifest),
              let manifestFile = try? Replicator.describe("\(dir)/manifest.json", name: "manifest.json") else { return nil }
        return (media, manifestFile)
    }

    func get(_ origin: HTTPClientPool.Upstream, _ target: String) throws -> [UInt8] {
        let r = try HTTPClientConnection(host: origin.host, port: origin.port, timeoutSeconds: 30).request("GET", target)
        guard r.status == 200 else { throw TranscodeError(stage: .replicate, reason: "\(origin)\(target): \(r.status)", libav: nil) }
        return r.body
    }
}
