import MP4Box

/// One track laid out for fragmented output: its samples in decode order with
/// non-negative decode times and composition offsets that keep every
/// presentation time as FFmpeg presents the source (edit lists applied, first
/// video frame at 0). Audio frames that the edit list drops entirely
/// (encoder priming) are left out.
public struct PackagedTrack: Sendable {
    public enum Kind: String, Sendable { case video, audio }

    /// Name in URLs (`/cmaf/<video>/<name>/…`) and playlists.
    public let name: String
    public let kind: Kind
    public let track: Track
    public let sourcePath: String
    public var timescale: UInt32 { track.timescale }
    public var codec: String { track.codecString }

    /// Per output sample, in decode order.
    public let sampleIndexes: [Int32]
    public let decodeTimes: [Int64]
    public let compositionOffsets: [Int32]
    /// Presentation time just after the last sample.
    public let endTime: Int64

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
        var indexes: [Int32] = [], dts: [Int64] = [], pts: [Int64] = []
        indexes.reserveCapacity(timeline.count); dts.reserveCapacity(timeline.count); pts.reserveCapacity(timeline.count)
        var overflow = false
        timeline.forEach { p in
            if kind == .audio && p.discard { return }
            if kind == .video && indexes.isEmpty && !samples.isSync(at: p.sampleIndex) { return }
            if p.sampleIndex > Int(Int32.max) { overflow = true; return }
            indexes.append(Int32(p.sampleIndex)); dts.append(p.dts); pts.append(p.pts)
        }
        guard !indexes.isEmpty, !overflow else { throw .brokenTrack(file: sourcePath, reason: "track \(track.id) has no samples to present") }
        // Times beyond ±2^60 (a tfdt near 2^63, wrapped sums of absurd durations) are refused,
        // so that every shift and sum below and in the packager stays inside 64 bits.
        guard zip(dts, pts).allSatisfy({ SafeTime.admits($0) && SafeTime.admits($1) }) else {
            throw .brokenTrack(file: sourcePath, reason: "track \(track.id): sample times beyond ±2^60 in its timescale")
        }
        // Decode times start at 0 or later; presentation times stay as presented
        // (an audio track that starts late keeps its delay), but never below 0.
        let minPTS = pts.min() ?? 0
        let ptsShift = minPTS < 0 ? -minPTS : 0
        let minDTS = dts.min() ?? 0
        let dtsShift = (minDTS + ptsShift) < 0 ? -(minDTS + ptsShift) : 0
        var offsets: [Int32] = []
        offsets.reserveCapacity(indexes.count)
        var end: Int64 = 0
        for k in 0..<indexes.count {
            dts[k] += ptsShift + dtsShift
            let p = pts[k] + ptsShift
            let offset = p - dts[k]
            guard offset >= Int64(Int32.min), offset <= Int64(Int32.max) else {
                throw .brokenTrack(file: sourcePath, reason: "track \(track.id): composition offset \(offset) does not fit in 32 bits")
            }
            offsets.append(Int32(offset))
            end = max(end, p + Int64(samples.duration(at: Int(indexes[k]))))
        }
        sampleIndexes = indexes
        decodeTimes = dts
        compositionOffsets = offsets
        endTime = end
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
