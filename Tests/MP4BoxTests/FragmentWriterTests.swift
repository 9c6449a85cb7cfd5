import Foundation
import Testing
@testable import MP4Box

/// Fragments written from a fixture's sample index, with sample data taken
/// from the file ranges they reference, must decode with ffmpeg to the same
/// frames as the source and read back through our parser to the same samples.
@Suite struct FragmentWriterTests {
    /// Init segment + one fragment per keyframe-started group, data copied from the ranges.
    func fragmentedCopy(of path: String, trackIndex: Int) throws -> (bytes: [UInt8], track: Track) {
        let movie = try Movie.read(path: path)
        let track = movie.tracks[trackIndex]
        let source = try FileByteSource(path: path)
        var out = InitSegmentWriter.write(tracks: [.init(track: track, trackID: 1)])
        let samples = track.samples.samples(0..<track.samples.count)
        var groups: [[Sample]] = []
        for s in samples {
            if s.isSync || groups.isEmpty { groups.append([s]) } else { groups[groups.count - 1].append(s) }
        }
        var sequence: UInt32 = 1
        for group in groups {
            let run = FragmentWriter.TrackRun(trackID: 1, baseDecodeTime: UInt64(group[0].dts - track.samples.startDTS),
                                              samples: group.map { .init(offset: $0.offset, size: $0.size, duration: $0.duration,
                                                                          compositionOffset: $0.compositionOffset, isSync: $0.isSync) })
            let fragment = FragmentWriter.write(sequenceNumber: sequence, runs: [run],
                                                sidx: .init(timescale: track.timescale, earliestPresentationTime: UInt64(max(0, group[0].pts))))
            out += fragment.header
            for range in fragment.data { out += try source.read(at: range.offset, count: Int(range.length)) }
            #expect(fragment.data.count <= group.count)
            sequence += 1
        }
        return (out, track)
    }

    @Test(arguments: ["h264_bframes_aac.mp4", "hevc.mp4", "negative_cts.mp4", "moov_at_end.mp4"])
    func fragmentsDecodeLikeTheSource(file: String) throws {
        let path = Media.fixture(file)
        let (bytes, track) = try fragmentedCopy(of: path, trackIndex: 0)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("frag-\(getpid())-\(file)")
        try Data(bytes).write(to: out)
        defer { try? FileManager.default.removeItem(at: out) }

        // Our own parser reads back exactly the samples that went in.
        let reread = try Movie.read(path: out.path)
        #expect(reread.isFragmented)
        let back = reread.tracks[0].samples
        #expect(back.count == track.samples.count)
        for i in 0..<track.samples.count {
            #expect(back.size(at: i) == track.samples.size(at: i) && back.duration(at: i) == track.samples.duration(at: i)
                    && back.compositionOffset(at: i) == track.samples.compositionOffset(at: i) && back.isSync(at: i) == track.samples.isSync(at: i),
                    "sample \(i) differs after writing fragments")
        }
        // A real decoder sees the same frames, without an error.
        let (status, _) = try run(["ffmpeg", "-v", "error", "-xerror", "-i", out.path, "-f", "null", "-"])
        #expect(status == 0, "ffmpeg could not decode the fragments of \(file)")
        #expect(try decodedFrameCount(out.path) == decodedFrameCount(path))
    }

    @Test func audioFragmentsDecode() throws {
        let path = Media.fixture("h264_bframes_aac.mp4")
        let (bytes, track) = try fragmentedCopy(of: path, trackIndex: 1)
        #expect(track.mediaType == .audio)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("frag-audio-\(getpid()).mp4")
        try Data(bytes).write(to: out)
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, _) = try run(["ffmpeg", "-v", "error", "-xerror", "-i", out.path, "-f", "null", "-"])
        #expect(status == 0)
        // Without the source's edit list every frame plays, priming included; the source
        // drops the frames its edit list discards.
        let timeline = PresentationTimeline(track: track, movieTimescale: try Movie.read(path: path).timescale)
        #expect(try decodedFrameCount(out.path, stream: "a:0") == track.samples.count)
        #expect(try decodedFrameCount(path, stream: "a:0") == timeline.all.filter { !$0.discard }.count)
    }

    @Test func headerSizeIsWhatWriteProduces() {
        for allSync in [true, false] {
            for firstOnly in [true, false] {
                for offsets in [true, false] {
                    for base: UInt64 in [0, 1 << 33] {
                        var samples: [FragmentWriter.SampleInput] = []
                        for i in 0..<7 {
                            let offset: Int32 = offsets ? Int32(i % 3) - 1 : 0
                            let sync = allSync || (firstOnly ? i == 0 : i % 2 == 0)
                            samples.append(.init(offset: Int64(i) * 10, size: 10, duration: 1, compositionOffset: offset, isSync: sync))
                        }
                        let runs = [FragmentWriter.TrackRun(trackID: 1, baseDecodeTime: base, samples: samples)]
                        for sidx in [nil, FragmentWriter.SegmentIndexInput(timescale: 1000, earliestPresentationTime: base)] {
                            for styp in [nil, FragmentWriter.segmentBrands] {
                                let written = FragmentWriter.write(sequenceNumber: 1, runs: runs, styp: styp, sidx: sidx).header.count
                                #expect(FragmentWriter.headerSize(runs: runs, styp: styp, sidx: sidx) == written)
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func contiguousSamplesBecomeOneRange() {
        let samples = (0..<10).map { FragmentWriter.SampleInput(offset: 1000 + Int64($0) * 10, size: 10, duration: 1, compositionOffset: 0, isSync: $0 == 0) }
        let f = FragmentWriter.write(sequenceNumber: 1, runs: [.init(trackID: 1, baseDecodeTime: 0, samples: samples)])
        #expect(f.data == [FileRange(offset: 1000, length: 100)])
        #expect(f.size == Int64(f.header.count) + 100)
    }

    @Test func dataOffsetsPointIntoTheMdat() throws {
        let a = [FragmentWriter.SampleInput(offset: 0, size: 5, duration: 1, compositionOffset: 0, isSync: true)]
        let b = [FragmentWriter.SampleInput(offset: 50, size: 7, duration: 1, compositionOffset: -2, isSync: true)]
        let f = FragmentWriter.write(sequenceNumber: 3, runs: [.init(trackID: 1, baseDecodeTime: 9, samples: a),
                                                               .init(trackID: 2, baseDecodeTime: 1 << 33, samples: b)], styp: nil)
        var r = ByteReader(f.header)
        let (moofHeader, moofPayload) = try r.nextBox()
        #expect(moofHeader.type == "moof" && FourCC(rawValue: ByteReader.u32(f.header, at: Int(moofHeader.size) + 4)) == "mdat")
        var m = moofPayload
        let trafs = try m.boxes().filter { $0.0.type == "traf" }
        var offsets: [Int32] = [], versions: [UInt8] = []
        for (_, traf) in trafs {
            var t = traf
            for (h, p) in try t.boxes() where h.type == "trun" {
                var body = p
                let run = try TrackRunBox(payload: &body)
                offsets.append(run.dataOffset ?? -1); versions.append(run.version)
            }
        }
        #expect(offsets == [Int32(moofHeader.size + 8), Int32(moofHeader.size + 8 + 5)])
        #expect(versions == [0, 1])
    }

    @Test func initSegmentIsReadableAndHasNoSamples() throws {
        let movie = try Movie.read(path: Media.fixture("h264_bframes_aac.mp4"))
        let bytes = InitSegmentWriter.write(tracks: movie.tracks.map { .init(track: $0) })
        let parsed = try Movie.read(from: MemoryByteSource(bytes))
        #expect(parsed.tracks.count == 2 && parsed.isFragmented)
        #expect(parsed.tracks.map(\.codecString) == movie.tracks.map(\.codecString))
        #expect(parsed.tracks.allSatisfy { $0.samples.isEmpty })
        #expect(parsed.trackExtends.count == 2)
    }
}
