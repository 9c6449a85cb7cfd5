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
            guard let list = try? get(origin, "/api/videos"), let entries = APIJSON.decode([VideoListEntry].self, list) else {
                log("repair: \(origin) unreachable, skipped")
                continue
            }
            for entry in entries { holders[entry.id, default: []].append(origin) }
        }
        var copies = 0, short = 0
        for (video, all) in holders.sorted(by: { $0.key < $1.key }) {
            // An early version (its manifest has pending renditions) on an origin while another holds
            // the whole video: that origin missed the whole publication; it gets the whole video too.
            // Only early versions: a job is still publishing it; left alone.
            let partial = all.filter { isPartial(video, on: $0) }
            guard partial.count < all.count else { continue }
            let have = all.filter { !partial.contains($0) }
            let targets = replicator.ranked(video).prefix(replicator.replicas)
            let missing = targets.filter { t in !have.contains(t) }
            let stale = partial.filter { p in !targets.contains(p) }
            guard !missing.isEmpty || !stale.isEmpty else { continue }
            guard let source = have.first, let files = download(video, from: source) else { short += 1; continue }
            defer { try? FileManager.default.removeItem(atPath: "\(scratch)/\(video)") }
            let held = replicator.replicate(video: video, files: files.media, manifest: files.manifest,
                                            confirmed: have.filter { targets.contains($0) }.map(\.description))
            copies += held.filter { h in missing.contains { $0.description == h } }.count
            for origin in stale where replicator.send(files.media + [files.manifest], of: video, to: origin) {
                copies += 1
                log("repair: \(video) on \(origin) was an early version; replaced by the whole video")
            }
            if held.count < replicator.replicas { short += 1 }
        }
        log("repair: \(holders.count) videos, \(copies) copies made, \(short) short of \(replicator.replicas) origins")
        return (holders.count, copies, short)
    }

    /// The video's files (renditions, download versions and cue files) from `origin` into the scratch
    /// directory, streamed to disk, and its manifest as the origin stores it (every field kept);
    /// a bare file gets a manifest listing its one rendition.
    func download(_ video: String, from origin: HTTPClientPool.Upstream) -> (media: [Replicator.File], manifest: Replicator.File)? {
        guard let body = try? get(origin, "/api/videos/\(video)"), let info = APIJSON.decode(VideoDescription.self, body) else { return nil }
        let dir = "\(scratch)/\(video)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var media: [Replicator.File] = []
        // `stored` is the file's path in the video's directory (cue files live in `subtitles/`).
        func copy(_ route: String, _ name: String, as stored: String? = nil) -> Bool {
            let stored = stored ?? name
            do {
                if stored.contains("/") { try FileManager.default.createDirectory(atPath: "\(dir)/\(VideoManifest.subtitleDirectory)", withIntermediateDirectories: true) }
                try fetch(origin, "/\(route)/\(video)/\(name)", to: "\(dir)/\(stored)")
                media.append(try Replicator.describe("\(dir)/\(stored)", name: stored))
                return true
            } catch {
                log("repair: cannot fetch \(video)/\(name) from \(origin): \(error)")
                return false
            }
        }
        for file in info.files { guard copy("mp4", file.name) else { return nil } }
        let manifest: Data
        if info.hasManifest == true {
            guard let stored = try? get(origin, "/api/videos/\(video)/manifest.json"), (try? VideoManifest.decode(Data(stored))) != nil else {
                log("repair: cannot fetch the manifest of \(video) from \(origin)")
                return nil
            }
            manifest = Data(stored)
        } else {
            manifest = VideoManifest(video: video, renditions: info.files.map { file in
                let stem = file.name.hasSuffix(".mp4") ? String(file.name.dropLast(4)) : file.name
                let type = info.tracks.first { $0.name == stem }?.type ?? (stem == "audio" ? "audio" : "video")
                return .init(file: file.name, type: type == "audio" ? .audio : .video)
            }, title: info.title).encoded()
        }
        for file in info.subtitleFiles ?? [] {
            guard copy("subtitles", file.name, as: "\(VideoManifest.subtitleDirectory)/\(file.name)") else { return nil }
        }
        for file in (try? VideoManifest.decode(manifest))?.downloads ?? [] { guard copy("download", file.file) else { return nil } }
        guard FileManager.default.createFile(atPath: "\(dir)/manifest.json", contents: manifest),
              let manifestFile = try? Replicator.describe("\(dir)/manifest.json", name: "manifest.json") else { return nil }
        return (media, manifestFile)
    }

    /// GETs `target` into the file at `path` as it arrives (a rendition may be larger than memory).
    func fetch(_ origin: HTTPClientPool.Upstream, _ target: String, to path: String) throws {
        let connection = try HTTPClientConnection(host: origin.host, port: origin.port, timeoutSeconds: 30)
        connection.send("GET", target)
        let head = try connection.readHead()
        guard head.status == 200 else { throw TranscodeError(stage: .replicate, reason: "\(origin)\(target): \(head.status)", libav: nil) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TranscodeError(stage: .replicate, reason: "cannot create \(path)", libav: nil) }
        defer { close(fd) }
        try connection.readBody(head) { bytes in
            var offset = 0
            while offset < bytes.count {
                guard let base = bytes.baseAddress else { return }
                let n = write(fd, base + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw TranscodeError(stage: .replicate, reason: "cannot write \(path)", libav: nil) }
                offset += n
            }
        }
    }

    /// Whether `origin` holds an early version of `video` (a manifest with pending renditions).
    func isPartial(_ video: String, on origin: HTTPClientPool.Upstream) -> Bool {
        guard let stored = try? get(origin, "/api/videos/\(video)/manifest.json") else { return false }
        return (try? VideoManifest.decode(Data(stored)))?.isPartial == true
    }

    func get(_ origin: HTTPClientPool.Upstream, _ target: String) throws -> [UInt8] {
        let r = try HTTPClientConnection(host: origin.host, port: origin.port, timeoutSeconds: 30).request("GET", target)
        guard r.status == 200 else { throw TranscodeError(stage: .replicate, reason: "\(origin)\(target): \(r.status)", libav: nil) }
        return r.body
    }
}
