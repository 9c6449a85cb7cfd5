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
        let s = video.track.sourceIndex(0)
        let clear = try source.read(at: index.offset(at: s), count: Int(index.size(at: s)))
        var sample = clear
        let (ok, subsamples) = encryptor.encrypt(&sample, sample: 0..<sample.count, sourceSample: Int32(video.track.sourceIndex(0)))
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

    /// Where our slice headers end, against ffmpeg's `trace_headers` bitstream filter (which
    /// prints every slice header field with its bit position), for every slice of 90 frames.
    @Test(arguments: ["h264_bframes_aac.mp4", "h264_inband_aud.mp4", "vfr_bframes.mp4", "edit_hides_frames.mp4",
                      // Made here: the slice header's other branches (CAVLC, fields, scaling matrices, many
                      // references, weighted prediction, 4:4:4, several slices a picture).
                      "gen:-profile:v baseline -x264-params slices=3",
                      "gen:-flags +ildct+ilme -x264-params interlaced=1:bframes=2",
                      "gen:-x264-params cqm=jvt:ref=6:weightp=2:bframes=3:b-pyramid=normal:slices=2",
                      "gen:-pix_fmt yuv444p -profile:v high444 -x264-params bframes=2"])
    func sliceHeadersEndWhereFFmpegReadsThem(file: String) throws {
        var file = file
        if file.hasPrefix("gen:") {
            let out = temporary("slices-\(abs(file.hashValue)).mp4")
            let made = try run(["sh", "-c", "ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=25:duration=4 -c:v libx264 \(file.dropFirst(4)) '\(out.path)'"])
            #expect(made.status == 0, "\(made.output)")
            file = out.path
        }
        defer { if file.hasPrefix("/") { try? FileManager.default.removeItem(atPath: file) } }
        let (status, trace) = try run(["sh", "-c", "ffmpeg -v trace -i '\(file.hasPrefix("/") ? file : fixture(file))' -map 0:v:0 -frames:v 90 -c copy -bsf:v trace_headers -f null - 2>&1"])
        #expect(status == 0)
        // For each slice header: the bit after its last field (cabac_alignment_one_bit is not the header's).
        var ends: [Int] = []
        var inSlice = false
        for line in trace.split(separator: "\n") where line.contains("[trace_headers") {
            if line.hasSuffix("Slice Header") { inSlice = true; ends.append(0); continue }
            if line.contains("Packet:") || line.contains("nal_unit_type:") { inSlice = false; continue }
            guard inSlice, !line.contains("cabac_alignment_one_bit") else { continue }
            let fields = line.split(separator: "]", maxSplits: 1).last?.split(separator: " ") ?? []
            guard fields.count >= 4, let position = Int(fields[0]), let bits = fields[fields.count - 3].allSatisfy({ $0 == "0" || $0 == "1" }) ? Optional(fields[fields.count - 3].count) : nil else { continue }
            ends[ends.count - 1] = max(ends[ends.count - 1], position + bits)
        }
        let set = try MediaSet.load(path: file.hasPrefix("/") ? file : fixture(file), name: "v", targetDuration: 2)
        let video = try #require(set.videos.first)
        let entry = try #require(video.track.track.sampleEntry)
        let avcC = try #require(entry.avcC)
        var sets = AVCParameterSets(avcC: avcC)
        let source = try FileByteSource(path: video.track.sourcePath)
        let samples = video.track.track.samples
        var ours: [Int] = []
        for s in 0..<min(samples.count, 90) {
            let bytes = try source.read(at: samples.offset(at: s), count: Int(samples.size(at: s)))
            var at = 0
            while at + avcC.nalLengthSize <= bytes.count {
                let size = bytes[at..<at + avcC.nalLengthSize].reduce(0) { $0 << 8 | Int($1) }
                let nal = bytes[(at + avcC.nalLengthSize)..<min(bytes.count, at + avcC.nalLengthSize + size)]
                let type = (nal.first ?? 0) & 0x1F
                if type == 7 || type == 8 { sets.add(nal) }
                if type == 1 || type == 5 { ours.append(sets.sliceHeaderLength(nal) ?? -1) }
                at += avcC.nalLengthSize + size
            }
        }
        #expect(!ours.isEmpty)
        #expect(ours.count == ends.count, "\(file): \(ours.count) slices, ffmpeg \(ends.count)")
        // In bytes: ours count the NAL's own bytes (emulation prevention included), ffmpeg's bits the payload's.
        let expected = ends.map { ($0 + 7) / 8 }
        #expect(ours == expected, "\(file): first differences \(zip(ours, expected).enumerated().filter { $0.element.0 != $0.element.1 }.prefix(5).map { "\($0.offset): \($0.element)" })")
    }
}
