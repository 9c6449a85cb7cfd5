import Foundation
import Testing
@testable import HLSPackager
@testable import MP4Box

/// HE-AAC is announced as such (`mp4a.40.5`, the rate after SBR), and audio whose
/// object type ADTS cannot carry (xHE-AAC) is refused in TS instead of being
/// labelled AAC-LC. Fixtures: scripts/set-audio-config.py.
@Suite struct AudioSignallingTests {
    @Test func audioSpecificConfigs() throws {
        let explicit = try #require(AudioSpecificConfig([0x2B, 0x92, 0x08, 0x00]))
        #expect(explicit.sbr && !explicit.ps && explicit.coreObjectType == 2 && explicit.sampleRate == 22050 && explicit.outputSampleRate == 44100)
        #expect(explicit.codecObjectType == 5)
        let v2 = try #require(AudioSpecificConfig([0xEB, 0x8A, 0x08, 0x00]))
        #expect(v2.ps && v2.codecObjectType == 29 && v2.coreObjectType == 2)
        let implicit = try #require(AudioSpecificConfig([0x13, 0x90, 0x56, 0xE5, 0xA0]))
        #expect(implicit.sbr && implicit.objectType == 2 && implicit.codecObjectType == 5 && implicit.outputSampleRate == 44100)
        let lc = try #require(AudioSpecificConfig([0x11, 0x90]))
        #expect(!lc.sbr && lc.codecObjectType == 2 && lc.outputSampleRate == 48000)
        let usac = try #require(AudioSpecificConfig([0xF9, 0x48, 0x40, 0x00]))
        #expect(usac.objectType == 42 && usac.coreObjectType == 42)
    }

    @Test(arguments: ["he_aac.m4a", "he_aac_implicit.m4a"])
    func heAACIsAnnouncedWithItsOutputRate(file: String) throws {
        let set = try MediaSet.load(path: fixture(file), name: "v", targetDuration: 1)
        let audio = try #require(set.audio)
        #expect(audio.track.codec == "mp4a.40.5")
        #expect(DASHManifest.mpd(set).contains("codecs=\"mp4a.40.5\"") && DASHManifest.mpd(set).contains("audioSamplingRate=\"44100\""))
        #expect(HLSPlaylist.multivariant(set).contains("CODECS=\"mp4a.40.5\""))
        // In TS it travels as its AAC-LC core at the core's rate, SBR found by the decoder.
        let r = try #require(try set.tsRenditions().first)
        let bytes = try allSegments(r)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("he-\(UUID().uuidString).ts")
        try Data(bytes).write(to: out)
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try run(["ffmpeg", "-v", "error", "-xerror", "-i", out.path, "-f", "null", "-"]).status == 0)
        #expect(try decodedFrameTimes(out.path, stream: "a:0").count == audio.track.count)
        let adts = try #require((0..<bytes.count - 2).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xF1 })
        #expect(bytes[adts + 2] >> 6 == 1 && bytes[adts + 2] >> 2 & 0x0F == 7, "ADTS must say AAC-LC at 22050 Hz")
    }

    @Test func xHEAACIsRefusedInTSOnly() throws {
        let set = try MediaSet.load(path: fixture("xhe_aac.m4a"), name: "v", targetDuration: 1)
        #expect(set.audio?.track.codec == "mp4a.40.42")
        #expect(DASHManifest.mpd(set).contains("codecs=\"mp4a.40.42\""))
        _ = try set.audio?.initSegment().materialize()
        do {
            _ = try set.tsRenditions()
            Issue.record("xHE-AAC was put in TS")
        } catch {
            guard case .unsupportedCodec(_, let codec) = error else { Issue.record("wrong error \(error)"); return }
            #expect(codec.contains("object types 1–4"))
        }
    }
}
