import Foundation
import HLSPackager
import TestSupport
import Testing
@testable import VODKit
@testable import VODOrigin

/// Track selection in the URL (`tracks/v1-a2-s1`, `lang/fr`) on a live origin, for HLS,
/// HLS-TS and DASH: the playlists name only the chosen tracks (and the whole video's media
/// playlists and segments), ffmpeg hears the chosen audio, unknown tracks are 404.
@Suite(.serialized) struct TrackSelectionTests {
    func origin() throws -> OriginFixture { try OriginFixture.withLanguages(cueFiles: ["fr.srt"]) }

    func text(_ r: HTTPClientConnection.Response) -> String { String(decoding: r.body, as: UTF8.self) }

    /// The tone of the first audio stream ffmpeg decodes from `url` (Hz, from zero crossings):
    /// the fixture's English stereo is 440 Hz, French 660 Hz, English 5.1 330 Hz.
    func tone(_ url: String) throws -> Double {
        let (status, pcm) = try runProgram(["ffmpeg", "-v", "error", "-allowed_extensions", "ALL", "-i", url, "-map", "0:a:0", "-ac", "1",
                                            "-ar", "48000", "-f", "s16le", "-"])
        guard status == 0, pcm.count > 48000 else { return 0 }
        let samples = pcm.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        var crossings = 0
        for k in 1..<samples.count where (samples[k - 1] < 0) != (samples[k] < 0) { crossings += 1 }
        return Double(crossings) / 2 / (Double(samples.count) / 48000)
    }

    @Test func playlistsNameOnlyTheChosenTracks() throws {
        let o = try origin()
        let master = text(try o.get("/hls/langs/tracks/v1-a2-s2/master.m3u8"))
        #expect(master.contains("NAME=\"French\",LANGUAGE=\"fr\",AUTOSELECT=YES,DEFAULT=YES") && master.contains("URI=\"../../audio2/index.m3u8\""), "\(master)")
        #expect(!master.contains("LANGUAGE=\"en\"") && master.contains("URI=\"../../subs_fr/index.m3u8\"") && master.contains("\n../../video/index.m3u8\n"))
        let byLanguage = text(try o.get("/hls/langs/lang/fre/master.m3u8"))
        #expect(byLanguage == master, "lang/fre is tracks/v1-a2-s2 here")
        // A language with subtitles only keeps every audio.
        let mpd = text(try o.get("/dash/langs/tracks/v1-a3/manifest.mpd"))
        #expect(mpd.contains("initialization=\"../../../../cmaf/langs/audio3/init.mp4\"") && !mpd.contains("audio2/") && !mpd.contains("text/vtt"))
        let ts = text(try o.get("/hls-ts/langs/lang/fr/master.m3u8"))
        #expect(ts.contains("URI=\"subs_fr/index.m3u8\"") && ts.contains("\nvideo/index.m3u8\n"))
        #expect(try o.get("/hls-ts/langs/lang/fr/video/1.ts").status == 200)
        #expect(try o.get("/hls-ts/langs/lang/fr/subs_fr/1.vtt").status == 200)
        // Unknown tracks 404, malformed choices 400, a selection serves no media playlist of its own.
        for path in ["/hls/langs/tracks/v1-a4/master.m3u8", "/hls/langs/tracks/v2/master.m3u8", "/dash/langs/lang/de/manifest.mpd",
                     "/hls/langs/tracks/s1/master.m3u8", "/hls/langs/tracks/v1-a1/video/index.m3u8", "/cmaf/langs/tracks/v1/video/1.m4s"] {
            #expect(try o.get(path).status == 404, "\(path)")
        }
        for path in ["/hls/langs/tracks/v0/master.m3u8", "/hls/langs/tracks/x1/master.m3u8", "/hls/langs/tracks/v1--a1/master.m3u8",
                     "/hls/langs/lang/und/master.m3u8", "/hls/langs/tracks/v99999/master.m3u8"] {
            #expect(try o.get(path).status == 400, "\(path)")
        }
    }

    /// ffmpeg plays each protocol's selection and hears the chosen language's tone.
    @Test func ffmpegHearsTheChosenAudio() throws {
        let o = try origin()
        let base = "http://127.0.0.1:\(o.server.port)"
        #expect(abs(try tone("\(base)/hls/langs/master.m3u8") - 440) < 15)
        for path in ["/hls/langs/tracks/v1-a2/master.m3u8", "/hls-ts/langs/lang/fr/master.m3u8", "/dash/langs/lang/fr/manifest.mpd",
                     "/hls-ts/langs/tracks/v1-a2/master.m3u8"] {
            let hz = try tone(base + path)
            #expect(abs(hz - 660) < 15, "\(path): \(hz) Hz")
        }
        #expect(abs(try tone("\(base)/hls-ts/langs/tracks/v1-a3/master.m3u8") - 330) < 15)
        // The whole TS presentation offers the other languages as audio-only renditions beside the muxed one.
        let ts = String(decoding: try o.get("/hls-ts/langs/master.m3u8").body, as: UTF8.self)
        #expect(ts.contains("TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",LANGUAGE=\"en\",AUTOSELECT=YES,DEFAULT=YES,CHANNELS=\"2\"\n")
                && ts.contains("NAME=\"French\",LANGUAGE=\"fr\",AUTOSELECT=YES,DEFAULT=NO,CHANNELS=\"2\",URI=\"audio2/index.m3u8\"") && ts.contains("AUDIO=\"audio\""), "\(ts)")
        #expect(abs(try tone("\(base)/hls-ts/langs/audio2/index.m3u8") - 660) < 15)
    }
}
