import Foundation
import Testing
import MP4Box
@testable import HLSPackager

/// HDR and Dolby Vision are announced as RFC 8216bis and DASH-IF say: VIDEO-RANGE (PQ, HLG;
/// left out for SDR), SUPPLEMENTAL-CODECS for a Dolby Vision layer beside HEVC, and the CICP
/// colour as SupplementalProperty in the MPD, so a player picks what it can show.
@Suite struct HDRSignallingTests {
    func master(_ file: String) throws -> (hls: String, ts: String, mpd: String) {
        let set = try MediaSet.load(path: fixture(file), name: "v", targetDuration: 1)
        // MPEG-TS does not carry VP9 here: no TS master then.
        return (HLSPlaylist.multivariant(set), (try? set.tsRenditions()).map { TSPlaylist.multivariant($0) } ?? "", DASHManifest.mpd(set))
    }

    @Test func hdr10IsAnnouncedAsPQ() throws {
        let (hls, ts, mpd) = try master("hevc_pq.mp4")
        let inf = hls.split(separator: "\n").filter { $0.hasPrefix("#EXT-X-STREAM-INF") || $0.hasPrefix("#EXT-X-I-FRAME-STREAM-INF") }
        #expect(inf.count == 2 && inf.allSatisfy { $0.contains("VIDEO-RANGE=PQ") && !$0.contains("SUPPLEMENTAL-CODECS") }, "\(hls)")
        #expect(ts.contains("VIDEO-RANGE=PQ"))
        for (name, value) in [("ColourPrimaries", 9), ("TransferCharacteristics", 16), ("MatrixCoefficients", 9)] {
            #expect(mpd.contains("<SupplementalProperty schemeIdUri=\"urn:mpeg:mpegB:cicp:\(name)\" value=\"\(value)\"/>"), "\(mpd)")
        }
        #expect(!mpd.contains("scte214"))
    }

    @Test func aPhonesDolbyVisionIsASupplementalCodecOverHLG() throws {
        let entry = try #require(try Movie.read(path: fixture("hevc_hlg_dolby_vision.mp4")).tracks.first { $0.mediaType == .video }?.sampleEntry)
        #expect(entry.dolbyVision?.profile == 8 && entry.dolbyVision?.level == 1 && entry.dolbyVision?.compatibilityID == 4)
        #expect(entry.codecString.hasPrefix("hvc1.2."), "the entry is still HEVC Main 10 for every player: \(entry.codecString)")
        let (hls, ts, mpd) = try master("hevc_hlg_dolby_vision.mp4")
        let variant = try #require(hls.split(separator: "\n").first { $0.hasPrefix("#EXT-X-STREAM-INF") })
        #expect(variant.contains("VIDEO-RANGE=HLG") && variant.contains("SUPPLEMENTAL-CODECS=\"dvh1.08.01/db4h\"") && variant.contains("CODECS=\"hvc1.2."), "\(variant)")
        #expect(ts.contains("SUPPLEMENTAL-CODECS=\"dvh1.08.01/db4h\""))
        #expect(mpd.contains("xmlns:scte214=\"urn:scte:dash:scte214-extensions\""))
        #expect(mpd.contains("scte214:supplementalCodecs=\"dvh1.08.01\" scte214:supplementalProfiles=\"db4h\""), "\(mpd)")
        #expect(mpd.contains("cicp:TransferCharacteristics\" value=\"18\""))
    }

    @Test(arguments: ["h264_bframes_aac.mp4", "hevc.mp4", "vp9.mp4"])
    func sdrSaysNothing(file: String) throws {
        let (hls, ts, mpd) = try master(file)
        #expect(!hls.contains("VIDEO-RANGE") && !hls.contains("SUPPLEMENTAL-CODECS") && !ts.contains("VIDEO-RANGE") && !mpd.contains("cicp"))
    }

    @Test(arguments: ["hevc_pq.mp4", "hevc_hlg_dolby_vision.mp4"])
    func hdrPlaysThroughHLSWithEveryFrame(file: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hdr-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let set = try MediaSet.load(path: fixture(file), name: "v", targetDuration: 1)
        try writePackage(set, to: dir)
        let frames = try decodedFrameTimes(dir.appendingPathComponent("hls/v/master.m3u8").path, stream: "v:0")
        #expect(frames.count == (try decodedFrameTimes(fixture(file), stream: "v:0")).count && frames.count == 60)
    }
}
