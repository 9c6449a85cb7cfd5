import Foundation
import Testing
@testable import HLSPackager
@testable import MP4Box

/// Subtitles: cue files (WebVTT, SubRip) and MP4 text tracks (`tx3g`) served as
/// segmented WebVTT for HLS (with an `X-TIMESTAMP-MAP` on the CMAF or TS clock)
/// and one WebVTT file for DASH; checked with ffmpeg's readers. Fixture
/// `languages.mp4` and its cue files: scripts/make-fixtures.sh.
@Suite struct SubtitleTests {
    /// The English text track as the source says it (ffmpeg's own conversion to WebVTT).
    static let englishTimes: [(Int64, Int64)] = [(400, 1900), (1950, 2050), (5000, 5900)]

    func cues(ofWebVTT text: String) throws -> [TextCue] {
        try SubtitleFile.parse(Array(text.utf8), format: .vtt, source: "test")
    }

    @Test func readsSubRipAndWebVTTFiles() throws {
        let fr = try SubtitleTrack.sidecar(fileName: "fr.srt", bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("languages/fr.srt")))))
        #expect(fr.language == "fr" && !fr.forced)
        #expect(fr.cues.map { [$0.start, $0.end] } == [[500, 1800], [1900, 2300], [3700, 4400]])
        #expect(fr.cues[0].text == "Bonjour <i>tout</i> le monde" && fr.cues[1].text == "Une réplique à cheval")
        let es = try SubtitleTrack.sidecar(fileName: "es.vtt", bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("languages/es.vtt")))))
        #expect(es.language == "es")
        #expect(es.cues.map { [$0.start, $0.end] } == [[250, 1000], [1950, 2600]])
        #expect(es.cues[0].settings == "line:10%" && es.cues[1].text == "Entre dos segmentos\ncon dos líneas")
        #expect(try SubtitleTrack.sidecar(fileName: "pt-BR.forced.vtt", bytes: Array("WEBVTT\n".utf8)).forced)
        #expect(try SubtitleTrack.sidecar(fileName: "eng.srt", bytes: []).language == "en")
    }

    @Test func subRipTextBecomesWebVTTText() throws {
        let srt = "\u{FEFF}1\r\n00:00:01,000 --> 00:00:02,000 X1:10 X2:20\r\n<font color=\"red\">{\\an8}Tom & Jerry</font> <b>&amp;</b>\r\n\r\n"
            + "00:00:03.000 --> 00:00:04.000\r\n--> a < b\r\n"
        let cues = try SubtitleFile.parse(Array(srt.utf8), format: .srt, source: "t.srt")
        #expect(cues.map(\.text) == ["Tom &amp; Jerry <b>&amp;</b>", "--&gt; a &lt; b"])
        #expect(cues.allSatisfy { $0.settings.isEmpty })
    }

    @Test func malformedCueFilesSayWhereAndWhy() {
        func failure(_ text: String, _ format: SubtitleFile.Format) -> SubtitleError? {
            do { _ = try SubtitleFile.parse(Array(text.utf8), format: format, source: "x"); return nil } catch { return error }
        }
        #expect(failure("1\n00:00:01,000 --> 00:00:02,000\nhi\n", .vtt) == SubtitleError(source: "x", line: 1, "a WebVTT file starts with WEBVTT"))
        #expect(failure("WEBVTT\n\n00:01.000 --> 00:0x.000\nhi\n", .vtt)?.line == 3)
        #expect(failure("WEBVTT\n\nid\nno timing here\n", .vtt)?.line == 3)
        #expect(failure("WEBVTT\n\n00:02.000 --> 00:01.000\nhi\n", .vtt)?.reason == "the cue ends before it starts")
        #expect(failure("1\n00:00:01,000 -> 00:00:02,000\nhi\n", .srt)?.line == 1)
        #expect(failure("WEBVTT\n\n00:61.000 --> 00:62.000\nhi\n", .vtt) != nil)
        #expect(failure(String(decoding: [0x57, 0x45, 0xFF], as: UTF8.self), .vtt) != nil)
        #expect(throws: SubtitleError.self) { try SubtitleFile.parse([0xFF, 0xFE], format: .srt, source: "x") }
    }

    @Test func textTracksOfTheSourceAreRead() throws {
        let set = try MediaSet.load(path: fixture("languages.mp4"), name: "v", targetDuration: 2)
        #expect(set.subtitles.map(\.name) == ["subs_en"])
        let track = set.subtitles[0].cues
        #expect(track.map { ($0.start, $0.end) }.elementsEqual(Self.englishTimes, by: ==))
        #expect(track.map(\.text) == ["Hello", "Across the join", "The end"])
        // ffmpeg's reading of the same track agrees.
        let (status, out) = try run(["ffmpeg", "-v", "error", "-i", fixture("languages.mp4"), "-map", "0:s:0", "-f", "webvtt", "-"])
        #expect(status == 0)
        #expect(try cues(ofWebVTT: out).map { [$0.start, $0.end] } == track.map { [$0.start, $0.end] })
    }

    /// A text track without a language (ffmpeg's `mov_text` from an SRT) is served too.
    @Test func textTrackWithoutLanguage() throws {
        let set = try MediaSet.load(path: fixture("subtitles.mp4"), name: "v")
        #expect(set.tracks.map(\.track.name) == ["video", "audio"] && set.skipped.isEmpty)
        #expect(set.subtitles.map(\.name) == ["subs_und"] && set.subtitles[0].language == nil && set.subtitles[0].label == "Subtitles")
        #expect(set.subtitles[0].cues == [TextCue(start: 0, end: 1500, text: "Hello")])
        #expect(HLSPlaylist.multivariant(set).contains("TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"Subtitles\",DEFAULT=NO"))
    }

    @Test func hlsSubtitlesAreSegmentedWithTheMediaClock() throws {
        let set = try MediaSet.load(path: fixture("languages.mp4"), name: "languages", targetDuration: 2)
        let master = HLSPlaylist.multivariant(set)
        #expect(master.contains("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI=\"subs_en/index.m3u8\""))
        #expect(master.split(separator: "\n").filter { $0.hasPrefix("#EXT-X-STREAM-INF") }.allSatisfy { $0.hasSuffix(",SUBTITLES=\"subs\"") })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try writePackage(set, to: dir)
        let hls = dir.appendingPathComponent("hls/languages").path
        // A cue crossing a segment boundary is in both segments.
        let second = try String(contentsOfFile: "\(hls)/subs_en/2.vtt", encoding: .utf8)
        #expect(try cues(ofWebVTT: second).map(\.text) == ["Across the join"])
        // X-TIMESTAMP-MAP: cue time 0 is the source's first frame; on the CMAF clock that is the
        // first segment's first presentation time (ffprobe), since the source's first frame is at 0.
        let map = try #require(second.split(separator: "\n").first { $0.hasPrefix("X-TIMESTAMP-MAP=") })
        let mpegts = try #require(Int64(map.dropFirst("X-TIMESTAMP-MAP=MPEGTS:".count).prefix { $0.isNumber }))
        let video = dir.appendingPathComponent("video.mp4")
        try concatenated(try #require(set.videos.first), to: video)
        let firstPTS = try #require(try decodedFrameTimes(video.path, stream: "v:0").first)
        #expect(abs(Double(mpegts) / 90000 - firstPTS) < 0.0005, "MPEGTS \(mpegts) against the first frame at \(firstPTS) s")
        #expect(try decodedFrameTimes(fixture("languages.mp4"), stream: "v:0").first == 0)
        // ffmpeg reads the subtitle playlist; every cue keeps the source's times.
        let (status, out) = try run(["ffmpeg", "-v", "error", "-i", "\(hls)/subs_en/index.m3u8", "-f", "webvtt", "-"])
        #expect(status == 0)
        let read = try cues(ofWebVTT: out)
        #expect(Set(read.map { [$0.start, $0.end] }) == Set(Self.englishTimes.map { [$0.0, $0.1] }))
    }

    @Test func tsSubtitlesFollowTheTSClock() throws {
        let set = try MediaSet.load(path: fixture("languages.mp4"), name: "languages", targetDuration: 2)
        let renditions = try set.tsRenditions()
        let master = TSPlaylist.multivariant(renditions, subtitles: set.subtitles)
        #expect(master.contains("TYPE=SUBTITLES") && master.contains("SUBTITLES=\"subs\""))
        let segment = try #require(SubtitleSegments.segment(set, set.subtitles[0], 0, mpegts: set.tsSubtitleTimestamp))
        let mpegts = try #require(Int64(segment.split(separator: "\n")[1].dropFirst("X-TIMESTAMP-MAP=MPEGTS:".count).prefix { $0.isNumber }))
        let ts = FileManager.default.temporaryDirectory.appendingPathComponent("subs-\(UUID().uuidString).ts")
        defer { try? FileManager.default.removeItem(at: ts) }
        try Data(try allSegments(renditions[0])).write(to: ts)
        let firstPTS = try #require(try decodedFrameTimes(ts.path, stream: "v:0").first)
        #expect(abs(Double(mpegts) / 90000 - firstPTS) < 0.0005, "MPEGTS \(mpegts) against the first TS frame at \(firstPTS) s")
    }

    @Test func dashSubtitlesAreWholeFilesOnThePeriodTimeline() throws {
        let set = try MediaSet.load(path: fixture("languages.mp4"), name: "languages", targetDuration: 2)
        let mpd = DASHManifest.mpd(set)
        #expect(mpd.contains("<AdaptationSet id=\"200\" contentType=\"text\" mimeType=\"text/vtt\" lang=\"en\">"))
        #expect(mpd.contains("<BaseURL>subs_en.vtt</BaseURL>") && mpd.contains("value=\"subtitle\""))
        // The period starts at the first frame, which is the source's time 0: times stay as they are.
        let whole = try cues(ofWebVTT: SubtitleSegments.whole(set, set.subtitles[0]))
        #expect(whole.map { ($0.start, $0.end) }.elementsEqual(Self.englishTimes, by: ==))
    }

    @Test func subtitleSegmentsAreDeterministicAndComplete() throws {
        let set = try MediaSet.load(path: fixture("languages.mp4"), name: "v", targetDuration: 2)
        let plan = try #require(set.timelinePlan)
        let track = set.subtitles[0]
        var seen = Set<[Int64]>()
        for n in 0..<plan.count {
            let text = try #require(SubtitleSegments.segment(set, track, n, mpegts: 0))
            #expect(text == SubtitleSegments.segment(set, track, n, mpegts: 0))
            for cue in try cues(ofWebVTT: text) { seen.insert([cue.start, cue.end]) }
        }
        #expect(seen.count == track.cues.count)
        #expect(SubtitleSegments.segment(set, track, plan.count, mpegts: 0) == nil)
        #expect(SubtitleSegments.segment(set, track, -1, mpegts: 0) == nil)
    }
}
