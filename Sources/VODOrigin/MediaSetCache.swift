import Foundation
import HLSPackager
import MP4Box
import VODKit

/// Laid-out media sets in memory, keyed by the source files' paths, sizes and
/// mtimes (a replaced file is a new key), least recently used dropped first,
/// so repeated requests never parse a moov again.
public final class MediaSetCache: @unchecked Sendable {
    public struct Entry: Sendable {
        public let set: MediaSet
        public let ts: [TSRendition]?
        public let key: String
        /// Every playlist and manifest of the video, made once: path under the video → bytes and ETag.
        public let playlists: [String: (bytes: [UInt8], etag: String)]
    }

    private let lock = NSLock()
    private var entries: [String: (entry: Entry, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    public let capacity: Int
    private let targetDuration: Double
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(capacity: Int, targetDuration: Double) {
        self.capacity = max(1, capacity)
        self.targetDuration = targetDuration
    }

    public var stats: (hits: Int, misses: Int, entries: Int) { lock.withLock { (hits, misses, entries.count) } }

    static func key(_ files: [SourceFile]) -> String {
        files.map { "\($0.path)|\($0.size)|\($0.modified)" }.joined(separator: ";")
    }

    /// Whether these files' video is laid out already (a request for it will not touch the disk).
    public func contains(files: [SourceFile]) -> Bool {
        let key = Self.key(files)
        return lock.withLock { entries[key] != nil }
    }

    public func mediaSet(id: String, files: [SourceFile]) throws(PackagerError) -> Entry {
        let key = Self.key(files)
        if let found = lock.withLock({ () -> Entry? in
            guard var e = entries[key] else { misses += 1; return nil }
            hits += 1
            clock += 1
            e.lastUse = clock
            entries[key] = e
            return e.entry
        }) { return found }
        let set = try load(id: id, files: files)
        let ts = try? set.tsRenditions()
        let entry = Entry(set: set, ts: ts, key: key, playlists: Self.playlists(set, ts).mapValues { text in
            (Array(text.utf8), "\"" + SHA256.hex(Array(SHA256.hash(Array((key + text).utf8)).prefix(12))) + "\"")
        })
        lock.withLock {
            clock += 1
            entries[key] = (entry, clock)
            while entries.count > capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                entries[oldest.key] = nil
            }
        }
        return entry
    }

    /// Keys: `hls/master.m3u8`, `hls/<track>/index.m3u8`, `hls/<track>/iframes.m3u8`,
    /// `dash/manifest.mpd`, `hls-ts/master.m3u8`, `hls-ts/<rendition>/index.m3u8`.
    static func playlists(_ set: MediaSet, _ ts: [TSRendition]?) -> [String: String] {
        var p: [String: String] = ["hls/master.m3u8": HLSPlaylist.multivariant(set), "dash/manifest.mpd": DASHManifest.mpd(set)]
        for t in set.tracks {
            p["hls/\(t.track.name)/index.m3u8"] = HLSPlaylist.media(t, video: set.name)
            if t.track.kind == .video { p["hls/\(t.track.name)/iframes.m3u8"] = HLSPlaylist.iFrames(t, video: set.name) }
        }
        if let ts {
            p["hls-ts/master.m3u8"] = TSPlaylist.multivariant(ts)
            for r in ts { p["hls-ts/\(r.name)/index.m3u8"] = TSPlaylist.media(r) }
        }
        return p
    }

    private func load(id: String, files: [SourceFile]) throws(PackagerError) -> MediaSet {
        if files.count == 1 { return try MediaSet.load(path: files[0].path, name: id, targetDuration: targetDuration) }
        var videos: [PackagedTrack] = []
        var audio: PackagedTrack?
        for file in files {
            let movie: Movie
            do { movie = try Movie.read(path: file.path) } catch { throw .unreadable(file: file.path, error) }
            let stem = String(file.name.dropLast(file.name.hasSuffix(".mp4") ? 4 : 0))
            switch file.role {
            case .video:
                if let t = movie.tracks.first(where: { $0.mediaType == .video && !$0.samples.isEmpty }) {
                    videos.append(try PackagedTrack(name: stem, kind: .video, track: t, movieTimescale: movie.timescale, sourcePath: file.path))
                }
            case .audio:
                if audio == nil, let t = movie.tracks.first(where: { $0.mediaType == .audio && !$0.samples.isEmpty }) {
                    audio = try PackagedTrack(name: "audio", kind: .audio, track: t, movieTimescale: movie.timescale, sourcePath: file.path)
                }
            }
        }
        return try MediaSet(name: id, videos: videos, audio: audio, targetDuration: targetDuration, file: id)
    }
}
