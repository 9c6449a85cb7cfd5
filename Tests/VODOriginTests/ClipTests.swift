import Foundation
import HLSPackager
import TestSupport
import Testing
@testable import VODKit
@testable import VODOrigin

/// Clips in the URL (`/hls/<video>/clip/<from_ms>-<to_ms>/…`) on a live origin, checked with
/// ffprobe and ffmpeg against the source's frames: the clip starts at the keyframe at or before
/// `from`, its frames are the source's in that range on a clock from 0, audio starts within a
/// frame of the video as in the source, subtitles move with it; bad ranges are 400 and 404.
@Suite(.serialized) struct ClipTests {
    func origin() throws -> OriginFixture { try OriginFixture.withLanguages(cueFiles: ["fr.srt"]) }

    /// Presentation times (ms) of the frames ffprobe reads from `url`'s stream `stream`, in order.
    func frameTimes(_ url: String, stream: String = "v:0") throws -> [Double] {
        let (status, out) = try runProgram(["ffprobe", "-v", "error", "-allowed_extensions", "ALL", "-select_streams", stream,
                                            "-show_entries", "frame=pts_time", "-of", "csv=p=0", url])
        #expect(status == 0, "\(url)")
        return String(decoding: out, as: UTF8.self).split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .init(charactersIn: ","))) }
            .map { $0 * 1000 }.sorted()
    }

    @Test func framesAreTheSourcesInTheRange() throws {
        let o = try origin()
        let base = "http://127.0.0.1:\(o.server.port)"
        let source = try frameTimes(fixture("languages.mp4"))  // keyframes every second, B-frames
        #expect(source.count == 180)
        // `from` 1500 starts at the keyframe at 1000; `to` anywhere in a group of B-frames.
        for to in [4000, 2010, 2040, 2075, 2100, 2133] {
            let clip = try frameTimes("\(base)/hls/langs/clip/1500-\(to)/master.m3u8")
            let first = try #require(clip.first)
            let relative = clip.map { $0 - first }
            let expected = source.filter { $0 >= 1000 - 0.5 && $0 < Double(to) }.map { $0 - 1000 }
            // Every source frame before `to` at its time (within 1 ms), at most two more after it, no gap.
            #expect(relative.count >= expected.count && zip(relative, expected).allSatisfy { abs($0 - $1) <= 1 }, "to \(to): \(relative) vs \(expected)")
            let extra = relative.dropFirst(expected.count)
            #expect(extra.count <= 2 && extra.allSatisfy { t in source.contains { abs($0 - 1000 - t) <= 1 } }, "to \(to): extra frames \(Array(extra))")
            #expect(zip(relative, relative.dropFirst()).allSatisfy { $1 - $0 <= 34 }, "to \(to): a gap")
        }
        // Audio starts within one AAC frame (21.3 ms) after the video, as the source's does there.
        let video = try frameTimes("\(base)/hls/langs/clip/1500-4000/master.m3u8")
        let audio = try frameTimes("\(base)/hls/langs/clip/1500-4000/audio/index.m3u8", stream: "a:0")
        let offset = try #require(audio.first) - (try #require(video.first))
        #expect(offset >= 0 && offset <= 22, "A/V offset \(offset) ms")
        #expect(abs((try #require(audio.last)) - (try #require(audio.first)) - 2979) <= 22, "audio lasts the clip: \(audio.first ?? 0)–\(audio.last ?? 0)")
        // TS and DASH: the same frames, decodable with -xerror.
        #expect(try frameTimes("\(base)/hls-ts/langs/clip/1500-4000/master.m3u8").count == 90)
        for path in ["/hls-ts/langs/clip/1500-4000/master.m3u8", "/dash/langs/clip/1500-4000/manifest.mpd", "/hls/langs/clip/1500-4000/master.m3u8"] {
            let (status, _) = try runProgram(["ffmpeg", "-v", "error", "-xerror", "-i", base + path, "-map", "0:v:0", "-map", "0:a:0", "-f", "null", "-"])
            #expect(status == 0, "\(path) decodes")
        }
        let (_, crc) = try runProgram(["ffmpeg", "-v", "error", "-i", "\(base)/dash/langs/clip/1500-4000/manifest.mpd", "-map", "0:v:0", "-f", "framecrc", "-"])
        #expect(String(decoding: crc, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.count == 90)
    }

    /// `/mp4/<video>/clip/<from>-<to>.mp4`: the clip as one file, video and audio muxed, with the
    /// HLS clip's frames, its duration in the header, and byte ranges.
    @Test func progressiveClipIsOneFile() throws {
        let o = try origin()
        let url = "http://127.0.0.1:\(o.server.port)/mp4/langs/clip/1500-4000.mp4"
        #expect(try frameTimes(url).count == 90)
        #expect(try frameTimes(url, stream: "a:0").count == 141)
        let (status, _) = try runProgram(["ffmpeg", "-v", "error", "-xerror", "-i", url, "-map", "0", "-f", "null", "-"])
        #expect(status == 0)
        let (_, duration) = try runProgram(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", url])
        #expect(abs((Double(String(decoding: duration, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) - 3.0) < 0.1)
        let whole = try o.get("/mp4/langs/clip/1500-4000.mp4"), part = try o.get("/mp4/langs/clip/1500-4000.mp4", [("Range", "bytes=100-199")])
        #expect(whole.headers["Content-Type"] == "video/mp4" && part.status == 206 && part.body == Array(whole.body[100..<200]))
        #expect(try o.get("/mp4/langs/clip/4000-1000.mp4").status == 400)
    }

    @Test func subtitlesMoveWithTheClip() throws {
        let o = try origin()
        let vtt = String(decoding: try o.get("/dash/langs/clip/1500-4000/subs_fr.vtt").body, as: UTF8.self)
        // fr.srt: 0.5–1.8, 1.9–2.3, 3.7–4.4 → from 1.0 to 4.0.
        #expect(vtt.contains("00:00:00.000 --> 00:00:00.800\nBonjour") && vtt.contains("00:00:00.900 --> 00:00:01.300\nUne réplique")
                && vtt.contains("00:00:02.700 --> 00:00:03.000\nSur la deuxième"), "\(vtt)")
        let segment = String(decoding: try o.get("/hls/langs/clip/1500-4000/subs_en/1.vtt").body, as: UTF8.self)
        #expect(segment.contains("X-TIMESTAMP-MAP=MPEGTS:6000,LOCAL:00:00:00.000") && segment.contains("00:00:00.000 --> 00:00:00.900\nHello"), "\(segment)")
    }

    @Test func rangesAreChecked() throws {
        let o = try origin()
        for bad in ["5-5", "5-3", "abc", "-5", "1-", "01-5", "1-2-3", "99999999999-99999999999"] {
            #expect(try o.get("/hls/langs/clip/\(bad)/master.m3u8").status == 400, "\(bad)")
        }
        #expect(try o.get("/hls/langs/clip/9000-10000/master.m3u8").status == 404)
        #expect(try o.get("/hls/langs/clip/4000-99999/master.m3u8").status == 200)
        #expect(try o.get("/cmaf/langs/tracks/v1/video/1.m4s").status == 404)
        // Deterministic and cacheable like any segment: the same bytes and ETag each time.
        let a = try o.get("/cmaf/langs/clip/1000-3000/video/1.m4s"), b = try o.get("/cmaf/langs/clip/1000-3000/video/1.m4s")
        #expect(a.status == 200 && a.body == b.body && a.headers["ETag"] == b.headers["ETag"] && a.headers["Cache-Control"]?.contains("immutable") == true)
        #expect(a.body != (try o.get("/cmaf/langs/video/1.m4s")).body)
    }
}
