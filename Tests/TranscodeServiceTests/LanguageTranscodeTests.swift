import Foundation
import HLSPackager
import MP4Box
import Testing
@testable import TranscodeService

/// The transcoder keeps every audio stream (each language as stereo AAC, a surround stream
/// also as AAC 5.1) with its language, and the source's text tracks as WebVTT cue files;
/// whole and in chunks, the same files. Fixture: Tests/Fixtures/languages.mp4.
@Suite struct LanguageTranscodeTests {
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/languages.mp4").standardized.path

    @Test func plansEveryAudioStream() throws {
        let info = try SourceInfo.probe(Self.source)
        #expect(info.audioStreams.map(\.language) == ["eng", "eng", "fra"] || info.audioStreams.map(\.language) == ["eng", "fra", "eng"])
        let plan = AudioRendition.plan(info)
        #expect(plan.first?.file == "audio.mp4" && plan.first?.channels == 2)
        #expect(plan.map(\.file) == ["audio.mp4", "audio2.mp4", "audio3.mp4", "audio4.mp4"])
        #expect(plan.filter { $0.channels == 6 }.count == 1 && plan.filter { $0.language == "fra" }.count == 1)
    }

    /// A stream's title (its `title` tag or a handler name that is one) is kept as the output's
    /// handler name, where the packager finds it.
    @Test func keepsTitles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("titles-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let source = "\(dir)/source.mkv"
        #expect(run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
                     "-f", "lavfi", "-i", "sine=frequency=660:duration=2", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:a", "aac",
                     "-metadata:s:a:1", "title=Commentary", source]) != nil)
        #expect(AudioRendition.plan(try SourceInfo.probe(source)).map(\.title) == [nil, "Commentary"])
        var config = TranscoderConfig()
        config.chunkSeconds = 0
        config.encode.preset = "ultrafast"
        config.ladder = [.init(height: 90, videoKbps: 200)]
        try OneOffTranscode.run(source: source, into: "\(dir)/out", config: config) { _ in }
        let handler = (run(["ffprobe", "-v", "error", "-show_entries", "stream_tags=handler_name", "-of", "csv=p=0", "\(dir)/out/audio2.mp4"]) ?? "")
        #expect(handler.trimmingCharacters(in: .whitespacesAndNewlines) == "Commentary")
    }

    /// Text subtitle streams of other containers (Matroska here: SubRip and ASS) are read with
    /// libavformat and kept as WebVTT with their language, times and text (ASS styling dropped).
    @Test func keepsTextStreamsOfOtherContainers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mkv-subs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let srt = URL(fileURLWithPath: Self.source).deletingLastPathComponent().appendingPathComponent("languages/fr.srt").path
        let source = "\(dir)/source.mkv"
        #expect(run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=5", "-i", srt, "-i", srt,
                     "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:s:0", "srt", "-c:s:1", "ass",
                     "-metadata:s:s:0", "language=fre", "-metadata:s:s:1", "language=ger", source]) != nil)
        var logged: [String] = []
        let files = SourceSubtitles.extract(source: source, into: dir) { logged.append($0) }
        #expect(files == ["subtitles/fr.vtt", "subtitles/de.vtt"] && logged.isEmpty, "\(files) \(logged)")
        for file in files {
            let vtt = (try? String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8)) ?? ""
            #expect(vtt.contains("00:00:00.500 --> 00:00:01.800\n") && vtt.contains("00:00:01.900 --> 00:00:02.300\nUne réplique à cheval")
                    && vtt.contains("00:00:03.700 --> 00:00:04.400\nSur la deuxième frontière"), "\(file): \(vtt)")
        }
    }

    @Test(arguments: [0.0, 2.0])
    func keepsLanguagesLayoutsAndTextTracks(chunkSeconds: Double) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("langs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var config = TranscoderConfig()
        config.chunkSeconds = chunkSeconds
        config.encode.preset = "ultrafast"
        config.encode.gopSeconds = 1
        try OneOffTranscode.run(source: Self.source, into: out, config: config) { _ in }
        let plan = AudioRendition.plan(try SourceInfo.probe(Self.source))
        for rendition in plan {
            let path = "\(out)/\(rendition.file)"
            #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", path, "-f", "null", "-"]) != nil, "\(rendition.file)")
            #expect(streamField(path, "channels", stream: "a") == "\(rendition.channels)", "\(rendition.file)")
            let language = (run(["ffprobe", "-v", "error", "-show_entries", "stream_tags=language", "-of", "csv=p=0", path]) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(language == rendition.language, "\(rendition.file): \(language)")
            let seconds = Double(streamField(path, "duration", stream: "a")) ?? 0
            #expect(abs(seconds - 6) < 0.1, "\(rendition.file): \(seconds) s")
        }
        // The English text track as WebVTT, at the source's times.
        let vtt = try String(contentsOfFile: "\(out)/subtitles/en.vtt", encoding: .utf8)
        let cues = try SubtitleFile.parse(Array(vtt.utf8), format: .vtt, source: "en.vtt")
        #expect(cues.map { [$0.start, $0.end] } == [[400, 1900], [1950, 2050], [5000, 5900]])
        #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", "\(out)/subtitles/en.vtt", "-f", "webvtt", "-"]) != nil)
    }
}
