import Foundation
import HLSPackager
import TestSupport
import Testing
@testable import VODKit
@testable import VODOrigin

/// Subtitles and audio languages through a live origin: a video's own text track and
/// the cue files in `media/<video>/subtitles/`, one of them broken (left out, the video
/// plays), cue files added through ingest, and ffmpeg reading the playlists over HTTP.
@Suite(.serialized) struct SubtitleOriginTests {
    func origin() throws -> OriginFixture {
        let o = try OriginFixture.withLanguages(cueFiles: ["fr.srt", "es.vtt"])
        try Data("WEBVTT\n\n00:01.000 --> later\nbroken\n".utf8).write(to: o.media.appendingPathComponent("langs/subtitles/de.vtt"))
        return o
    }

    func text(_ r: HTTPClientConnection.Response) -> String { String(decoding: r.body, as: UTF8.self) }

    @Test func subtitlesAndLanguagesAreServed() throws {
        let o = try origin()
        let master = text(try o.get("/hls/langs/master.m3u8"))
        for (name, uri) in [("English", "subs_en"), ("Spanish", "subs_es"), ("French", "subs_fr")] {
            #expect(master.contains("TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"\(name)\"") && master.contains("URI=\"\(uri)/index.m3u8\""), "\(name)")
        }
        #expect(!master.contains("subs_de"))
        #expect(o.errors.all.contains { $0.contains("de.vtt, line 3") && $0.contains("left out") }, "\(o.errors.all)")
        #expect(master.contains("URI=\"audio2/index.m3u8\"") && master.contains("LANGUAGE=\"fr\""))
        let segment = try o.get("/hls/langs/subs_fr/2.vtt")
        #expect(segment.status == 200 && segment.headers["Content-Type"] == "text/vtt; charset=utf-8")
        #expect(text(segment).contains("X-TIMESTAMP-MAP=MPEGTS:6000,LOCAL:00:00:00.000") && text(segment).contains("Une réplique à cheval"))
        #expect(text(try o.get("/hls-ts/langs/master.m3u8")).contains("URI=\"subs_fr/index.m3u8\""))
        #expect(try o.get("/hls-ts/langs/subs_fr/1.vtt").status == 200)
        #expect(try o.get("/hls/langs/subs_fr/9.vtt").status == 404)
        #expect(try o.get("/hls/langs/subs_xx/index.m3u8").status == 404)
        let mpd = text(try o.get("/dash/langs/manifest.mpd"))
        #expect(mpd.contains("<BaseURL>subs_es.vtt</BaseURL>") && mpd.contains("lang=\"es\""))
        #expect(text(try o.get("/dash/langs/subs_es.vtt")).contains("00:00:01.950 --> 00:00:02.600\nEntre dos segmentos\ncon dos líneas"))
        // The cue file as stored (what repair copies), never through /mp4/.
        let raw = try o.get("/subtitles/langs/fr.srt")
        let stored = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("languages/fr.srt"))))
        #expect(raw.status == 200 && raw.body == stored)
        #expect(try o.get("/mp4/langs/fr.srt").status == 404)
        let info = try #require(APIJSON.decode(VideoDescription.self, try o.get("/api/videos/langs").body))
        #expect(info.subtitles?.map(\.name) == ["subs_en", "subs_es", "subs_fr"])
        #expect(info.subtitleFiles?.map(\.name) == ["de.vtt", "es.vtt", "fr.srt"])
        #expect(info.files.map(\.name) == ["langs.mp4"])
        #expect(info.tracks.filter { $0.type == "audio" }.map { "\($0.language ?? "")/\($0.channels ?? 0)" } == ["en/2", "fr/2", "en/6"])
    }

    /// ffmpeg reads every subtitle playlist over HTTP; the cues keep the source's times (within 1 ms).
    @Test func ffmpegReadsEverySubtitlePlaylist() throws {
        let o = try origin()
        let base = "http://127.0.0.1:\(o.server.port)"
        for (name, source) in [("subs_fr", "languages/fr.srt"), ("subs_es", "languages/es.vtt")] {
            let expected = try SubtitleTrack.sidecar(fileName: URL(fileURLWithPath: source).lastPathComponent,
                                                     bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(source))))).cues
            for prefix in ["hls", "hls-ts"] {
                let result = try runProgram(["ffmpeg", "-v", "error", "-i", "\(base)/\(prefix)/langs/\(name)/index.m3u8", "-f", "webvtt", "-"])
                #expect(result.status == 0, "\(prefix) \(name)")
                let read = try SubtitleFile.parse([UInt8](result.output), format: .vtt, source: name)
                #expect(Set(read.map { [$0.start, $0.end] }) == Set(expected.map { [$0.start, $0.end] }), "\(prefix) \(name)")
                #expect(Set(read.map(\.text)) == Set(expected.map(\.text)))
            }
        }
    }

    @Test func cueFilesArriveThroughIngest() throws {
        let o = try origin()
        let good = o.dir.appendingPathComponent("it.vtt"), bad = o.dir.appendingPathComponent("bad.srt")
        try Data("WEBVTT\n\n00:00.500 --> 00:01.500\nCiao\n".utf8).write(to: good)
        try Data("1\n00:00:01,000 --> nonsense\nx\n".utf8).write(to: bad)
        #expect(try o.put("/ingest/langs/subtitles/it.vtt", file: good.path).status == 201)
        #expect(FileManager.default.fileExists(atPath: o.media.appendingPathComponent("langs/subtitles/it.vtt").path))
        let refused = try o.put("/ingest/langs/subtitles/pt.srt", file: bad.path)
        #expect(refused.status == 422 && text(refused).contains("pt.srt, line 2"), "\(text(refused))")
        #expect(!FileManager.default.fileExists(atPath: o.media.appendingPathComponent("langs/subtitles/pt.srt").path))
        for target in ["/ingest/langs/subtitles/it.mp4", "/ingest/langs/other/it.vtt", "/ingest/langs/subtitles/.x.vtt", "/ingest/langs/subtitles/../x.vtt"] {
            #expect(try o.put(target, file: good.path).status == 400, "\(target)")
        }
        let master = text(try o.get("/hls/langs/master.m3u8"))
        #expect(master.contains("NAME=\"Italian\",LANGUAGE=\"it\"") && master.contains("URI=\"subs_it/index.m3u8\""))
        #expect(text(try o.get("/hls/langs/subs_it/1.vtt")).contains("00:00:00.500 --> 00:00:01.500\nCiao"))
    }
}
