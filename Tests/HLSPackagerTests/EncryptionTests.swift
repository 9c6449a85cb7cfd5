import Foundation
import TestSupport
import Testing
@testable import HLSPackager
@testable import MP4Box

/// CENC (`cenc`, `cbcs`) and whole-segment AES-128 checked with ffmpeg, which decrypts with
/// `-decryption_key` (CENC) and `openssl` (AES-128), against the clear segments' frames.
struct EncryptionTests {
    static let key = ContentKey(id: Array(0..<16), key: [0x3a, 0x1f, 0x77, 0x02, 0x9c, 0x54, 0xe1, 0x08, 0x6b, 0xd3, 0x40, 0x11, 0xaf, 0x25, 0x90, 0xce],
                                iv: Array(repeating: 0x42, count: 16))!
    static var keyHex: String { key.key.map { String(format: "%02x", $0) }.joined() }

    func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(getpid())-\(name)")
    }

    /// Init + every segment of a track, encrypted.
    func encrypted(_ track: SegmentedTrack, _ protection: Protection, set: String) throws -> [UInt8] {
        var bytes = try track.initSegment(protection: protection).materialize()
        for n in 0..<track.segmentCount { bytes += try track.mediaSegment(n, protection: protection, set: set).materialize() }
        return bytes
    }

    func frameCount(_ path: String, extra: [String] = []) throws -> (status: Int32, frames: Int) {
        let (status, out) = try run(["ffprobe", "-v", "error"] + extra + ["-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
        return (status, out.split(separator: "\n").compactMap { Int($0.split(separator: ",").first ?? "") }.reduce(0, +))
    }

    @Test(arguments: [EncryptionScheme.cenc, .cbcs], ["h264_bframes_aac.mp4", "hevc.mp4"])
    func cencDecryptsToTheSourceFrames(scheme: EncryptionScheme, file: String) throws {
        let set = try MediaSet.load(path: fixture(file), name: "v", targetDuration: 2)
        let protection = Protection(scheme: scheme, key: Self.key)
        for track in set.tracks {
            let clearURL = temporary("\(scheme)-\(file)-\(track.track.name)-clear.mp4"), sealedURL = temporary("\(scheme)-\(file)-\(track.track.name).mp4")
            defer { if ProcessInfo.processInfo.environment["KEEP"] == nil { try? FileManager.default.removeItem(at: clearURL); try? FileManager.default.removeItem(at: sealedURL) } }
            try concatenated(track, to: clearURL)
            let sealed = try encrypted(track, protection, set: set.name)
            try Data(sealed).write(to: sealedURL)
            let clear = try Data(contentsOf: clearURL)
            #expect(Array(clear) != sealed)
            let expected = try frameCount(clearURL.path)
            #expect(expected.frames > 0)
            // With the key: every frame decodes without an error; the same frames as the clear track.
            let (status, out) = try run(["ffmpeg", "-v", "error", "-xerror", "-decryption_key", Self.keyHex, "-i", sealedURL.path, "-f", "framemd5", "-"])
            #expect(status == 0, "\(scheme) \(file) \(track.track.name): \(out.suffix(400))")
            let (_, clearOut) = try run(["ffmpeg", "-v", "error", "-i", clearURL.path, "-f", "framemd5", "-"])
            let hashes = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("#") } }
            #expect(hashes(out) == hashes(clearOut) ? true : false, "\(scheme) \(file) \(track.track.name): decrypted frames differ from the clear ones")
            #expect(hashes(out).count == expected.frames)
        }
    }

    @Test func videoSubsamplesLeaveNALHeadersAndSliceHeadersClear() throws {
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "v", targetDuration: 2)
        let video = try #require(set.videos.first)
        let encryptor = try #require(SampleEncryptor(track: video.track, protection: Protection(scheme: .cenc, key: Self.key)))
        let index = video.track.track.samples
        let source = try FileByteSource(path: video.track.sourcePath)
        let s = Int(video.track.sampleIndexes[0])
        let clear = try source.read(at: index.offset(at: s), count: Int(index.size(at: s)))
        var sample = clear
        let (ok, subsamples) = encryptor.encrypt(&sample, sourceSample: video.track.sampleIndexes[0])
        #expect(ok)
        let subs = try #require(subsamples)
        #expect(subs.reduce(0) { $0 + Int($1.clear) + Int($1.protected) } == clear.count)
        var at = 0
        for sub in subs {
            // The clear part ends in a slice NAL's header and 32 bytes after it; it is untouched.
            #expect(Array(sample[at..<at + Int(sub.clear)]) == Array(clear[at..<at + Int(sub.clear)]))
            #expect(sub.protected % 16 == 0)
            at += Int(sub.clear)
            if sub.protected > 0 { #expect(Array(sample[at..<at + Int(sub.protected)]) != Array(clear[at..<at + Int(sub.protected)])) }
            at += Int(sub.protected)
        }
        #expect(subs.contains { $0.protected > 0 })
    }

    @Test func aes128SegmentsDecryptWithOpenSSL() throws {
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "v", targetDuration: 2)
        let protection = Protection(scheme: .aes128, key: Self.key)
        let track = try #require(set.videos.first)
        let clear = try track.mediaSegment(1).materialize()
        let sealed = try track.mediaSegment(1, protection: protection, set: set.name).materialize()
        #expect(sealed.count == (clear.count / 16 + 1) * 16)
        let iv = protection.segmentIV(set: set.name, track: track.track.name, segment: 1)
        #expect(iv != protection.segmentIV(set: set.name, track: track.track.name, segment: 2))
        let url = temporary("aes.m4s")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(sealed).write(to: url)
        let result = try runProgram(["openssl", "enc", "-d", "-aes-128-cbc", "-K", Self.keyHex, "-iv", iv.map { String(format: "%02x", $0) }.joined(), "-in", url.path])
        #expect(result.status == 0)
        #expect(Array(result.output) == clear)
        // The init segment stays clear (EXT-X-MAP comes before the key in the playlist).
        #expect(try track.initSegment(protection: protection).materialize() == track.initSegment().materialize())
    }

    @Test func av1CannotBeSampleEncrypted() throws {
        let set = try MediaSet.load(path: fixture("av1.mp4"), name: "v", targetDuration: 2)
        let video = try #require(set.videos.first)
        #expect(throws: PackagerError.self) { try video.initSegment(protection: Protection(scheme: .cbcs, key: Self.key)) }
        #expect(throws: PackagerError.self) { try video.mediaSegment(0, protection: Protection(scheme: .cenc, key: Self.key), set: "v") }
    }
}
