import Foundation
import Testing
import MP4Box
@testable import TranscodeService

/// Old phones store AMR with a second of 20 ms frames in each sample; libavcodec's AMR
/// decoders decode only a packet's first frame, so the frames are cut apart before decoding.
@Suite struct PhoneAudioTests {
    @Test func anAMRSampleIsCutIntoItsFrames() {
        // Frame type 7 (12.2 kbit/s): a header byte and 31 bytes of speech.
        let three = [UInt8]((0..<3).flatMap { _ in [0x3C] + [UInt8](repeating: 0xAA, count: 31) })
        three.withUnsafeBufferPointer { #expect(AMRFrames.frames($0, wideband: false) == [0..<32, 32..<64, 64..<96]) }
        // One frame, a reserved frame type, and a cut last frame.
        Array(three.prefix(32)).withUnsafeBufferPointer { #expect(AMRFrames.frames($0, wideband: false) == nil) }
        ([0x64] + three).withUnsafeBufferPointer { #expect(AMRFrames.frames($0, wideband: false) == nil) }
        Array(three.prefix(40)).withUnsafeBufferPointer { #expect(AMRFrames.frames($0, wideband: false) == [0..<32, 32..<40]) }
        // AMR-WB frame type 8 (23.85 kbit/s): 60 bytes of speech.
        let wide = [UInt8]((0..<2).flatMap { _ in [0x44] + [UInt8](repeating: 0, count: 60) })
        wide.withUnsafeBufferPointer { #expect(AMRFrames.frames($0, wideband: true) == [0..<61, 61..<122]) }
    }

    @Test func aPhones3GPKeepsAllOfItsSpeechAndMakesEveryDownload() throws {
        // A real phone file (shared media): H.263 and AMR-NB with about 50 frames per 1 s sample.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/media/mp4parser_MOV00006.3gp").standardized.path
        try #require(FileManager.default.fileExists(atPath: source))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("phone-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var config = TranscoderConfig()
        config.defaultProfile = "downloads"
        config.chunkSeconds = 0
        config.encode.preset = "ultrafast"
        // Every rendition and download verified (it threw before: audio.mp4 lasted 0.34 s of 15.2).
        try OneOffTranscode.run(source: source, into: out, config: config) { _ in }
        let audio = Double(streamField("\(out)/audio.mp4", "duration", stream: "a")) ?? 0
        #expect(abs(audio - 15.2) < 0.1, "\(audio)")
        for file in ["audio.mp4", "download_144.ogg", "download_144.webm", "download_144.avi"] {
            #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", "\(out)/\(file)", "-f", "null", "-"]) != nil, "\(file)")
        }
    }
}
