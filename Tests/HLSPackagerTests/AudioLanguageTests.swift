import Foundation
import TestSupport
import Testing
@testable import HLSPackager
@testable import MP4Box

/// Every audio track of a source is served, each with its language and layout:
/// an `EXT-X-MEDIA` rendition each in HLS, an AdaptationSet each in DASH, and ffmpeg
/// decodes the right sound from each (the fixture's languages are different tones).
@Suite struct AudioLanguageTests {
    /// The loudest frequency of one audio stream of a file, from its zero crossings (Hz).
    func tone(_ path: String, stream: String) throws -> Double {
        // ffmpeg's DASH reader opens a `.vtt` beside the MPD only when told to.
        let options = path.hasSuffix(".mpd") ? ["-allowed_extensions", "ALL"] : []
        let result = try runProgram(["ffmpeg", "-v", "error"] + options + ["-i", path, "-map", stream, "-ac", "1", "-ar", "48000", "-t", "2",
                                    "-f", "s16le", "-"])
        #expect(result.status == 0)
        let samples = result.output.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        guard samples.count > 1 else { return 0 }
        var crossings = 0
        for k in 1..<samples.count where (samples[k - 1] < 0) != (samples[k] < 0) { crossings += 1 }
        return Double(crossings) / 2 / (Double(samples.count) / 48000)
    }

    @Test func everyAudioTrackIsARendition() throws {
        let set = try MediaSet.load(path: fixture("languages.mp4"), name: "languages", targetDuration: 2)
        #expect(set.audios.map(\.track.name) == ["audio", "audio2", "audio3"])
        #expect(set.skipped.isEmpty)
        let master = HLSPlaylist.multivariant(set)
        #expect(master.contains("NAME=\"English\",LANGUAGE=\"en\",AUTOSELECT=YES,DEFAULT=YES,CHANNELS=\"2\",URI=\"audio/index.m3u8\""))
        #expect(master.contains("NAME=\"French\",LANGUAGE=\"fr\",AUTOSELECT=YES,DEFAULT=NO,CHANNELS=\"2\",URI=\"audio2/index.m3u8\""))
        #expect(master.contains("NAME=\"English 5.1\",LANGUAGE=\"en\",AUTOSELECT=YES,DEFAULT=NO,CHANNELS=\"6\",URI=\"audio3/index.m3u8\""))
        let mpd = DASHManifest.mpd(set)
        #expect(mpd.contains("lang=\"fr\"") && mpd.contains("<Representation id=\"audio3\"") && mpd.contains("value=\"6\""))
    }

    /// A track whose `hdlr` names it (ffmpeg writes a stream's `handler_name` there) is called by
    /// that title; writers' own handler names ("SoundHandler") are no title.
    @Test func titledTracksAreNamedByTheirTitle() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("titled-\(UUID().uuidString).mp4").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try runProgram(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-f", "lavfi", "-i",
                                   "sine=frequency=660:duration=2", "-map", "0", "-map", "1", "-c:a", "aac", "-metadata:s:a:0", "language=eng",
                                   "-metadata:s:a:1", "language=eng", "-metadata:s:a:1", "handler_name=Director's commentary", path])
        #expect(made.status == 0)
        let set = try MediaSet.load(path: path, name: "titled", targetDuration: 2)
        #expect(set.audios.map { HLSPlaylist.audioName($0, in: set) } == ["English", "Director's commentary"])
        #expect(DASHManifest.mpd(set).contains("<Label>Director&apos;s commentary</Label>") || DASHManifest.mpd(set).contains("<Label>Director's commentary</Label>"))
        #expect(!TrackTitle.isTitle("SoundHandler") && !TrackTitle.isTitle("Core Media Audio") && !TrackTitle.isTitle("GPAC ISO Audio Handler"))
    }

    /// An `elng` box's tag wins over `mdhd`'s code (Tests/Fixtures/extended_language.m4a:
    /// `por` and `pt-BR`, made by scripts/add-extended-language.py).
    @Test func extendedLanguageIsUsed() throws {
        let set = try MediaSet.load(path: fixture("extended_language.m4a"), name: "pt", targetDuration: 2)
        #expect(set.audios.first?.track.track.extendedLanguage == "pt-BR" && set.audios.first?.track.track.mediaHeader.language == "por")
        #expect(HLSPlaylist.audioName(set.audios[0], in: set) == "Portuguese (BR)")
        #expect(DASHManifest.mpd(set).contains("lang=\"pt-BR\""))
        #expect(try runProgram(["ffmpeg", "-v", "error", "-xerror", "-i", fixture("extended_language.m4a"), "-f", "null", "-"]).status == 0)
    }

    @Test func bothLanguagesDecodeFromHLSAndDASH() throws {
        let set = try MediaSet.load(path: fixture("languages.mp4"), name: "languages", targetDuration: 2)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("langs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try writePackage(set, to: dir)
        let source = fixture("languages.mp4")
        for (k, expected) in [(0, 440.0), (1, 660.0), (2, 330.0)] {
            #expect(abs(try tone(source, stream: "0:a:\(k)") - expected) < 10)
            #expect(abs(try tone(dir.appendingPathComponent("hls/languages/\(set.audios[k].track.name)/index.m3u8").path, stream: "0:a:0") - expected) < 10)
        }
        // The DASH manifest: ffmpeg's reader takes each AdaptationSet as a stream, with its language.
        let mpd = dir.appendingPathComponent("dash/languages/manifest.mpd").path
        let probe = try run(["ffprobe", "-v", "error", "-allowed_extensions", "ALL", "-show_entries", "stream=codec_type,channels:stream_tags=language",
                             "-of", "csv=p=0", mpd])
        #expect(probe.status == 0)
        // (ffprobe lists the streams once under their program, without tags, then with them.)
        #expect(probe.output.split(separator: "\n").filter { $0.hasPrefix("audio") }.suffix(3) == ["audio,2,en", "audio,2,fr", "audio,6,en"])
        #expect(probe.output.split(separator: "\n").contains("subtitle,en"))
        #expect(abs(try tone(mpd, stream: "0:a:1") - 660) < 10)
    }
}
