import Foundation
import Testing
@testable import MP4Box

/// A file over 4 GiB (sparse, so it costs no disk): the fixture's samples moved
/// past 4 GiB inside a 64-bit `mdat`, its `stco` tables rewritten as `co64` by
/// our own writer. Our index must equal ffprobe's there too.
@Suite struct LargeOffsetTests {
    static let containers: Set<FourCC> = ["moov", "trak", "mdia", "minf", "stbl"]

    /// Copies a box tree, turning every `stco` into a `co64` with offsets moved by `delta`.
    func rewrite(_ reader: ByteReader, delta: UInt64, into w: inout ByteWriter) throws {
        var r = reader
        for (header, payload) in try r.boxes() {
            if Self.containers.contains(header.type) {
                var failure: Error?
                w.box(header.type) { inner in
                    do { try rewrite(payload, delta: delta, into: &inner) } catch { failure = error }
                }
                if let failure { throw failure }
            } else if header.type == "stco" {
                var p = payload
                w.write(ChunkLargeOffsetBox(offsets: try ChunkOffsetBox(payload: &p).offsets.map { $0 + delta }))
            } else {
                w.append(Array(payload.bytes[Int(header.offset)..<Int(header.end)]))
            }
        }
    }

    @Test func samplesBeyondFourGiB() throws {
        let source = Media.fixture("moov_at_end.mp4")
        let data = try bytes(of: source)
        let movie = try Movie.read(path: source)
        let ftyp = try #require(movie.topLevelBoxes.first { $0.type == "ftyp" })
        let mdat = try #require(movie.topLevelBoxes.first { $0.type == "mdat" })
        let moov = try #require(movie.topLevelBoxes.first { $0.type == "moov" })
        let hole: Int64 = 4 << 30 + 12345
        let newPayloadStart = ftyp.size + 16 + hole
        let delta = UInt64(newPayloadStart - mdat.payloadOffset)

        var newMoov = ByteWriter()
        try rewrite(ByteReader(Array(data[Int(moov.offset)..<Int(moov.end)])), delta: delta, into: &newMoov)

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("large-offsets-\(getpid()).mp4")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try FileHandle(forWritingTo: url)
        try file.write(contentsOf: data[Int(ftyp.offset)..<Int(ftyp.end)])
        var header = ByteWriter()
        header.u32(1); header.fourCC("mdat"); header.u64(UInt64(16 + hole + mdat.payloadSize))
        try file.write(contentsOf: header.bytes)
        try file.seek(toOffset: UInt64(newPayloadStart))  // the hole: never written, takes no disk
        try file.write(contentsOf: data[Int(mdat.payloadOffset)..<Int(mdat.end)])
        try file.write(contentsOf: newMoov.bytes)
        try file.close()

        let big = try Movie.read(path: url.path)
        #expect(big.fileSize > 4 << 30)
        let reference = try #require(try probePackets(url.path))
        for (index, track) in big.tracks.enumerated() {
            let ours = PresentationTimeline(track: track, movieTimescale: big.timescale).all
            let theirs = reference.filter { $0.stream == index }
            #expect(ours.count == theirs.count)
            #expect(track.samples.offset(at: 0) > 4 << 30)
            for (p, q) in zip(ours, theirs) {
                #expect(track.samples.offset(at: p.sampleIndex) == q.offset && Int64(track.samples.size(at: p.sampleIndex)) == q.size
                        && p.dts == q.dts && p.pts == q.pts)
            }
            // The original and the moved track present the same samples at the same times.
            let before = PresentationTimeline(track: movie.tracks[index], movieTimescale: movie.timescale).all
            #expect(before.map(\.pts) == ours.map(\.pts))
        }
    }
}
