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
    /// Where the track's sample bytes are read: the MP4, or the track's data file (`TrackDataFile`)
    /// when its samples were placed there.
    public let sourcePath: String
    /// The MP4 the track is in (what a decoder opens: thumbnails).
    public let moviePath: String
    public var timescale: UInt32 { track.timescale }
    public var codec: String { track.codecString }

    /// Which stored sample each output sample is, and its times.
    var map: SampleMap
    /// Number of output samples.
    public internal(set) var count: Int
    /// Presentation time just after the last sample.
    public internal(set) var endTime: Int64
    /// How far every time was moved later than FFmpeg presents it (in this timescale).
    public internal(set) var delay: Int64
    /// Leading frames hidden by the edit list, presented one tick each before the first shown frame.
    public internal(set) var hiddenLeadingFrames: Int

    /// Output samples in decode order, mapped to the track's stored samples: either one run
    /// of them with times worked out from the index (the common case: no table of its own,
    /// so a 60-minute video's lay-out is quicker and 16 bytes a sample smaller), or listed
    /// one by one (edit lists that cut or repeat, hidden leading frames, clips).
    enum SampleMap: Sendable {
        /// Output sample i is stored sample `first + i`; see `PresentedRun` for the times.
        case run(first: Int, dtsShift: Int64, offsetShift: Int64, offsetCoverage: Int)
        case listed(indexes: [Int32], decodeTimes: [Int64], compositionOffsets: [Int32])
    }

    static let playableCodecs = ["avc1", "avc3", "hvc1", "hev1", "av01", "vp09", "mp4a", "ac-3", "ec-3", "Opus"]

    /// `runs: false` lists every sample even where one run would do (to test that both agree).
    /// `moviePath`: the MP4, when `sourcePath` is the track's data file.
    public init(name: String, kind: Kind, track: Track, movieTimescale: UInt32, sourcePath: String, moviePath: String? = nil,
                runs: Bool = true) throws(PackagerError) {
        guard let entry = track.sampleEntry, Self.playableCodecs.contains(entry.format.description) else {
            throw .unsupportedCodec(file: moviePath ?? sourcePath, codec: track.codecString)
        }
        self.name = name
        self.kind = kind
        self.track = track
        self.sourcePath = sourcePath
        self.moviePath = moviePath ?? sourcePath
        // A run known ahead (from an index file) is used only if it lies inside the index.
        let known = track.knownRun.flatMap { $0.samples.lowerBound >= 0 && $0.samples.upperBound <= track.samples.count ? $0 : nil }
        let timeline = known == nil ? PresentationTimeline(track: track, movieTimescale: movieTimescale) : nil
        // Audio drops what the edit list discards (priming); video keeps it (hidden frames).
        if runs, let run = known ?? timeline?.presentedRun(),
           kind == .audio || run.discardedBefore + run.discardedAfter == 0,
           let laidOut = try Self.layOut(run, kind: kind, track: track, file: self.moviePath) {
            (map, count, endTime, delay) = laidOut
            hiddenLeadingFrames = 0
            return
        }
        let samples = track.samples
        let presentation = timeline ?? PresentationTimeline(track: track, movieTimescale: movieTimescale)
        // One pass: keep what plays. Audio drops what the edit list discards (priming);
        // video starts at its first keyframe and keeps frames needed to decode others.
        var indexes: [Int32] = [], dts: [Int64] = [], pts: [Int64] = [], discarded: [Bool] = []
        indexes.reserveCapacity(presentation.count); dts.reserveCapacity(presentation.count); pts.reserveCapacity(presentation.count)
        if kind == .video { discarded.reserveCapacity(presentation.count) }
        var overflow = false, anyDiscarded = false
        // A plain loop (this runs for every sample of a video's first request): no closure state.
        for p in presentation {
            if kind == .audio && p.discard { continue }
            if kind == .video && indexes.isEmpty && !samples.isSync(at: p.sampleIndex) { continue }
            if p.sampleIndex > Int(Int32.max) { overflow = true; continue }
            indexes.append(Int32(truncatingIfNeeded: p.sampleIndex)); dts.append(p.dts); pts.append(p.pts)
            if kind == .video { discarded.append(p.discard); anyDiscarded = anyDiscarded || p.discard }
        }
        guard !indexes.isEmpty, !overflow else { throw Self.nothingToPresent(track, self.moviePath) }
        // Times beyond ±2^60 (a tfdt near 2^63, wrapped sums of absurd durations) are refused,
        // so that every shift and sum below and in the packager stays inside 64 bits.
        var minDTS = Int64.max, minPTS = Int64.max
        for k in 0..<dts.count {
            guard SafeTime.admits(dts[k]) && SafeTime.admits(pts[k]) else { throw Self.timesOutOfReach(track, self.moviePath) }
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
            guard let fits = Int32(exactly: offset) else { throw Self.offsetOutOfReach(track, self.moviePath, offset) }
            offsets.append(fits)
        }
        let last = pts.indices.max { pts[$0] < pts[$1] } ?? 0
        map = .listed(indexes: indexes, decodeTimes: dts, compositionOffsets: offsets)
        count = indexes.count
        let end = PresentationTimeline.presentationEnd(times: pts, lastDuration: Int64(samples.duration(at: Int(indexes[last]))),
                                                       reordered: offsets.contains { $0 != 0 })
        endTime = min(max(end, pts[last]), 1 << 62)  // times are within [0, 2^61] here; the end stays in reach
        delay = shift
    }

    /// The track as one run of stored samples: the same checks, shift and end as the listed
    /// lay-out, in one pass that stores nothing per sample. Nil when a video run has no keyframe.
    private static func layOut(_ run: PresentedRun, kind: Kind, track: Track, file: String)
        throws(PackagerError) -> (SampleMap, Int, Int64, Int64)? {
        let samples = track.samples
        var first = run.samples.lowerBound
        if kind == .video { while first < run.samples.upperBound && !samples.isSync(at: first) { first += 1 } }
        let kept = first..<run.samples.upperBound
        guard !kept.isEmpty else { return nil }
        guard kept.upperBound - 1 <= Int(Int32.max) else { throw nothingToPresent(track, file) }
        let e = RunTimes(samples: samples, run: run).extent(kept)
        guard [e.minDTS, e.maxDTS, e.minPTS, e.maxPTS].allSatisfy(SafeTime.admits) else { throw timesOutOfReach(track, file) }
        for offset in [e.minOffset, e.maxOffset] where Int32(exactly: offset) == nil { throw offsetOutOfReach(track, file, offset) }
        let (minDTS, minPTS, latest, lastSample, reordered) = (e.minDTS, e.minPTS, e.latest, e.lastPresented, e.minOffset != 0 || e.maxOffset != 0)
        let shift = max(0, -minDTS, -minPTS)
        let lastPTS = latest.last + shift
        let end = latest.end(lastDuration: Int64(samples.duration(at: lastSample)), reordered: reordered) + shift
        let map = SampleMap.run(first: first, dtsShift: run.dtsShift &+ shift, offsetShift: run.offsetShift, offsetCoverage: run.offsetCoverage)
        return (map, kept.count, min(max(end, lastPTS), 1 << 62), shift)
    }

    static func nothingToPresent(_ track: Track, _ file: String) -> PackagerError {
        .brokenTrack(file: file, reason: "track \(track.id) has no samples to present")
    }

    static func timesOutOfReach(_ track: Track, _ file: String) -> PackagerError {
        .brokenTrack(file: file, reason: "track \(track.id): sample times beyond ±2^60 in its timescale")
    }

    static func offsetOutOfReach(_ track: Track, _ file: String, _ offset: Int64) -> PackagerError {
        .brokenTrack(file: file, reason: "track \(track.id): composition offset \(offset) does not fit in 32 bits")
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
        switch map {
        case let .run(first, dtsShift, offsetShift, offsetCoverage):
            copy.map = .run(first: first, dtsShift: dtsShift &+ ticks, offsetShift: offsetShift, offsetCoverage: offsetCoverage)
        case let .listed(indexes, decodeTimes, compositionOffsets):
            copy.map = .listed(indexes: indexes, decodeTimes: decodeTimes.map { $0 + ticks }, compositionOffsets: compositionOffsets)
        }
        copy.endTime += ticks
        copy.delay += ticks
        return copy
    }

    /// The stored sample (in `track.samples`) that output sample `i` is.
    @inline(__always) public func sourceIndex(_ i: Int) -> Int {
        switch map {
        case let .run(first, _, _, _): first + i
        case let .listed(indexes, _, _): Int(indexes[i])
        }
    }

    public func decodeTime(_ i: Int) -> Int64 {
        switch map {
        case let .run(first, dtsShift, _, _): track.samples.dts(at: first + i) &+ dtsShift
        case let .listed(_, decodeTimes, _): decodeTimes[i]
        }
    }

    /// Decode times of output samples `range`, in order: one walk (a run of stored samples read
    /// through a cursor, not a search among the index's time runs for each sample).
    public func decodeTimes(_ range: Range<Int>) -> [Int64] {
        switch map {
        case let .run(first, dtsShift, _, _):
            var cursor = SampleIndex.TimeCursor(track.samples)
            return range.map { cursor.dts(at: first + $0) &+ dtsShift }
        case let .listed(_, decodeTimes, _): return Array(decodeTimes[range])
        }
    }

    /// Presentation time minus decode time of output sample `i` (checked to fit when laid out).
    public func compositionOffset(_ i: Int) -> Int32 {
        switch map {
        case let .run(first, _, offsetShift, offsetCoverage):
            first + i < offsetCoverage ? Int32(truncatingIfNeeded: offsetShift &+ Int64(track.samples.compositionOffset(at: first + i))) : 0
        case let .listed(_, _, compositionOffsets): compositionOffsets[i]
        }
    }

    /// When output sample i is stored sample `first + i`: `first` and the rule for its times.
    var run: (first: Int, times: RunTimes)? {
        guard case let .run(first, dtsShift, offsetShift, offsetCoverage) = map else { return nil }
        return (first, RunTimes(samples: track.samples, dtsShift: dtsShift, offsetShift: offsetShift, offsetCoverage: offsetCoverage))
    }

    /// The output samples that are sync samples, in order.
    public func syncSamples() -> [Int] {
        guard let (first, times) = run else { return (0..<count).filter(isSync) }
        return times.syncSamples(first..<first + count).map { $0 - first }
    }

    /// The first output sample from `i` on presented at `time` or later (`count` if none).
    public func firstSample(from i: Int, presentedAtOrAfter time: Int64) -> Int {
        guard let (first, times) = run else {
            var i = i
            while i < count && presentationTime(i) < time { i += 1 }
            return i
        }
        return times.firstSample(first + i..<first + count, presentedAtOrAfter: time) - first
    }

    public func isSync(_ i: Int) -> Bool { track.samples.isSync(at: sourceIndex(i)) }
    public func presentationTime(_ i: Int) -> Int64 { decodeTime(i) + Int64(compositionOffset(i)) }

    /// Duration of output sample `i`: up to the next decode time (the last keeps its own).
    public func duration(_ i: Int) -> UInt32 {
        if i + 1 < count { return UInt32(clamping: decodeTime(i + 1) - decodeTime(i)) }
        return track.samples.duration(at: sourceIndex(i))
    }

    public var firstPresentationTime: Int64 { (0..<min(count, 64)).map(presentationTime).min() ?? 0 }

    /// Bytes held for this track: its index and any per-sample lay-out.
    public var memoryBytes: Int {
        guard case let .listed(indexes, decodeTimes, compositionOffsets) = map else { return track.samples.memoryBytes }
        return track.samples.memoryBytes + indexes.capacity * 4 + decodeTimes.capacity * 8 + compositionOffsets.capacity * 4
    }

    /// The most negative composition offset, or 0.
    public var minimumCompositionOffset: Int32 { (0..<count).reduce(0) { min($0, compositionOffset($1)) } }
}
