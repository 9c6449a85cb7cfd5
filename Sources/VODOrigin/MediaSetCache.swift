import Synchronization
import Foundation
import HLSPackager
import MP4Box
import VODKit

/// Laid-out media sets in memory, keyed by the source files' paths, sizes and
/// mtimes (a replaced file is a new key), bounded by entries and by bytes (what
/// each video's indexes and lay-out hold), least recently used dropped first (in
/// O(1)), so repeated requests never parse a moov again. Concurrent first requests for
/// one video wait for a single load.
public final class MediaSetCache: Sendable {
    /// One laid-out video. Its playlists and TS renditions are made on first use
    /// and kept, so the first request pays only for what it asks.
    public final class Entry: Sendable {
        public let set: MediaSet
        public let key: String
        public let files: [SourceFile]
        /// The source files held open and mapped for sending segments (shared with the video's views).
        let sources: HeldSourceFiles
        private let made = Mutex<(playlists: [String: Playlist], absent: Set<String>)>(([:], []))
        /// Paths found to have no playlist, remembered (up to this many) so that asking again
        /// is answered 404 on the event loop instead of rendering on a worker each time.
        static let maxAbsent = 256
        private let tsState = Mutex<Result<[TSRendition], PackagerError>?>(nil)
        /// The selection of tracks or clip a URL made (`/hls/<video>/tracks/v1-a2/…`), nil for the whole video.
        let view: VideoView?
        /// Responses of clear segments sent as one file range each (the transcoder's layout),
        /// so that asking again does not describe the segment again (moof, ETag): at most
        /// `maxResponses`, all dropped when full.
        private let responses = Mutex<[SegmentKey: HTTPResponse]>([:])
        static let maxResponses = 64
        struct SegmentKey: Hashable, Sendable {
            let track: String
            let number: Int
        }

        func response(track: Substring, segment number: Int) -> HTTPResponse? {
            responses.withLock { $0[SegmentKey(track: String(track), number: number)] }
        }

        func remember(_ response: HTTPResponse, track: Substring, segment number: Int) {
            responses.withLock {
                if $0.count >= Self.maxResponses { $0.removeAll(keepingCapacity: true) }
                $0[SegmentKey(track: String(track), number: number)] = response
            }
        }

        /// Views made of this video so far (at most `maxViews` kept).
        private let views = Mutex<[VideoView: Entry]>([:])
        static let maxViews = 16

        public struct Playlist: Sendable {
            public let bytes: [UInt8]
            public let etag: String
            /// A long playlist (a media playlist of a long video) also kept in a memory file,
            /// sent with `sendfile` like a static file instead of copied from the heap by `writev`.
            public let file: OpenFile?
            /// The same bytes gzip-coded, for clients that accept it (nil when too short to gain).
            public let gzipped: [UInt8]?
            /// The gzip-coded bytes are another representation, so they have a validator of their own.
            public var gzipETag: String { String(etag.dropLast()) + "-gzip\"" }

            /// Bytes from which a memory file pays: below, one `writev` of headers and body is cheaper.
            static let fileThreshold = 8 << 10

            init(bytes: [UInt8], etag: String) {
                self.bytes = bytes
                self.etag = etag
                file = bytes.count >= Self.fileThreshold ? OpenFile.inMemory(bytes, name: "vod-playlist") : nil
                gzipped = bytes.count >= Gzip.minimumBytes ? Gzip.compress(bytes) : nil
            }
        }

        /// Estimated memory: the sample index (about 18 bytes a sample), the presentation
        /// order and segment tables (8 bytes a sample) and room for playlists.
        public let estimatedBytes: Int

        /// The transcoder's `manifest.json` beside the files (nil for a bare file), read once
        /// with the video (on a worker), not for every `/api/videos/<id>` on the event loop.
        public let manifest: VideoManifest?
        /// That manifest's bytes as stored (sent as they are, so a copy keeps every field).
        public let manifestBytes: [UInt8]?

        public var title: String? { manifest?.title }
        /// Every media URL needs a signed token: the manifest says `"access"` other than
        /// `"public"` (one that cannot be decoded never gets here: the catalog refuses the video).
        public let signedOnly: Bool

        /// `trackData`: the data files of tracks of `set` read from them (held with the sources).
        init(set: MediaSet, video: VideoFiles, id: String, protection policy: ProtectionPolicy,
             trackData: [IndexDirectory.TrackData] = []) throws(PackagerError) {
            view = nil
            key = video.key
            files = video.files
            sources = HeldSourceFiles(video.files, trackData: trackData)
            manifest = video.manifest
            manifestBytes = video.manifestBytes.map { [UInt8]($0) }
            signedOnly = VideoAccess.signedOnly(video.manifest)
            var set = set
            set.protection = try policy.protection(id: id, manifest: manifest)
            self.set = set
            // Subtitles: their cues, and each rendered once per segment on two clocks.
            let text = set.subtitles.reduce(0) { $0 + $1.cues.reduce(0) { $0 + $1.text.utf8.count + 64 } * 3 }
            estimatedBytes = set.tracks.reduce(64 << 10 + text) { $0 + $1.track.memoryBytes + $1.segmentCount * 256 }
        }

        private init(_ view: VideoView, set: MediaSet, of whole: Entry) {
            self.set = set
            self.view = view
            key = whole.key + "|" + view.path
            files = whole.files
            sources = whole.sources
            manifest = whole.manifest
            manifestBytes = whole.manifestBytes
            signedOnly = whole.signedOnly
            estimatedBytes = 0
        }

        /// The video as `view` presents it; nil when it names a track the video lacks or a
        /// clip past its end. A selection is cheap (the layout is shared); a clip copies the
        /// part of the sample tables it covers (call it on a worker unless `hasView`).
        func derived(_ view: VideoView) throws(PackagerError) -> Entry? {
            if let kept = views.withLock({ $0[view] }) { return kept }
            let made: MediaSet?
            switch view {
            case .tracks(let selection): made = set.selecting(selection)
            case .clip(let clip): made = try set.clipped(clip, name: set.name + "/" + clip.path)
            }
            guard let made else { return nil }
            let entry = Entry(view, set: made, of: self)
            views.withLock { if $0.count < Self.maxViews { $0[view] = entry } }
            return entry
        }

        /// Whether `derived(view)` answers without making it.
        func hasView(_ view: VideoView) -> Bool {
            if case .tracks = view { return true }
            return views.withLock { $0[view] != nil }
        }

        /// The TS renditions (video with audio muxed in), built once.
        public func ts() throws(PackagerError) -> [TSRendition] {
            if let state = tsState.withLock({ $0 }) { return try state.get() }
            let state = Result { () throws(PackagerError) in try set.tsRenditions() }
            tsState.withLock { $0 = state }
            return try state.get()
        }

        /// Whether `ts()` answers without building.
        var hasTS: Bool { tsState.withLock { $0 != nil } }

        /// A playlist by its path under the video, made once: `hls/master.m3u8`,
        /// `hls/<track>/index.m3u8`, `hls/<track>/iframes.m3u8`, `dash/manifest.mpd`,
        /// `hls-ts/master.m3u8`, `hls-ts/<rendition>/index.m3u8`, and the subtitles' texts
        /// (`hls[-ts]/<subs>/index.m3u8`, `hls[-ts]/<subs>/<n>.vtt`, `dash/<subs>.vtt`); nil if there is none.
        public func playlist(_ path: String) -> Playlist? {
            let (hit, absent) = made.withLock { ($0.playlists[path], $0.absent.contains(path)) }
            if let hit { return hit }
            if absent { return nil }
            guard let text = render(path) else {
                made.withLock { if $0.absent.count < Self.maxAbsent { $0.absent.insert(path) } }
                return nil
            }
            let playlist = Playlist(bytes: Array(text.utf8), etag: "\"" + SHA256.hex(Array(SHA256.hash(Array((key + path + text).utf8)).prefix(12))) + "\"")
            made.withLock { $0.playlists[path] = playlist }
            return playlist
        }

        /// Whether `playlist(path)` answers without rendering (a playlist or a known absence).
        func hasPlaylist(_ path: String) -> Bool { made.withLock { $0.playlists[path] != nil || $0.absent.contains(path) } }

        /// A selection's master playlist and MPD name the whole video's media playlists and
        /// segments (`../../video/index.m3u8`), so those are shared; its TS presentation is its own
        /// (the audio muxed in is the one chosen), so it serves the whole `hls-ts` tree. A clip
        /// has its own everything (its CMAF segments at `/cmaf/<video>/clip/<range>/…`).
        private func render(_ path: String) -> String? {
            let p = path.split(separator: "/")
            var selection = false
            if case .tracks = view { selection = true }
            if selection && p.first == "hls" && p.count > 2 { return nil }
            switch (p.first, p.count) {
            case ("hls", 2) where p[1] == "master.m3u8": return HLSPlaylist.multivariant(set, base: selection ? "../../" : "")
            case ("dash", 2) where p[1] == "manifest.mpd": return DASHManifest.mpd(set, base: selection ? "../../" : "")
            case ("dash", 2) where p[1].hasSuffix(".vtt"):
                return set.subtitle(named: String(p[1].dropLast(4))).map { SubtitleSegments.whole(set, $0) }
            case ("hls", 3), ("hls-ts", 3):
                if let subtitle = set.subtitle(named: String(p[1])) { return renderSubtitle(subtitle, p[2], ts: p[0] == "hls-ts") }
                if p[0] == "hls-ts" { return p[2] == "index.m3u8" ? (try? ts())?.first { $0.name == p[1] }.map { TSPlaylist.media($0, video: set.name, protection: set.protection) } : nil }
                guard let t = set.track(named: String(p[1])) else { return nil }
                if p[2] == "index.m3u8" { return HLSPlaylist.media(t, video: set.name, protection: set.protection) }
                if p[2] == "iframes.m3u8" && t.track.kind == .video && set.protection == nil { return HLSPlaylist.iFrames(t, video: set.name) }
                return nil
            case ("hls-ts", 2) where p[1] == "master.m3u8": return (try? ts()).map { TSPlaylist.multivariant($0, subtitles: set.subtitles, of: set) }
            default: return nil
            }
        }

        /// A subtitle playlist (`index.m3u8`) or segment (`<n>.vtt`), on the CMAF or TS clock.
        private func renderSubtitle(_ track: SubtitleTrack, _ name: Substring, ts: Bool) -> String? {
            if name == "index.m3u8" { return SubtitleSegments.media(set) }
            guard let n = OriginTarget.segmentNumber(name, suffix: ".vtt") else { return nil }
            return SubtitleSegments.segment(set, track, n - 1, mpegts: ts ? set.tsSubtitleTimestamp : SubtitleSegments.cmafTimestamp(set))
        }
    }

    /// A load in progress that later requests for the same video wait for.
    private final class Load: Sendable {
        let done = DispatchSemaphore(value: 0)
        /// Set before `done` is signalled.
        let result = Mutex<Result<Entry, PackagerError>?>(nil)
    }

    private struct Contents {
        var entries: [String: Entry] = [:]
        /// Least recently used first, in O(1) (`RecencyQueues` with every video in its used-again
        /// queue: a player's session asks for a video's playlists and segments within seconds,
        /// so a video used once so far is as likely to be asked again as one used before, and
        /// must not be the first to go).
        var order = RecencyQueues()
        var loading: [String: Load] = [:]
        var bytes = 0
        var hits = 0
        var misses = 0
    }
    private let contents = Mutex(Contents())
    public let capacity: Int
    public let maxBytes: Int
    private let targetDuration: Double
    let protection: ProtectionPolicy

    /// Told what a loaded video's source lacks although it plays (`MediaSet.warnings`).
    let log: @Sendable (String) -> Void

    /// Where parsed movies' indexes are kept between loads (nil: every load parses the MP4).
    let index: IndexDirectory?

    public init(capacity: Int, maxBytes: Int = 512 << 20, targetDuration: Double, protection: ProtectionPolicy = .none, index: IndexDirectory? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.log = log
        self.index = index
        self.protection = protection
        self.capacity = max(1, capacity)
        self.maxBytes = maxBytes
        self.targetDuration = targetDuration
    }

    public var stats: (hits: Int, misses: Int, entries: Int, bytes: Int) { contents.withLock { ($0.hits, $0.misses, $0.entries.count, $0.bytes) } }

    /// The laid-out video if it is in memory (counts as a hit), without loading.
    public func cached(_ video: VideoFiles) -> Entry? { lookup(video, countHit: true) }

    private func lookup(_ video: VideoFiles, countHit: Bool) -> Entry? {
        contents.withLock { c in
            guard let entry = c.entries[video.key] else { return nil }
            if countHit { c.hits += 1 }
            c.order.touch(video.key)
            return entry
        }
    }

    /// The laid-out video, loaded if needed (blocking: call it on a worker). A request
    /// that finds it here was counted by `cached` already.
    public func mediaSet(id: String, video: VideoFiles) throws(PackagerError) -> Entry {
        if let hit = lookup(video, countHit: false) { return hit }
        let (pending, leader) = contents.withLock { c -> (Load, Bool) in
            if let running = c.loading[video.key] { return (running, false) }
            let load = Load()
            c.loading[video.key] = load
            c.misses += 1
            return (load, true)
        }
        guard leader else {
            pending.done.wait()
            pending.done.signal()  // let the next waiter through
            guard let result = pending.result.withLock({ $0 }) else { throw .brokenTrack(file: id, reason: "its load ended without a result") }
            return try result.get()
        }
        let result = Result { () throws(PackagerError) in
            let (set, trackData) = try load(id: id, files: video.files)
            return try Entry(set: set, video: video, id: id, protection: protection, trackData: trackData)
        }
        if case .success(let entry) = result { for warning in entry.set.warnings { log("video \(id): \(warning)") } }
        pending.result.withLock { $0 = result }
        contents.withLock { c in
            c.loading[video.key] = nil
            if case .success(let entry) = result {
                if let old = c.entries.updateValue(entry, forKey: video.key) { c.bytes -= old.estimatedBytes }
                c.order.insert(video.key, reused: true)
                c.bytes += entry.estimatedBytes
                // The newest entry stays even alone over the byte bound: it is being used.
                while c.entries.count > capacity || (c.bytes > maxBytes && c.entries.count > 1),
                      let victim = c.order.victim(except: video.key) {
                    c.order.remove(victim)
                    if let dropped = c.entries.removeValue(forKey: victim) { c.bytes -= dropped.estimatedBytes }
                }
            }
        }
        pending.done.signal()
        return try result.get()
    }

    /// The video's media set, with the track data files its segments read from (held with it).
    private func load(id: String, files: [SourceFile]) throws(PackagerError) -> (MediaSet, [IndexDirectory.TrackData]) {
        let media = files.filter { $0.role != .subtitle }
        var set: MediaSet
        var trackData: [IndexDirectory.TrackData] = []
        if media.count == 1 {
            let path = media[0].path
            let (movie, data) = try placed(path)
            trackData = data
            set = try MediaSet.load(movie: movie, path: path, name: id, targetDuration: targetDuration,
                                    trackData: Dictionary(data.map { ($0.trackID, $0.path) }, uniquingKeysWith: { a, _ in a }))
        } else {
            // Each file read and laid out on its own core: the first request waits for them all.
            let laidOut = media.concurrentMap { file -> Result<(PackagedTrack, IndexDirectory.TrackData?)?, PackagerError> in
                Result { () throws(PackagerError) in
                    let (movie, data) = try self.placed(file.path)
                    let stem = String(file.name.dropLast(file.name.hasSuffix(".mp4") ? 4 : 0))
                    let kind: PackagedTrack.Kind
                    switch file.role {
                    case .video: kind = .video
                    case .audio: kind = .audio
                    case .subtitle: return nil
                    }
                    guard let t = movie.tracks.first(where: { $0.mediaType == (kind == .video ? .video : .audio) && !$0.samples.isEmpty }) else { return nil }
                    let held = data.first { $0.trackID == t.id }
                    return (try PackagedTrack(name: kind == .video ? stem : "", kind: kind, track: t, movieTimescale: movie.timescale,
                                              sourcePath: held?.path ?? file.path, moviePath: file.path), held)
                }
            }
            var videos: [PackagedTrack] = []
            var audios: [PackagedTrack] = []
            for result in laidOut {
                guard let (track, held) = try result.get() else { continue }
                if let held { trackData.append(held) }
                // Every audio file is a language or layout of its own, named as MediaSet names them.
                if track.kind == .video { videos.append(track) } else { audios.append(track.renamed(MediaSet.audioName(audios.count))) }
            }
            set = try MediaSet(name: id, videos: videos, audios: audios, targetDuration: targetDuration, file: id)
        }
        set.subtitles += sidecars(files.filter { $0.role == .subtitle }, after: set.subtitles, video: id)
        return (set, trackData)
    }

    /// The movie of the MP4 at `path` with its tracks that are interleaved in the file placed in
    /// their data files, when made (`IndexDirectory.trackData`), and those files, held.
    private func placed(_ path: String) throws(PackagerError) -> (Movie, [IndexDirectory.TrackData]) {
        var (movie, identity) = try self.movie(path)
        guard let index, let identity else { return (movie, []) }
        let data = index.trackData(source: path, movie: movie, identity: identity)
        for held in data {
            if let i = movie.tracks.firstIndex(where: { $0.id == held.trackID }) { TrackDataFile.place(&movie.tracks[i]) }
        }
        return (movie, data)
    }

    /// The movie of the MP4 at `path`: from its index file when there is one for this
    /// version of it, else parsed (and its index file made after this request). With the
    /// file's identity, taken before it was read, when there are index files.
    private func movie(_ path: String) throws(PackagerError) -> (movie: Movie, identity: MovieIndexFile.SourceIdentity?) {
        // The file's identity before it is read: its index file belongs to that version of it.
        let identity = index == nil ? nil : MovieIndexFile.SourceIdentity(path: path)
        if let index, let identity, let stored = index.movie(source: path, identity: identity) { return (stored, identity) }
        do throws(MP4Error) {
            let movie = try Movie.read(path: path)
            guard !movie.isFragmented else { return (movie, nil) }  // a fragmented file keeps no index
            if let index, let identity { index.make(source: path, movie: movie, identity: identity) }
            return (movie, identity)
        } catch { throw .unreadable(file: path, error) }
    }

    /// The cue files beside a video, each its own subtitle track; one that cannot be read is
    /// left out with the reason logged (the video plays without it).
    private func sidecars(_ files: [SourceFile], after existing: [SubtitleTrack], video: String) -> [SubtitleTrack] {
        var read: [(language: String?, forced: Bool, cues: [TextCue], file: String)] = []
        for file in files {
            do throws(SubtitleError) {
                guard file.size <= SubtitleFile.maxBytes, let data = FileManager.default.contents(atPath: file.path) else {
                    throw SubtitleError(source: file.name, "unreadable or larger than \(SubtitleFile.maxBytes) bytes")
                }
                let sidecar = try SubtitleTrack.sidecar(fileName: file.name, bytes: [UInt8](data))
                read.append((sidecar.language, sidecar.forced, sidecar.cues, file.name))
            } catch {
                log("video \(video): subtitles \(error) (left out)")
            }
        }
        let languages = existing.map(\.language) + read.map(\.language)
        let names = SubtitleTrack.names(forLanguages: languages, forced: existing.map(\.forced) + read.map(\.forced)).dropFirst(existing.count)
        return zip(read, names).map { SubtitleTrack(name: $1, language: $0.language, forced: $0.forced, cues: $0.cues, source: $0.file) }
    }
}
