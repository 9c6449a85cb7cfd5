import Foundation
import Testing
@testable import HLSPackager
@testable import MP4Box

/// Every segment of a TS rendition, one after the other: what a player's demuxer sees.
func allSegments(_ r: TSRendition) throws -> [UInt8] {
    var all: [UInt8] = []
    for n in 0..<r.segmentCount { all += try r.segment(n).materialize() }
    return all
}

/// MPEG-TS renditions: decoded by ffmpeg like the source, with timestamps and
/// continuity counters that run on across segment joins.
@Suite struct TSTests {
    /// Every packaged file whose codecs TS can carry (Opus, AV1 and VP9 cannot).
    static let files = PackagingTests.files.filter { !["opus.mp4", "exo_sample_opus.mp4", "av1.mp4", "vp9.mp4"].contains(URL(fileURLWithPath: $0).lastPathComponent) }


    @Test(arguments: files)
    func tsDecodesLikeTheSource(path: String) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let set = try MediaSet.load(path: path, name: "v", targetDuration: 1)
        for rendition in try set.tsRenditions() {
            let bytes = try allSegments(rendition)
            #expect(bytes.count % 188 == 0)
            #expect(Int64(bytes.count) == rendition.segmentSizes.reduce(0, +), "\(name): segment sizes announced for bandwidth differ from the real ones")
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("ts-\(getpid())-\(name)-\(rendition.name).ts")
            try Data(bytes).write(to: out)
            defer { try? FileManager.default.removeItem(at: out) }
            let (status, _) = try run(["ffmpeg", "-v", "error", "-xerror", "-i", out.path, "-map", "0", "-f", "null", "-"])
            let inherited = try !sourceDecodesCleanly(oracle(path))
            #expect(status == 0 || inherited, "\(name): ffmpeg reports errors decoding the TS segments")
            let offset = Double(rendition.offset90k) / 90000 + set.presentationDelay
            for (stream, track) in [("v:0", rendition.video), ("a:0", rendition.audio)] {
                guard let track else { continue }
                let hidden = track.track.hiddenLeadingFrames  // presented a tick each before the first shown frame
                let ours = Array(try decodedFrameTimes(out.path, stream: stream).dropFirst(hidden))
                let theirs = try decodedFrameTimes(oracle(path), stream: stream)
                #expect(ours.count == theirs.count, "\(name) \(stream): \(ours.count) frames after \(hidden) hidden, source \(theirs.count)")
                let frame = Double(track.track.track.samples.duration(at: 0)) / Double(track.track.timescale) + 0.0005
                if let a = ours.first, let b = theirs.first { #expect(abs(a - offset - b) <= frame, "\(name) \(stream): first at \(a - offset), source \(b)") }
                if let a = ours.last, let b = theirs.last { #expect(abs(a - offset - b) <= frame, "\(name) \(stream): last at \(a - offset), source \(b)") }
                try checkDecodeTimes(out.path, stream: stream, frame: frame, name: name)
            }
            try checkPackets(bytes, rendition: rendition, name: name)
        }
    }

    /// Strictly increasing DTS and no gap over one frame anywhere (segment joins included).
    func checkDecodeTimes(_ path: String, stream: String, frame: Double, name: String) throws {
        let (_, out) = try run(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "packet=dts_time", "-of", "csv=p=0", path])
        let dts = out.split(separator: "\n").compactMap { Double($0) }
        for (a, b) in zip(dts, dts.dropFirst()) {
            #expect(b > a, "\(name) \(stream): DTS goes from \(a) to \(b)")
            #expect(b - a <= frame * 1.5 + 0.001, "\(name) \(stream): DTS jumps from \(a) to \(b)")
        }
    }

    /// Continuity counters, PAT/PMT at every segment start, a keyframe first.
    func checkPackets(_ bytes: [UInt8], rendition: TSRendition, name: String) throws {
        var last: [UInt16: UInt8] = [:]
        var segmentStarts = 0
        var packet = 0
        var expectKeyframe = false
        while packet * 188 < bytes.count {
            let p = packet * 188
            #expect(bytes[p] == 0x47)
            let pid = UInt16(bytes[p + 1] & 0x1F) << 8 | UInt16(bytes[p + 2])
            let cc = bytes[p + 3] & 0x0F
            let start = bytes[p + 1] & 0x40 != 0
            if let previous = last[pid] { #expect(cc == (previous + 1) & 0x0F, "\(name): continuity counter of PID \(pid) jumps at packet \(packet)") }
            last[pid] = cc
            if pid == 0 { segmentStarts += 1; expectKeyframe = rendition.video != nil }
            if pid == TSRendition.videoPID && start && expectKeyframe {
                let adaptation = bytes[p + 3] & 0x20 != 0
                #expect(adaptation && bytes[p + 5] & 0x40 != 0, "\(name): a segment's first video frame is not flagged random access")
                expectKeyframe = false
            }
            packet += 1
        }
        #expect(segmentStarts == rendition.segmentCount)
    }

    @Test func crcOfTheCheckString() {
        #expect(CRC32MPEG2.checksum(Array("123456789".utf8)[...]) == 0x0376_E6E7)
    }

    /// A PES written in pieces: packets of 188 bytes whose payloads, joined, are the PES header
    /// and the pieces; the PCR where the first packet carries it; bytes past the announced
    /// length dropped, and a PES given fewer bytes than announced still ends on a packet.
    @Test func pesWrittenInPieces() {
        var writer = TSPacketWriter(capacity: 0)
        let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        writer.beginPES(streamID: 0xE0, pts: 3600, dts: 0, payloadLength: payload.count, bounded: false,
                        pid: 0x100, cc: 14, pcr: 27_000_000, randomAccess: true)
        for piece in stride(from: 0, to: payload.count, by: 333) {
            payload[piece..<min(piece + 333, payload.count)].withUnsafeBytes { writer.write($0) }
        }
        [UInt8](repeating: 9, count: 50).withUnsafeBytes { writer.write($0) }  // past the length: dropped
        #expect(writer.endPES() == 4)  // 6 packets from 14
        let bytes = writer.bytes
        #expect(bytes.count == 6 * 188)
        var joined: [UInt8] = [], counters: [UInt8] = []
        for p in stride(from: 0, to: bytes.count, by: 188) {
            #expect(bytes[p] == 0x47 && Int(bytes[p + 1] & 0x1F) << 8 | Int(bytes[p + 2]) == 0x100)
            counters.append(bytes[p + 3] & 0x0F)
            let start = bytes[p + 3] & 0x20 != 0 ? p + 5 + Int(bytes[p + 4]) : p + 4
            joined += bytes[start..<p + 188]
        }
        #expect(counters == [14, 15, 0, 1, 2, 3])
        #expect(bytes[5] & 0x50 == 0x50)  // random access and PCR in the first packet
        let pcrBase = bytes[6..<10].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } << 1 | UInt64(bytes[10] >> 7)
        #expect(pcrBase == 90000)
        #expect(joined.count == 19 + payload.count && Array(joined[19...]) == payload)
        #expect(joined[0..<4] == [0, 0, 1, 0xE0] && joined[7] == 0xC0 && joined[8] == 10)

        var short = TSPacketWriter(capacity: 0)
        short.beginPES(streamID: 0xC0, pts: 0, dts: nil, payloadLength: 500, bounded: true, pid: 0x101, cc: 0, pcr: nil, randomAccess: false)
        payload[0..<100].withUnsafeBytes { short.write($0) }
        _ = short.endPES()
        #expect(short.bytes.count == 188)
    }

    @Test func segmentsStartWithPATAndPMT() throws {
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "v", targetDuration: 1)
        let r = try #require(try set.tsRenditions().first)
        let seg = try r.segment(1).materialize()
        #expect(seg[1] & 0x1F == 0 && seg[2] == 0)                   // PAT
        #expect(UInt16(seg[189] & 0x1F) << 8 | UInt16(seg[190]) == 0x1000)  // PMT
        // The PMT's CRC covers its section.
        let sectionLength = Int(seg[188 + 5 + 1] & 0x0F) << 8 | Int(seg[188 + 5 + 2])
        let section = seg[(188 + 5)..<(188 + 5 + 3 + sectionLength - 4)]
        let crc = seg[(188 + 5 + 3 + sectionLength - 4)..<(188 + 5 + 3 + sectionLength)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(CRC32MPEG2.checksum(section) == crc)
    }

    @Test(arguments: ["opus.mp4", "av1.mp4", "vp9.mp4"])
    func codecsTSCannotCarryAreRefusedThere(file: String) throws {
        let set = try MediaSet.load(path: fixture(file), name: "v")
        do {
            _ = try set.tsRenditions()
            Issue.record("\(file) was put in TS")
        } catch {
            guard case .unsupportedCodec(_, let codec) = error else { Issue.record("wrong error \(error)"); return }
            #expect(codec.hasSuffix("in MPEG-TS"), "\(codec)")
        }
    }
}

/// Video and audio from different files (the transcoder's layout): each stream's
/// bytes must come from its own file.
@Suite struct TSFromSeveralFilesTests {
    @Test func audioFromItsOwnFile() throws {
        func track(_ file: String, _ kind: PackagedTrack.Kind) throws -> PackagedTrack {
            let movie = try Movie.read(path: fixture(file))
            let t = try #require(movie.tracks.first { $0.mediaType == (kind == .video ? .video : .audio) })
            return try PackagedTrack(name: kind.rawValue, kind: kind, track: t, movieTimescale: movie.timescale, sourcePath: fixture(file))
        }
        let set = try MediaSet(name: "v", videos: [try track("video_only.mp4", .video)], audio: try track("audio_only.m4a", .audio),
                               targetDuration: 1, file: "test")
        let r = try #require(try set.tsRenditions().first)
        let bytes = try allSegments(r)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ts-two-files-\(getpid()).ts")
        try Data(bytes).write(to: out)
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, _) = try run(["ffmpeg", "-v", "error", "-xerror", "-i", out.path, "-map", "0", "-f", "null", "-"])
        #expect(status == 0)
        #expect(try decodedFrameTimes(out.path, stream: "v:0").count == decodedFrameTimes(fixture("video_only.mp4"), stream: "v:0").count)
        // Audio is cut at the video's segments: what falls inside them plays.
        let audio = try decodedFrameTimes(out.path, stream: "a:0").count
        let expected = set.audio!.samples(of: 0).lowerBound..<set.audio!.samples(of: r.segmentCount - 1).upperBound
        #expect(audio == expected.count)
    }
}

/// Access units that carry their own delimiter and parameter sets get none added;
/// those without get one delimiter each and parameter sets before every keyframe.
/// The TS is demuxed by ffmpeg into a raw Annex B stream and its NAL units counted.
@Suite struct TSAccessUnitTests {
    /// NAL unit types of a raw Annex B stream, in order.
    func nalTypes(_ data: [UInt8], hevc: Bool) -> [UInt8] {
        var types: [UInt8] = []
        var i = 0
        while i + 3 < data.count {
            if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
                let b = data[i + 3]
                types.append(hevc ? b >> 1 & 0x3F : b & 0x1F)
                i += 3
            } else { i += 1 }
        }
        return types
    }

    @Test(arguments: ["h264_inband_aud.mp4", "hevc_inband_aud.mp4", "h264_bframes_aac.mp4", "hevc.mp4"])
    func oneDelimiterPerAccessUnitAndParameterSetsOncePerKeyframe(name: String) throws {
        let hevc = name.hasPrefix("hevc")
        let set = try MediaSet.load(path: fixture(name), name: "v", targetDuration: 1)
        let r = try #require(try set.tsRenditions().first)
        let bytes = try allSegments(r)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aud-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ts = dir.appendingPathComponent("all.ts"), raw = dir.appendingPathComponent("video.es")
        try Data(bytes).write(to: ts)
        let (status, _) = try run(["ffmpeg", "-v", "error", "-i", ts.path, "-map", "0:v", "-c", "copy", "-f", hevc ? "hevc" : "h264", raw.path])
        #expect(status == 0)
        let types = nalTypes([UInt8](try Data(contentsOf: raw)), hevc: hevc)
        let (delimiter, sps): (UInt8, UInt8) = hevc ? (35, 33) : (9, 7)
        let frames = try #require(set.videos.first).track.count
        let keyframes = (0..<frames).filter { set.videos[0].track.isSync($0) }.count
        #expect(types.first == delimiter, "\(name): the stream does not open with a delimiter")
        #expect(types.filter { $0 == delimiter }.count == frames, "\(name): \(types.filter { $0 == delimiter }.count) delimiters for \(frames) frames")
        #expect(types.filter { $0 == sps }.count == keyframes, "\(name): \(types.filter { $0 == sps }.count) SPS for \(keyframes) keyframes")
        // No access unit is a delimiter alone, and parameter sets come after the delimiter and
        // before the access unit's first slice.
        for (a, b) in zip(types, types.dropFirst()) { #expect(!(a == delimiter && b == delimiter), "\(name): an empty access unit") }
        func isSlice(_ t: UInt8) -> Bool { hevc ? t < 32 : (1...5).contains(t) }
        for (k, t) in types.enumerated() where t == sps {
            let opening = types[..<k].lastIndex(where: { $0 == delimiter || isSlice($0) })
            #expect(opening.map { types[$0] == delimiter } == true, "\(name): SPS at NAL \(k) is not between a delimiter and its slices")
        }
    }
}
