import Foundation
import TestSupport
import Testing
@testable import HLSPackager
@testable import MP4Box

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func fixture(_ name: String) -> String { repoRoot.appendingPathComponent("Tests/Fixtures/\(name)").path }
func sharedMedia(_ name: String) -> String { repoRoot.deletingLastPathComponent().appendingPathComponent("shared/media/\(name)").path }

@discardableResult
func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let result = try runProgram(arguments)
    return (result.status, String(decoding: result.output, as: UTF8.self))
}

/// Presentation times (seconds, sorted) of the decoded frames of one stream, as ffmpeg decodes them.
func decodedFrameTimes(_ path: String, stream: String) throws -> [Double] {
    let (status, out) = try run(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "frame=pts_time",
                                 "-of", "csv=p=0", path])
    #expect(status == 0)
    return out.split(separator: "\n").compactMap { Double($0.split(separator: ",").first ?? "") }.sorted()
}

/// What FFmpeg decodes to learn how a source should play: the source itself, or, where
/// FFmpeg misreads it (docs/mp4box.md, "Where FFmpeg differs"), a file with the same samples.
func oracle(_ path: String) -> String {
    path.hasSuffix("/trun_no_offset.mp4") ? fixture("fragmented.mp4") : path
}

/// Whether ffmpeg decodes the source itself without an error (one shared file has corrupt AC-3 frames).
func sourceDecodesCleanly(_ path: String) throws -> Bool {
    try run(["ffmpeg", "-v", "error", "-xerror", "-i", path, "-map", "0", "-f", "null", "-"]).status == 0
}

/// Writes init + all segments of a track into one file: what a player's buffer holds.
func concatenated(_ track: SegmentedTrack, to url: URL) throws {
    var bytes = try track.initSegment().materialize()
    for n in 0..<track.segmentCount { bytes += try track.mediaSegment(n).materialize() }
    try Data(bytes).write(to: url)
}

/// Writes a media set laid out as the URL space (what `vod package` does).
func writePackage(_ set: MediaSet, to dir: URL) throws {
    func write(_ bytes: [UInt8], _ relative: String) throws {
        let url = dir.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
    try write(Array(HLSPlaylist.multivariant(set).utf8), "hls/\(set.name)/master.m3u8")
    try write(Array(DASHManifest.mpd(set).utf8), "dash/\(set.name)/manifest.mpd")
    for track in set.tracks {
        let name = track.track.name
        try write(Array(HLSPlaylist.media(track, video: set.name).utf8), "hls/\(set.name)/\(name)/index.m3u8")
        try write(track.initSegment().materialize(), "cmaf/\(set.name)/\(name)/init.mp4")
        for n in 0..<track.segmentCount { try write(track.mediaSegment(n).materialize(), "cmaf/\(set.name)/\(name)/\(n + 1).m4s") }
    }
    for subtitle in set.subtitles {
        try write(Array((SubtitleSegments.media(set) ?? "").utf8), "hls/\(set.name)/\(subtitle.name)/index.m3u8")
        for n in 0..<(set.timelinePlan?.count ?? 0) {
            let text = SubtitleSegments.segment(set, subtitle, n, mpegts: SubtitleSegments.cmafTimestamp(set)) ?? ""
            try write(Array(text.utf8), "hls/\(set.name)/\(subtitle.name)/\(n + 1).vtt")
        }
        try write(Array(SubtitleSegments.whole(set, subtitle).utf8), "dash/\(set.name)/\(subtitle.name).vtt")
    }
}

/// Every track of every packaged fixture decodes with ffmpeg to the same frames as
/// the source, with first and last timestamps within one frame of the source's.
@Suite struct PackagingTests {
    static let files = ["h264_bframes_aac.mp4", "moov_at_end.mp4", "empty_edit.mp4", "negative_cts.mp4", "fragmented.mp4",
                        "fragmented_negative_cts.mp4", "audio_only.m4a", "video_only.mp4", "hevc.mp4", "ac3.mp4", "opus.mp4", "rotated.mp4",
                        "multi_trun.mp4", "trun_no_offset.mp4", "h264_inband_aud.mp4", "hevc_inband_aud.mp4",
                        "cover_art.m4a", "pcm_audio.mov", "subtitles.mp4", "he_aac.m4a", "he_aac_implicit.m4a",
                        "truncated.mp4", "truncated_fragmented.mp4", "truncated_in_moof.mp4", "av1.mp4", "vp9.mp4", "edit_hides_frames.mp4", "vfr_bframes.mp4"]
        .map(fixture) + ["exo_sample.mp4", "exo_sample_with_increasing_timestamps_360p.mp4", "mp4parser_foreman-hevc-384.mp4",
                         "mp4parser_tiny_sample_new_untouched.mp4", "exo_sample_eac3.mp4", "exo_portrait_4k60.mp4",
                         "exo_sample_fragmented.mp4", "exo_sample_mdat_too_long.mp4", "exo_sample_opus.mp4", "exo_sample_ac3_aac.mp4"].map(sharedMedia)

    @Test(arguments: files)
    func everyTrackDecodesLikeTheSource(path: String) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let set = try MediaSet.load(path: path, name: "v", targetDuration: 1)
        var firstTimes: [PackagedTrack.Kind: (ours: Double, source: Double)] = [:]
        for track in set.tracks {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("pkg-\(getpid())-\(name)-\(track.track.name).mp4")
            try concatenated(track, to: out)
            defer { try? FileManager.default.removeItem(at: out) }
            let (status, _) = try run(["ffmpeg", "-v", "error", "-xerror", "-i", out.path, "-f", "null", "-"])
            let inherited = try !sourceDecodesCleanly(oracle(path))
            #expect(status == 0 || inherited, "\(name) \(track.track.name): ffmpeg reports an error decoding the segments")

            // The k-th audio track served is the source's k-th audio stream (every one is playable here).
            let stream = track.track.kind == .video ? "v:0" : "a:0"
            let sourceStream = track.track.kind == .video ? "v:0" : "a:\(set.audios.firstIndex { $0.track.name == track.track.name } ?? 0)"
            // Frames an edit list hides before its first shown frame are kept (later frames need
            // them) and presented one tick each just before it; FFmpeg does not output them.
            let hidden = track.track.hiddenLeadingFrames
            let decoded = try decodedFrameTimes(out.path, stream: stream)
            let theirs = try decodedFrameTimes(oracle(path), stream: sourceStream)
            #expect(decoded.count == theirs.count + hidden, "\(name) \(track.track.name): \(decoded.count) frames decoded, source \(theirs.count) + \(hidden) hidden")
            let ours = Array(decoded.dropFirst(hidden))
            if hidden > 0, let shown = ours.first, let firstHidden = decoded.first {
                #expect(shown - firstHidden <= Double(hidden) / Double(track.track.timescale) + 0.0005, "\(name): hidden frames spread before the first shown one")
            }
            guard let ourFirst = ours.first, let ourLast = ours.last, let first = theirs.first, let last = theirs.last else { continue }
            // Every track is presented later by the set's delay (no negative times). FFmpeg also
            // presents trun v1 negative offsets later by the largest one (its dts_shift), where
            // players take tfdt + offset as written. Undo both to compare with the source.
            let shift = Double(try Movie.read(path: out.path).tracks[0].compositionShift) / Double(track.track.timescale) + set.presentationDelay
            let frame = Double(track.track.track.samples.duration(at: 0)) / Double(track.track.timescale) + 0.0005
            #expect(abs((ourFirst - shift) - first) <= frame, "\(name) \(track.track.name): first frame at \(ourFirst - shift), source \(first)")
            #expect(abs((ourLast - shift) - last) <= frame, "\(name) \(track.track.name): last frame at \(ourLast - shift), source \(last)")
            if track.track.name == "video" || track.track.name == "audio" { firstTimes[track.track.kind] = (ourFirst - shift, first) }
        }
        // Audio against video: the same offset as in the source, within one audio frame.
        if let v = firstTimes[.video], let a = firstTimes[.audio], let audio = set.audio {
            let audioFrame = Double(audio.track.track.samples.duration(at: 0)) / Double(audio.track.timescale) + 0.0005
            #expect(abs((a.ours - v.ours) - (a.source - v.source)) <= audioFrame, "\(name): A/V offset \(a.ours - v.ours), source \(a.source - v.source)")
        }
    }

    @Test func wholeHLSPresentationDecodesThroughItsPlaylists() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "demo", targetDuration: 1)
        try writePackage(set, to: dir)
        let master = dir.appendingPathComponent("hls/demo/master.m3u8").path
        let (status, _) = try run(["ffmpeg", "-v", "error", "-xerror", "-i", master, "-map", "0", "-f", "null", "-"])
        #expect(status == 0)
        let (_, streams) = try run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", master])
        #expect(streams.contains("video") && streams.contains("audio"))
    }

    /// The end of a track is its last frame's presentation time plus that frame's own duration,
    /// not a decode-order gap (a VFR file with B-frames: 3.2 s, once announced as 4.93 s).
    @Test func durationsOfVariableFrameRateWithBFrames() throws {
        let set = try MediaSet.load(path: fixture("vfr_bframes.mp4"), name: "v", targetDuration: 6)
        let times = try decodedFrameTimes(fixture("vfr_bframes.mp4"), stream: "v:0")
        let expected = try #require(times.last) + (times[times.count - 1] - times[times.count - 2])
        let video = try #require(set.videos.first)
        let announced = video.plan.durations.reduce(0, +)
        #expect(abs(announced - expected) < 0.002, "EXTINF total \(announced) s, source \(expected) s")
        #expect(DASHManifest.mpd(set).contains("mediaPresentationDuration=\"PT\(String(format: "%.3f", expected))S\""))
    }

    /// A track we cannot package is skipped with its reason; the others are served.
    @Test(arguments: [("cover_art.m4a", ["audio"], "video", "mp4v"), ("pcm_audio.mov", ["video"], "audio", "sowt")])
    func unsupportedTracksAreSkipped(file: String, served: [String], skippedType: String, skippedCodec: String) throws {
        let set = try MediaSet.load(path: fixture(file), name: "v")
        #expect(set.tracks.map(\.track.name) == served)
        #expect(set.skipped.count == 1)
        let skipped = try #require(set.skipped.first)
        #expect(skipped.type == skippedType && skipped.codec == skippedCodec && !skipped.reason.isEmpty, "\(skipped)")
    }

    @Test func unplayableCodecsAndBrokenFilesAreTypedErrors() throws {
        #expect(throws: PackagerError.unsupportedCodec(file: sharedMedia("mp4parser_MOV00006.3gp"), codec: "s263")) {
            try MediaSet.load(path: sharedMedia("mp4parser_MOV00006.3gp"), name: "x")
        }
        do {
            _ = try MediaSet.load(path: sharedMedia("mozilla_chunk_out_of_range.mp4"), name: "x")
            Issue.record("a broken file was packaged")
        } catch {
            guard case .unreadable(_, let inner) = error else { Issue.record("wrong error \(error)"); return }
            #expect(inner.path.hasSuffix("stsc"))
        }
    }

    /// A media set from several files: renditions with the same keyframes share one plan,
    /// others get their own, and the multivariant playlist lists them all.
    @Test func renditionsFromSeveralFiles() throws {
        func track(_ file: String, _ kind: PackagedTrack.Kind, _ name: String) throws -> PackagedTrack {
            let movie = try Movie.read(path: fixture(file))
            let t = try #require(movie.tracks.first { $0.mediaType == (kind == .video ? .video : .audio) })
            return try PackagedTrack(name: name, kind: kind, track: t, movieTimescale: movie.timescale, sourcePath: fixture(file))
        }
        let aligned = try MediaSet(name: "v", videos: [try track("h264_bframes_aac.mp4", .video, "video_a"), try track("h264_bframes_aac.mp4", .video, "video_b")],
                                   audio: try track("audio_only.m4a", .audio, "audio"), targetDuration: 1, file: "test")
        #expect(aligned.videos[0].plan.starts == aligned.videos[1].plan.starts)
        let mixed = try MediaSet(name: "v", videos: [try track("h264_bframes_aac.mp4", .video, "video_a"), try track("video_only.mp4", .video, "video_b")],
                                 audio: try track("audio_only.m4a", .audio, "audio"), targetDuration: 1, file: "test")
        #expect(mixed.videos[0].plan.fits(mixed.videos[0].track))
        #expect(mixed.videos[1].plan.fits(mixed.videos[1].track))
        let master = HLSPlaylist.multivariant(mixed)
        #expect(master.components(separatedBy: "#EXT-X-STREAM-INF:").count == 3)
        #expect(master.contains("video_a/index.m3u8") && master.contains("video_b/index.m3u8"))
        #expect(throws: PackagerError.noPlayableTrack(file: "none")) { try MediaSet(name: "v", videos: [], audio: nil, targetDuration: 6, file: "none") }
    }

    @Test func segmentsAreFileRangesOfTheSource() throws {
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "v", targetDuration: 1)
        let body = try set.videos[0].mediaSegment(1)
        guard case .bytes = body.parts[0] else { Issue.record("a segment must start with its generated header"); return }
        let fileParts = body.parts.dropFirst().filter { if case .file = $0 { return true }; return false }
        #expect(fileParts.count == body.parts.count - 1 && !fileParts.isEmpty)
        #expect(throws: PackagerError.noSuchSegment(4)) { try set.videos[0].mediaSegment(3) }
    }
}
