import MP4Box

/// One track laid out for fragmented output: its samples in decode order with
/// decode and presentation times as FFmpeg presents the source (edit lists
/// applied), moved later as a whole only as far as needed for no time to be
/// negative (`delay`). `MediaSet` then delays every track of a video by the
/// same time, so their offsets stay the source's. Audio frames that the edit
/// list drops entirely (encoder priming) are left out; video starts at its
/// first keyframe, and frames that an edit list hides before the first frame
/// it shows (still needed to decode the frames after them) are presented one
/// tick each just before that frame.
public struct PackagedTrack: Sendable {
    public enum Kind: String, Sendable { case video, audio }

    /// Name in URLs (`/cmaf/<video>/<name>/…`) and playlists.
    public internal(set) var name: String
    public let kind: Kind
    public let track: Track
    public let sourcePath: String
    public var timescale: UInt32 { track.timescale }
    public var codec: String { track.codecString }

    /// Per output sample, in decode order.
    public internal(set) var sampleIndexes: [Int32]
    public internal(set) var decodeTimes: [Int64]
    public internal(set) var compositionOffsets: [Int32]
    /// Presentation time just after the last sample.
    public internal(set) var endTime: Int64
    /// How far every time was moved later than FFmpeg presents it (in this timescale).
    public internal(set) var delay: Int64
    /// Leading frames hidden by the edit list, presented one tick each before the first shown frame.
    public internal(set) var hiddenLeadingFrames: Int

    static let playableCodecs = ["avc1", "avc3", "hvc1", "hev1", "av01", "vp09", "mp4a", "ac-3", "ec-3", "Opus"]

    public init(name: String, kind: Kind, track: Track, movieTimescale: UInt32, sourcePath: String) throws(PackagerError) {
        guard let entry = track.sampleEntry, Self.playableCodecs.contains(entry.format.description) else {
            throw .unsupportedCodec(file: sourcePath, codec: track.codecString)
        }
        self.name = name
        self.kind = kind
        self.track = track
        self.sourcePath = sourcePath
        let samples = track.samples
        let timeline = PresentationTimeline(track: track, movieTimescale: movieTimescale)
        // One pass: keep what plays. Audio drops what the edit list discards (priming);
        // video starts at its first keyframe and keeps frames needed to decode others.
        var indexes: [Int32] = [], dts: [Int64] = [], pts: [Int64] = [], discarded: [Bool] = []
        indexes.reserveCapacity(timeline.count); dts.reserveCapacity(timeline.count); pts.reserveCapacity(timeline.count)
        if kind == .video { discarded.reserveCapacity(timeline.count) }
        var overflow = false, anyDiscarded = false
        // A plain loop (this runs for every sample of a video's first request): no closure state.
        for p in timeline {
            if kind == .audio && p.discard { continue }
            if kind == .video && indexes.isEmpty && !samples.isSync(at: p.sampleIndex) { continue }
            if p.sampleIndex > Int(Int32.max) { overflow = true; continue }
            indexes.append(Int32(truncatingIfNeeded: p.sampleIndex)); dts.append(p.dts); pts.append(p.pts)
            if kind == .video { discarded.append(p.discard); anyDiscarded = anyDiscarded || p.discard }
        }
        guard !indexes.isEmpty, !overflow else { throw .brokenTrack(file: sourcePath, reason: "track \(track.id) has no samples to present") }
        // Times beyond ±2^60 (a tfdt near 2^63, wrapped sums of absurd durations) are refused,
        // so that every shift and sum below and in the packager stays inside 64 bits.
        var minDTS = Int64.max, minPTS = Int64.max
        for k in 0..<dts.count {
            guard SafeTime.admits(dts[k]) && SafeTime.admits(pts[k]) else {
                throw .brokenTrack(file: sourcePath, reason: "track \(track.id): sample times beyond ±2^60 in its timescale")
            }
            minDTS = min(minDTS, dts[k]); minPTS = min(minPTS, pts[k])
        }
        hiddenLeadingFrames = anyDiscarded ? Self.squeezeHiddenLeadingFrames(pts: &pts, discarded: discarded) : 0
        if hiddenLeadingFrames > 0 { minPTS = pts.min() ?? minPTS }
        // Decode times of 0 or later (a tfdt cannot be negative) and presentation times too:
        // the whole track moves later, decode and presentation times together.
        let shift = max(0, -minDTS, -minPTS)
        var offsets: [Int32] = []
        offsets.reserveCapacity(indexes.count)
        for k in 0..<indexes.count {
            dts[k] += shift
            pts[k] += shift
            let offset = pts[k] - dts[k]
            guard offset >= Int64(Int32.min), offset <= Int64(Int32.max) else {
                throw .brokenTrack(file: sourcePath, reason: "track \(track.id): composition offset \(offset) does not fit in 32 bits")
            }
            offsets.append(Int32(offset))
        }
        let last = pts.indices.max { pts[$0] < pts[$1] } ?? 0
        sampleIndexes = indexes
        decodeTimes = dts
        compositionOffsets = offsets
        let end = PresentationTimeline.presentationEnd(times: pts, lastDuration: Int64(samples.duration(at: Int(indexes[last]))),
                                                       reordered: offsets.contains { $0 != 0 })
        endTime = min(max(end, pts[last]), 1 << 62)  // times are within [0, 2^61] here; the end stays in reach
        delay = shift
    }

    /// Gives the frames an edit list hides before the first frame it shows (kept because
    /// later frames need them to decode) the presentation times just before that frame, one
    /// tick apart in their own order: no player shows them for longer than a tick, and the
    /// track starts where the edit list starts it. Returns how many there are.
    static func squeezeHiddenLeadingFrames(pts: inout [Int64], discarded: [Bool]) -> Int {
        guard let firstShown = zip(pts, discarded).filter({ !$0.1 }).map(\.0).min() else { return 0 }
        let hidden = pts.indices.filter { discarded[$0] && pts[$0] < firstShown }.sorted { pts[$0] < pts[$1] }
        for (rank, i) in hidden.enumerated() { pts[i] = firstShown - Int64(hidden.count - rank) }
        return hidden.count
    }

    /// The same track under another name.
    public func renamed(_ name: String) -> PackagedTrack {
        var copy = self
        copy.name = name
        return copy
    }

    /// The same track moved `ticks` later (to line up with the other tracks of its video).
    func delayed(by ticks: Int64) -> PackagedTrack {
        guard ticks > 0 else { return self }
        var copy = self
        copy.decodeTimes = decodeTimes.map { $0 + ticks }
        copy.endTime += ticks
        copy.delay += ticks
        return copy
    }

    public var count: Int { sampleIndexes.count }
    public func isSync(_ i: Int) -> Bool { track.samples.isSync(at: Int(sampleIndexes[i])) }
    public func presentationTime(_ i: Int) -> Int64 { decodeTimes[i] + Int64(compositionOffsets[i]) }

    /// Duration of output sample `i`: up to the next decode time (the last keeps its own).
    public func duration(_ i: Int) -> UInt32 {
        if i + 1 < count { return UInt32(clamping: decodeTimes[i + 1] - decodeTimes[i]) }
        return track.samples.duration(at: Int(sampleIndexes[i]))
    }

    public var firstPresentationTime: Int64 { (0..<min(count, 64)).map(presentationTime).min() ?? 0 }
}
