import Foundation
import Testing
@testable import MP4Box

/// Several `trun` boxes in one `traf` (ISO/IEC 14496-12 §8.8.8): a run with a
/// data_offset starts at the track fragment's base plus that offset, a run
/// without one right after the previous run's data.
@Suite struct FragmentRunTests {
    /// The same samples, byte for byte and time for time, as in `reference`.
    func expectSameSamples(_ path: String, as reference: String) throws {
        let ours = try Movie.read(path: path), theirs = try Movie.read(path: reference)
        #expect(ours.tracks.count == theirs.tracks.count)
        let a = try FileByteSource(path: path), b = try FileByteSource(path: reference)
        for (x, y) in zip(ours.tracks, theirs.tracks) {
            #expect(x.samples.count == y.samples.count, "track \(x.id): \(x.samples.count) samples, reference \(y.samples.count)")
            for i in 0..<min(x.samples.count, y.samples.count) {
                let s = x.samples.sample(at: i), t = y.samples.sample(at: i)
                #expect(s.size == t.size && s.dts == t.dts && s.pts == t.pts && s.isSync == t.isSync, "track \(x.id) sample \(i)")
                let same = try a.read(at: s.offset, count: Int(s.size)) == b.read(at: t.offset, count: Int(t.size))
                #expect(same, "track \(x.id) sample \(i): other bytes than the reference's")
                if !same { break }
            }
        }
    }

    /// Each run after the first has no data_offset (made by scripts/split-truns.py from
    /// fragmented.mp4). FFmpeg 5.1 puts such a run at the base instead, so ffprobe is no
    /// oracle here: the unsplit file is.
    @Test func runsWithoutDataOffsetFollowThePreviousRun() throws {
        try expectSameSamples(Media.fixture("trun_no_offset.mp4"), as: Media.fixture("fragmented.mp4"))
    }

    /// ffmpeg's -frag_interleave: many runs per traf, each with a data_offset from the moof,
    /// audio and video data alternating. Every sample's bytes must be where ffprobe finds them
    /// (the oracle suite checks offsets); here, that the video decodes whole from them.
    @Test func interleavedRunsEachWithADataOffset() throws {
        let movie = try Movie.read(path: Media.fixture("multi_trun.mp4"))
        let video = try #require(movie.tracks.first { $0.mediaType == .video })
        let audio = try #require(movie.tracks.first { $0.mediaType == .audio })
        #expect(video.samples.count == 60 && audio.samples.count >= 94)
        // Runs alternate between tracks: no sample of one track lies inside another's.
        var ranges = (0..<video.samples.count).map { (video.samples.offset(at: $0), Int64(video.samples.size(at: $0))) }
        ranges += (0..<audio.samples.count).map { (audio.samples.offset(at: $0), Int64(audio.samples.size(at: $0))) }
        ranges.sort { $0.0 < $1.0 }
        for (r, s) in zip(ranges, ranges.dropFirst()) { #expect(r.0 + r.1 <= s.0, "samples overlap at \(r.0)") }
    }
}
