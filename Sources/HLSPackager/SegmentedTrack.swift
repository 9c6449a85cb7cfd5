import MP4Box
import Synchronization

/// A packaged track cut by a segment plan: which output samples each segment
/// holds, and the bytes of its init segment and media segments.
public struct SegmentedTrack: Sendable {
    public let track: PackagedTrack
    /// The plan in this track's timescale.
    public let plan: SegmentPlan
    /// First output sample of each segment, then `track.count`.
    public let firstSamples: [Int]
    /// `segmentSizes`, worked out once (the multivariant playlist, every media playlist's
    /// bandwidth and the MPD all ask for them).
    private let sizes = Memo()

    private final class Memo: Sendable {
        let value = Mutex<[Int64]?>(nil)
    }

    public init(track: PackagedTrack, plan: SegmentPlan) {
        self.track = track
        self.plan = plan
        var firsts: [Int] = []
        firsts.reserveCapacity(plan.count + 1)
        let keyframes = track.kind == .video ? track.syncSamples() : []
        var i = 0, k = 0
        for n in 0..<plan.count {
            let start = plan.start(n)
            if n == 0 {
                firsts.append(0)
                continue
            }
            if track.kind == .video {
                // The segment starts at the first keyframe from `i` on presented at the boundary or later.
                while k < keyframes.count && (keyframes[k] < i || track.presentationTime(keyframes[k]) < start) { k += 1 }
                i = k < keyframes.count ? keyframes[k] : track.count
            } else {
                i = track.firstSample(from: i, presentedAtOrAfter: start)
            }
            firsts.append(i)
        }
        firsts.append(track.count)
        firstSamples = firsts
    }

    public var segmentCount: Int { plan.count }

    public func samples(of segment: Int) -> Range<Int> { firstSamples[segment]..<max(firstSamples[segment], firstSamples[segment + 1]) }

    /// `init.mp4`: the track alone, as track 1.
    public func initSegment() -> ResponseBody {
        ResponseBody(InitSegmentWriter.write(tracks: [.init(track: track.track, trackID: 1)]))
    }

    /// `<n>.m4s` for segment `segment` (0-based; URLs count from 1).
    public func mediaSegment(_ segment: Int) throws(PackagerError) -> ResponseBody {
        guard segment >= 0 && segment < segmentCount else { throw .noSuchSegment(segment + 1) }
        let fragment = self.fragment(segment)
        var parts: [ResponseBody.Part] = [.bytes(fragment.header)]
        parts += fragment.data.map { .file(path: track.sourcePath, range: $0) }
        return ResponseBody(parts: parts)
    }

    func fragment(_ segment: Int) -> FragmentWriter.Fragment {
        let (runs, sidx) = fragmentInput(segment)
        return FragmentWriter.write(sequenceNumber: UInt32(truncatingIfNeeded: segment + 1), runs: runs, sidx: sidx)
    }

    func fragmentInput(_ segment: Int) -> ([FragmentWriter.TrackRun], FragmentWriter.SegmentIndexInput) {
        let range = samples(of: segment)
        let index = track.track.samples
        // The decode times of the samples and of the one after (for the last one's duration), in one walk.
        let times = track.decodeTimes(range.lowerBound..<min(range.upperBound + 1, track.count))
        var inputs: [FragmentWriter.SampleInput] = []
        inputs.reserveCapacity(range.count)
        var earliest = Int64.max
        for (k, i) in range.enumerated() {
            let s = track.sourceIndex(i), offset = track.compositionOffset(i)
            // As `PackagedTrack.duration`: up to the next decode time; the track's last keeps its own.
            let duration = k + 1 < times.count ? UInt32(clamping: times[k + 1] - times[k]) : index.duration(at: s)
            inputs.append(.init(offset: index.offset(at: s), size: index.size(at: s), duration: duration, compositionOffset: offset, isSync: index.isSync(at: s)))
            earliest = min(earliest, times[k] + Int64(offset))
        }
        let base = range.isEmpty ? UInt64(max(0, plan.start(segment))) : UInt64(max(0, times[0]))
        if range.isEmpty { earliest = plan.start(segment) }
        return ([.init(trackID: 1, baseDecodeTime: base, samples: inputs)],
                .init(timescale: track.timescale, earliestPresentationTime: UInt64(max(0, earliest))))
    }

    /// Bytes from the start of media segment `segment` through its first sample: the
    /// headers and the keyframe that opens it (an I-frame playlist's byte range).
    public func leadingKeyframeLength(_ segment: Int) -> Int64 {
        let (runs, sidx) = fragmentInput(segment)
        let header = Int64(FragmentWriter.headerSize(runs: runs, sidx: sidx))
        return header + Int64(runs.first?.samples.first?.size ?? 0)
    }

    /// Size of every media segment in bytes (for bandwidth figures).
    public var segmentSizes: [Int64] {
        if let known = sizes.value.withLock({ $0 }) { return known }
        let computed = (0..<segmentCount).map { n in
            let (runs, sidx) = fragmentInput(n)
            return Int64(FragmentWriter.headerSize(runs: runs, sidx: sidx)) + runs.reduce(0) { $0 + $1.samples.reduce(0) { $0 + Int64($1.size) } }
        }
        sizes.value.withLock { $0 = computed }
        return computed
    }
}
