import MP4Box

/// Runs every packaging path over one untrusted file: read, lay out, plan, and
/// build every playlist, the MPD, and the first few CMAF and TS segments of
/// every track and rendition, of the whole video, of it encrypted, of a clip of it
/// and of a selection of its tracks; the same bytes as cue files. The fuzz target (fuzz/FuzzPackager.swift) and the
/// regression test over Tests/Corrupt both call it, so a crasher found by one is
/// replayed by the other. Errors are expected; only a trap is a failure.
public enum PackagerExercise {
    /// Segments built per track and rendition (keeps one input's work bounded).
    static let segmentsPerTrack = 3

    /// Returns how many responses were built (0 when the file was refused).
    @discardableResult
    public static func run(path: String, bytes: [UInt8]) -> Int {
        var built = subtitles(bytes) + urlChoices(bytes)
        guard let movie = try? Movie.read(from: MemoryByteSource(bytes)),
              let set = try? MediaSet.load(movie: movie, path: path, name: "fuzz", targetDuration: 2) else { return 0 }
        built += exercise(set)
        // A clip whose range the input's own bytes choose, and a selection of its tracks.
        let from = Int64(bytes.count > 40 ? bytes[40] : 0) * 50, length = Int64(bytes.count > 41 ? bytes[41] : 40) * 50 + 1
        if let clip = Clip(Substring("\(from)-\(from + length)")), let clipped = try? set.clipped(clip, name: "fuzz/\(clip.path)") {
            built += exercise(clipped)
        }
        // The same video protected with the scheme the input's bytes choose (the NAL walk over samples).
        if let key = ContentKey(id: Array(repeating: 1, count: 16), key: Array(repeating: 2, count: 16), iv: Array(repeating: 3, count: 16)) {
            let schemes = EncryptionScheme.allCases
            var protected = set
            protected.protection = Protection(scheme: schemes[Int(bytes.count > 42 ? bytes[42] : 0) % schemes.count], key: key)
            built += exercise(protected)
        }
        if let chosen = set.selecting(.tracks(videos: [1], audios: set.audios.isEmpty ? [] : [set.audios.count], subtitles: [])) {
            _ = HLSPlaylist.multivariant(chosen, base: "../../")
            _ = DASHManifest.mpd(chosen, base: "../../")
        }
        return built
    }

    /// Bytes of an index file (`MovieIndexFile`, made with build 1) as if for the MP4 at
    /// `sourcePath`: read back and packaged as `run` packages an MP4, then again with every
    /// track that wants a data file placed on one (`TrackDataFile`; the source stands in for
    /// it: the bytes are wrong, the arithmetic is what is tried). The fuzz target
    /// fuzz/FuzzIndex.swift calls it; only a trap is a failure.
    @discardableResult
    public static func run(indexBytes bytes: [UInt8], sourcePath: String) -> Int {
        guard var movie = try? MovieIndexFile.read(bytes: bytes, identity: nil, build: 1),
              let set = try? MediaSet.load(movie: movie, path: sourcePath, name: "fuzz", targetDuration: 2) else { return 0 }
        var built = exercise(set)
        var placed: [UInt32: String] = [:]
        for i in movie.tracks.indices where TrackDataFile.wants(movie.tracks[i]) {
            _ = TrackDataFile.dataLength(movie.tracks[i])
            TrackDataFile.place(&movie.tracks[i])
            placed[movie.tracks[i].id] = sourcePath
        }
        if !placed.isEmpty, let moved = try? MediaSet.load(movie: movie, path: sourcePath, name: "fuzz", targetDuration: 2, trackData: placed) {
            built += exercise(moved)
        }
        return built
    }

    /// Every playlist and the first segments of every track, subtitle and TS rendition of `set`
    /// (encrypted when `set.protection` says).
    static func exercise(_ set: MediaSet) -> Int {
        var built = 0
        _ = HLSPlaylist.multivariant(set)
        _ = DASHManifest.mpd(set)
        for track in set.tracks {
            _ = HLSPlaylist.media(track, video: set.name, protection: set.protection)
            if let protection = set.protection {
                _ = try? track.initSegment(protection: protection).materialize(limit: 16 << 20)
                for n in 0..<min(track.segmentCount, segmentsPerTrack) {
                    if let body = try? track.mediaSegment(n, protection: protection, set: set.name), (try? body.materialize(limit: 16 << 20)) != nil { built += 1 }
                }
                continue
            }
            if track.track.kind == .video { _ = HLSPlaylist.iFrames(track, video: set.name) }
            _ = try? track.initSegment().materialize(limit: 16 << 20)
            for n in 0..<min(track.segmentCount, segmentsPerTrack) {
                if let body = try? track.mediaSegment(n), (try? body.materialize(limit: 16 << 20)) != nil { built += 1 }
            }
            _ = try? track.mediaSegment(track.segmentCount)  // past the end: an error, not a trap
        }
        for subtitle in set.subtitles {
            _ = SubtitleSegments.media(set)
            _ = SubtitleSegments.whole(set, subtitle)
            for n in 0..<min(set.timelinePlan?.count ?? 0, segmentsPerTrack) { _ = SubtitleSegments.segment(set, subtitle, n, mpegts: set.tsSubtitleTimestamp) }
        }
        if let renditions = try? set.tsRenditions() {
            _ = TSPlaylist.multivariant(renditions, subtitles: set.subtitles, of: set)
            for r in renditions {
                _ = TSPlaylist.media(r, video: set.name, protection: set.protection)
                for n in 0..<min(r.segmentCount, segmentsPerTrack) where (try? r.segment(n)) != nil { built += 1 }
            }
        }
        return built
    }

    /// The first line of the bytes as the URL pieces a request chooses a view with
    /// (the `<from>-<to>` of `clip/`, the `v1-a2` of `tracks/`, the `fr` of `lang/`).
    static func urlChoices(_ bytes: [UInt8]) -> Int {
        let line = Substring(String(decoding: bytes.prefix(64).prefix { $0 != 0x0A }, as: UTF8.self))
        var read = 0
        if let clip = Clip(line) { _ = clip.path; read += 1 }
        for kind: Substring in ["tracks", "lang"] {
            if let choice = TrackSelection(kind: kind, value: line) { _ = choice.path; read += 1 }
        }
        return read
    }

    /// The same bytes as a WebVTT and as a SubRip file, written back out as WebVTT.
    static func subtitles(_ bytes: [UInt8]) -> Int {
        var read = 0
        for format in SubtitleFile.Format.allCases {
            guard let cues = try? SubtitleFile.parse(bytes, format: format, source: "fuzz") else { continue }
            _ = WebVTTWriter.document(cues, shift: -1000, mpegts: 900_000)
            read += 1
        }
        return read
    }
}
