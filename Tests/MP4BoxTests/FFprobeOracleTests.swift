import Foundation
import Testing
@testable import MP4Box

/// Our sample index, after edit lists, must equal `ffprobe -show_packets`
/// packet for packet: position, size, DTS, PTS, keyframe and discard flags.
/// Where FFmpeg differs on purpose, the test checks the documented reason
/// instead of skipping the packet (see docs/mp4box.md, "Where FFmpeg differs").
@Suite struct FFprobeOracleTests {
    @Test(arguments: Media.allFiles)
    func sampleIndexEqualsFFprobe(path: String) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        // FFmpeg misplaces runs without a data_offset (FragmentRunTests checks that file).
        if name == "trun_no_offset.mp4" { return }
        let reference = try probePackets(path)
        // FFmpeg 5.1 has no USAC decoder and will not open xHE-AAC at all (AudioSignallingTests checks it).
        if name == "xhe_aac.m4a" { #expect(reference == nil); return }
        let movie: Movie
        do {
            movie = try Movie.read(path: path)
        } catch {
            // We may refuse a file FFmpeg reads only where FFmpeg has to guess: the one such
            // file here has an mdhd timescale over 2^31 and sample offsets past the end.
            if reference != nil { #expect(name == "mozilla_test_case_1185230.mp4", "we reject \(name) but FFmpeg reads it: \(error)") }
            return
        }
        let packets = try #require(reference, "FFmpeg rejects \(name) but we read it")
        for (streamIndex, track) in movie.tracks.enumerated() {
            var theirs = packets.filter { $0.stream == streamIndex }
            if track.samplesPastEnd > 0 {
                // FFmpeg hands out the cut-off sample as a short packet ending at the end of the
                // file; we leave it out (docs/mp4box.md, "Where FFmpeg differs").
                let ourOffsets = Set((0..<track.samples.count).map { track.samples.offset(at: $0) })
                theirs.removeAll { $0.offset + $0.size >= movie.fileSize && !ourOffsets.contains($0.offset) }
            }
            let ours = PresentationTimeline(track: track, movieTimescale: movie.timescale).all
            if isChunkDemuxed(track) {
                try checkChunkDemuxed(track, theirs, name)
                continue
            }
            #expect(ours.count == theirs.count, "\(name) track \(streamIndex): \(ours.count) samples, ffprobe \(theirs.count)")
            let source = try FileByteSource(path: path)
            for (k, (p, q)) in zip(ours, theirs).enumerated() {
                let offset = track.samples.offset(at: p.sampleIndex), size = Int64(track.samples.size(at: p.sampleIndex))
                let sync = track.samples.isSync(at: p.sampleIndex)
                let same = offset == q.offset && size == q.size && p.dts == q.dts && p.pts == q.pts && p.discard == q.discard
                #expect(same, "\(name) track \(streamIndex) packet \(k): ours \(offset)/\(size) dts \(p.dts) pts \(p.pts) discard \(p.discard); ffprobe \(q)")
                if sync != q.key {
                    // FFmpeg's H.264 parser also flags packets whose first slice is an I slice.
                    let data = try source.read(at: offset, count: Int(size))
                    let intra = firstSliceIsIntra(data, nalLength: track.sampleEntry?.avcC?.nalLengthSize ?? 4)
                    #expect(!sync && q.key && track.codecString.hasPrefix("avc") && intra,
                            "\(name) track \(streamIndex) packet \(k): sync \(sync), ffprobe \(q.key)")
                }
                if !same { break }
            }
        }
    }

    /// FFmpeg reads audio whose `stts` is one entry of delta 1 (PCM-style, here AMR in 3GP)
    /// a chunk at a time. We index every sample; the chunks must hold exactly those bytes.
    func isChunkDemuxed(_ track: Track) -> Bool {
        track.mediaType == .audio && track.samples.count > 0 && (0..<track.samples.count).allSatisfy { track.samples.duration(at: $0) == 1 }
    }

    func checkChunkDemuxed(_ track: Track, _ theirs: [ProbePacket], _ name: String) throws {
        let total = (0..<track.samples.count).reduce(Int64(0)) { $0 + Int64(track.samples.size(at: $1)) }
        #expect(theirs.reduce(0) { $0 + $1.size } == total, "\(name): chunk packets hold other bytes than the samples")
        #expect(theirs.first?.offset == track.samples.offset(at: 0))
    }

    @Test func rejectsWhatFFmpegRejects() throws {
        let path = Media.shared.appendingPathComponent("mozilla_chunk_out_of_range.mp4").path
        #expect(try probePackets(path) == nil)
        #expect(throws: MP4Error.self) { try Movie.read(path: path) }
        do { _ = try Movie.read(path: path) } catch {
            #expect(error.path == "moov/trak[0]/mdia/minf/stbl/stsc")
            #expect(error.kind == .invalid)
        }
    }
}

/// Whether an H.264 access unit's first slice is an I (or SI) slice.
func firstSliceIsIntra(_ data: [UInt8], nalLength: Int) -> Bool {
    var p = 0
    while p + nalLength < data.count {
        var n = 0
        for k in 0..<nalLength { n = n << 8 | Int(data[p + k]) }
        let start = p + nalLength
        guard n > 1, start + n <= data.count else { return false }
        let type = data[start] & 31
        if type == 1 || type == 5 {
            var bits = BitReader(Array(data[start + 1..<min(start + n, start + 17)]))
            func ue() -> Int? {
                var zeros = 0
                while let bit = bits.read(1), bit == 0 { zeros += 1; if zeros > 31 { return nil } }
                guard let rest = bits.read(zeros) else { return nil }
                return (1 << zeros) - 1 + rest
            }
            _ = ue()  // first_mb_in_slice
            guard let sliceType = ue() else { return false }
            return sliceType % 5 == 2 || sliceType % 5 == 4
        }
        p = start + n
    }
    return false
}
