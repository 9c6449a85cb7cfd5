import Foundation
import Testing
@testable import TranscodeService
import VODKit

/// A ladder with H.264, HEVC and AV1 rungs: one media set, one master playlist and one MPD
/// that name every rung with its exact codec, keyframes at the same times in every rung of
/// every codec, and every variant decodable through the origin.
@Suite struct CodecLadderTests {
    @Test func h264HevcAndAv1RungsShareTheKeyframeGridAndOnePresentation() throws {
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("modern.mp4").path
        makeSource(path, size: "320x180", rate: 25, seconds: 6)
        try s.drop(path, as: "modern.mp4")
        let worker = try s.worker(replicas: 1) {
            $0.ladder = [RungConfig(height: 180, videoKbps: 300), RungConfig(height: 144, videoKbps: 150),
                         RungConfig(height: 180, videoKbps: 200, codec: .hevc), RungConfig(height: 180, videoKbps: 150, codec: .av1)]
        }
        worker.runOnce()
        let job = try #require(s.doneJobs().first, "\(s.log.all)")
        let record = try #require(JSONDecoder.read(JobRecord.self, at: "\(s.spool)/done/\(job).json"))
        #expect(record.manifest.renditions.map(\.file) == ["video_180.mp4", "video_144.mp4", "video_hevc_180.mp4", "video_av1_180.mp4", "audio.mp4"])
        let media = "\(s.origins[0].media)/\(job)"
        // Sample entries: hvc1 (parameter sets out of band, as Safari wants) and av01; sync samples on the 2 s grid in all.
        for (file, tag) in [("video_180.mp4", "avc1"), ("video_hevc_180.mp4", "hvc1"), ("video_av1_180.mp4", "av01")] {
            #expect(streamField("\(media)/\(file)", "codec_tag_string") == tag)
            let keys = (run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", "\(media)/\(file)"]) ?? "")
                .split(separator: "\n").filter { $0.contains("K") }.map { String($0.split(separator: ",")[0]) }
            #expect(keys == ["0.000000", "2.000000", "4.000000"], "\(file)")
        }
        let origin = "http://127.0.0.1:\(s.origins[0].port)"
        let master = run(["curl", "-sf", "\(origin)/hls/\(job)/master.m3u8"]) ?? ""
        for codec in ["avc1.", "hvc1.", "av01."] { #expect(master.contains("CODECS=\"\(codec)"), "\(master)") }
        let variants = master.split(separator: "\n").filter { $0.hasSuffix("index.m3u8") && !$0.hasPrefix("#") }
        #expect(variants.count == 4)
        for variant in variants {
            // Every variant decodes from the origin with every frame (150 at 25 fps).
            let frames = run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0",
                              "\(origin)/hls/\(job)/\(variant)"])?.split(separator: "\n").first.map(String.init)  // listed under the program too
            #expect(frames == "150", "\(variant)")
        }
        // DASH: an AdaptationSet per video codec (H.264 the main one) and one for the audio.
        let mpd = run(["curl", "-sf", "\(origin)/dash/\(job)/manifest.mpd"]) ?? ""
        #expect(mpd.components(separatedBy: "contentType=\"video\"").count - 1 == 3, "\(mpd)")
        #expect(mpd.components(separatedBy: "contentType=\"audio\"").count - 1 == 1)
        // MPEG-TS carries H.264 and HEVC here, not AV1: that rung is left out of the TS presentation.
        let ts = run(["curl", "-sf", "\(origin)/hls-ts/\(job)/master.m3u8"]) ?? ""
        #expect(ts.contains("video_hevc_180") && ts.contains("video_180") && !ts.contains("av1"), "\(ts)")
    }

    @Test func aRungsFileNamesItsCodecAndShorterSide() {
        #expect(Rung(width: 1920, height: 1080, videoKbps: 1, codec: .h264).file == "video_1080.mp4")
        #expect(Rung(width: 1080, height: 1920, videoKbps: 1, codec: .hevc).file == "video_hevc_1080.mp4")
        #expect(Rung(width: 640, height: 360, videoKbps: 1, codec: .av1).file == "video_av1_360.mp4")
        #expect(Ladder.plan([RungConfig(height: 720, videoKbps: 1, codec: .av1), RungConfig(height: 360, videoKbps: 1)], width: 320, height: 180).map(\.file)
                == ["video_180.mp4", "video_av1_180.mp4"])
    }
}
