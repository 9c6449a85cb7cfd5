import MP4Box

/// A video (or a clip of it) as one MP4 file for a download or a plain `<video src>`: its
/// widest video rendition and its default audio muxed, as a fragmented MP4 (an init with both
/// tracks and their total duration in `mehd`, then one fragment per segment holding both tracks'
/// samples of that segment), so it is built from the same plan and file ranges as the segments
/// and never copies a sample.
public enum ProgressiveFile {
    public static func body(_ set: MediaSet) throws(PackagerError) -> ResponseBody {
        let widest = set.videos.max { ($0.track.track.sampleEntry?.visual?.width ?? 0) < ($1.track.track.sampleEntry?.visual?.width ?? 0) }
        let tracks = [widest, set.audio].compactMap { $0 }
        guard !tracks.isEmpty else { throw .noPlayableTrack(file: set.name) }
        let seconds = tracks.map { $0.plan.durations.reduce(0, +) }.max() ?? 0
        let duration = seconds.isFinite && seconds > 0 && seconds < 1e12 ? UInt64(seconds * 1000) : 0
        var parts: [ResponseBody.Part] = [.bytes(InitSegmentWriter.write(
            tracks: tracks.enumerated().map { .init(track: $1.track.track, trackID: UInt32($0 + 1)) }, fragmentDuration: duration))]
        for n in 0..<(tracks.map(\.segmentCount).max() ?? 0) {
            var runs: [FragmentWriter.TrackRun] = []
            var data: [ResponseBody.Part] = []
            for (k, track) in tracks.enumerated() where n < track.segmentCount {
                guard var run = track.fragmentInput(n).0.first else { continue }
                run.trackID = UInt32(k + 1)
                var ranges: [FileRange] = []
                for sample in run.samples { ranges.appendMerging(FileRange(offset: sample.offset, length: Int64(sample.size))) }
                runs.append(run)
                data += ranges.map { .file(path: track.track.sourcePath, range: $0) }
            }
            parts.append(.bytes(FragmentWriter.write(sequenceNumber: UInt32(truncatingIfNeeded: n + 1), runs: runs, styp: nil).header))
            parts += data
        }
        return ResponseBody(parts: parts)
    }
}
