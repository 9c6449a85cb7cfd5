/// Where segments start, as presentation times in one timescale. Boundaries
/// sit on video keyframes: for segment k the keyframe whose presentation time
/// is nearest to k × target, so every rendition with the same keyframes gets
/// the same boundaries, and the same file always gets the same plan. Audio
/// (and audio-only sets) are cut at the same times.
public struct SegmentPlan: Equatable, Sendable {
    public let timescale: UInt32
    /// Start of each segment; the first is the track's first presentation time.
    public let starts: [Int64]
    /// End of the last segment.
    public let end: Int64

    public var count: Int { starts.count }

    public func start(_ n: Int) -> Int64 { starts[n] }
    public func end(_ n: Int) -> Int64 { n + 1 < starts.count ? starts[n + 1] : end }
    public func duration(_ n: Int) -> Double { Double(end(n) - start(n)) / Double(timescale) }
    public var durations: [Double] { (0..<count).map(duration) }

    public init(timescale: UInt32, starts: [Int64], end: Int64) {
        self.timescale = timescale
        self.starts = starts
        self.end = end
    }

    /// Plans segments for a video track: candidates are its sync samples' presentation times.
    public static func forVideo(_ track: PackagedTrack, target: Double) -> SegmentPlan {
        let keyframes = track.syncSamples().map(track.presentationTime)
        return plan(candidates: keyframes, timescale: track.timescale, end: track.endTime, target: target)
    }

    /// Plans segments for audio alone: every frame may start a segment.
    public static func forAudio(_ track: PackagedTrack, target: Double) -> SegmentPlan {
        plan(candidates: (0..<track.count).map(track.presentationTime), timescale: track.timescale, end: track.endTime, target: target)
    }

    /// Boundaries from sorted candidate times: after each start, the candidate nearest the
    /// next multiple of the target, among those at least half a target later (shorter
    /// segments are merged into their neighbour); none when the end is nearer still. A
    /// tail under a quarter target joins the segment before it, so no segment is a sliver.
    static func plan(candidates: [Int64], timescale: UInt32, end: Int64, target: Double) -> SegmentPlan {
        let sorted = candidates.sorted()
        guard let first = sorted.first else { return SegmentPlan(timescale: timescale, starts: [0], end: end) }
        let step = Int64(min(max(2, SafeTime.int((target * Double(timescale)).rounded())), 1 << 40))
        var starts = [first]
        var i = 0
        while true {
            let last = starts[starts.count - 1]
            while i < sorted.count && sorted[i] < last + step / 2 { i += 1 }
            guard i < sorted.count else { break }
            let goal = (last / step + 1) * step
            var best = i
            while best + 1 < sorted.count && abs(sorted[best + 1] - goal) < abs(sorted[best] - goal) { best += 1 }
            if abs(end - goal) < abs(sorted[best] - goal) { break }  // the end itself is the nearest boundary
            starts.append(sorted[best])
            i = best + 1
        }
        if starts.count > 1 && end - starts[starts.count - 1] < step / 4 { starts.removeLast() }
        return SegmentPlan(timescale: timescale, starts: starts, end: max(end, starts[starts.count - 1] + 1))
    }

    /// The same plan in another timescale (boundaries rescaled, rounded down).
    public func rescaled(to other: UInt32) -> SegmentPlan {
        func convert(_ t: Int64) -> Int64 { SafeTime.rescale(t, from: Int64(timescale), to: Int64(other)) }
        return SegmentPlan(timescale: other, starts: starts.map(convert), end: convert(end))
    }

    /// Whether every boundary is a sync-sample time of `track` (aligned renditions share a plan).
    public func fits(_ track: PackagedTrack) -> Bool {
        let keyframes = Set(track.syncSamples().map(track.presentationTime))
        return rescaled(to: track.timescale).starts.dropFirst().allSatisfy { keyframes.contains($0) }
    }
}
