/// Runs every read-side code path over untrusted bytes: parse, timeline,
/// report, init and fragment writers, the joiner. The fuzz target (fuzz/FuzzMP4.swift)
/// and the regression test over Tests/Corrupt both call this, so a crasher
/// found by one is replayed exactly by the other.
public enum ParserExercise {
    /// Returns the movie when the bytes were readable, nil when they were refused.
    @discardableResult
    public static func run(_ bytes: [UInt8]) -> Movie? {
        guard let movie = try? Movie.read(from: MemoryByteSource(bytes)) else { return nil }
        for track in movie.tracks {
            let timeline = PresentationTimeline(track: track, movieTimescale: movie.timescale)
            var checksum: Int64 = 0
            timeline.forEach { checksum = checksum &+ $0.dts &+ $0.pts }
            _ = timeline.durationSeconds
            _ = track.codecString
            _ = track.sampleEntry?.channelCount
            _ = track.sampleEntry?.sampleRate
            _ = InitSegmentWriter.write(tracks: [.init(track: track)])
            guard !track.samples.isEmpty else { continue }
            let samples = track.samples.samples(0..<min(track.samples.count, 50))
            _ = FragmentWriter.write(sequenceNumber: 1, runs: [.init(trackID: track.id, baseDecodeTime: 0, samples: samples.map {
                .init(offset: $0.offset, size: $0.size, duration: $0.duration, compositionOffset: $0.compositionOffset, isSync: $0.isSync)
            })])
            _ = track.samples.firstSample(atOrAfterDTS: track.samples.endDTS / 2)
            if let format = track.sampleEntry?.format, format == "samr" || format == "sawb" {
                // AMR samples cut into frames, as the transcoder does before decoding.
                for s in samples where s.offset >= 0 && s.offset <= Int64(bytes.count) - Int64(s.size) {
                    bytes.withUnsafeBufferPointer { all in
                        _ = AMRFrames.frames(UnsafeBufferPointer(rebasing: all[Int(s.offset)..<Int(s.offset) + Int(s.size)]), wideband: format == "sawb")
                    }
                }
            }
            // The track joined to itself, the second part placed where the first one's samples end.
            _ = try? MovieJoiner.layout([track, track], starts: [nil, track.samples.endDTS], names: ["first", "second"])
        }
        _ = MovieReport(movie: movie, includeSamples: true)
        return movie
    }
}
