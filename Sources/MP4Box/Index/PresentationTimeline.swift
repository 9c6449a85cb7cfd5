/// A sample as a demuxer hands it out after the edit list: which stored sample,
/// its decode and presentation times on the presentation timeline (media
/// timescale), and whether the decoder should drop its output because it
/// falls outside the edit (it is still needed to decode its neighbours).
public struct PresentedSample: Equatable, Sendable {
    public var sampleIndex: Int
    public var dts: Int64
    public var pts: Int64
    public var discard: Bool
}

/// The track's samples as FFmpeg's MP4 demuxer presents them after applying the
/// edit list (`mov_fix_index` in libavformat 5.1 with `advanced_editlist` on):
/// empty edits delay the track, `media_time` skips into the media, samples
/// outside an edit are kept only where needed to decode (from the previous
/// keyframe, or one second earlier for audio) and marked discard, a partly
/// covered first audio frame is kept and its time moved back, and video times
/// are shifted so the first presented frame is at zero. Kept as a few ranges
/// over the sample index rather than a copy of it.
public struct PresentationTimeline: Sendable {
    struct Range: Sendable {
        var samples: Swift.Range<Int>
        /// Added to the stored decode time; nil when `constantDTS` applies.
        var dtsOffset: Int64?
        /// FFmpeg gives every sample of an edit that presents nothing the same time.
        var constantDTS: Int64
        var mediaStart: Int64
        var mediaEnd: Int64
        var partialSample: Int?
        /// The first and last sample the edit shows (not discarded), -1 when none, and whether a
        /// discarded sample lies between shown ones: noted while the range is built, so
        /// `presentedRun` needs no second pass over the samples.
        var firstShown = -1, lastShown = -1
        var discardBetweenShown = false
        var discardAfterShown = false

        /// Notes whether sample `i` (the next in order) is shown.
        mutating func note(_ i: Int, shown: Bool) {
            if !shown {
                discardAfterShown = firstShown >= 0
                return
            }
            if discardAfterShown { discardBetweenShown = true }
            if firstShown < 0 { firstShown = i }
            lastShown = i
        }
    }

    let track: Track
    var ranges: [Range] = []
    /// Subtracted from every time at the end (video only).
    var finalShift: Int64 = 0
    /// Whether the edit list was applied (false: samples are presented as stored).
    public private(set) var usesEditList = false
    /// Presentation time of the first sample: the total of leading empty edits.
    public private(set) var startTime: Int64 = 0
    let movieTimescale: UInt32

    // Arithmetic on times here wraps instead of trapping: every value comes from the file,
    // and a hostile file must get nonsense times, never a crash of the origin.

    public init(track: Track, movieTimescale: UInt32) {
        self.track = track
        self.movieTimescale = movieTimescale
        let n = track.samples.count
        guard let edits = track.editList?.entries, !edits.isEmpty, n > 0, !track.samplesFromFragments else {
            // Fragments keep their decode times; sample tables have them shifted back by the composition shift.
            ranges = [Range(samples: 0..<n, dtsOffset: track.samplesFromFragments ? track.compositionShift : 0, constantDTS: 0,
                            mediaStart: .min, mediaEnd: .max, partialSample: nil)]
            return
        }
        usesEditList = true
        build(edits: edits)
    }

        private mutating func build(edits: [EditListBox.Entry]) {
        let samples = track.samples
        let n = samples.count
        let shift = track.compositionShift
        let isAudio = track.mediaType == .audio
        let isVideo = track.mediaType == .video
        let hasCtts = track.hasCompositionTable
        let coverage = track.compositionCoverage
        let mediaTimescale = Int64(track.timescale)
        guard movieTimescale > 0 else { return }  // FFmpeg: no samples at all

        // Decode times as FFmpeg keeps them (the index finds any at once).
        var raw = RawTimes(samples: samples, shift: shift)
        func ctts(_ i: Int) -> Int64 { hasCtts && i < coverage ? Int64(samples.compositionOffset(at: i)) : 0 }

        var entryEnd: Int64 = shift > 0 ? 0 &- shift : 0
        var emptySum: Int64 = 0
        var foundNonEmpty = false
        var firstAudioEdit = -1
        var minCorrectedPTS: Int64 = -1
        for edit in edits {
            let mediaTime = edit.mediaTime
            var duration = rescale(Int64(clamping: edit.segmentDuration), mediaTimescale, Int64(movieTimescale))
            if duration.addingReportingOverflow(mediaTime).overflow { duration = 0 }
            var counter = entryEnd
            let (sum, overflow) = entryEnd.addingReportingOverflow(duration)
            entryEnd = overflow ? .max : sum
            if entryEnd == .max { break }
            if !foundNonEmpty && mediaTime == -1 { emptySum &+= duration; continue }
            foundNonEmpty = true
            if isAudio { firstAudioEdit = firstAudioEdit < 0 ? 1 : 0 }

            var search = mediaTime
            if isAudio { search = Swift.max(search &- mediaTimescale, raw.at(0)) }
            var start = findPreviousKeyframe(search, any: false, raw: raw, ctts: ctts)
            if start < 0 { start = findPreviousKeyframe(search, any: true, raw: raw, ctts: ctts) }
            if start < 0 { start = 0 }

            let mediaEnd = duration &+ mediaTime
            var range = Range(samples: start..<start, dtsOffset: nil, constantDTS: counter,
                              mediaStart: mediaTime, mediaEnd: mediaEnd, partialSample: nil)
            var startEncountered = false
            var keyAfterEdit = false
            var i = start
            while i < n {
                let rawDTS = raw.at(i)
                let frameDuration = i + 1 < n ? raw.at(i + 1) &- rawDTS : duration
                let c = ctts(i)
                let cts = rawDTS &+ shift &+ c
                if cts < mediaTime || cts >= mediaEnd {
                    if isAudio && cts < mediaTime && cts &+ frameDuration > mediaTime && firstAudioEdit > 0 && range.partialSample == nil {
                        counter = counter &- (mediaTime &- cts)
                        range.partialSample = i
                        if !startEncountered { startEncountered = true; range.dtsOffset = counter &- rawDTS }
                    }
                    range.note(i, shown: i == range.partialSample)
                } else {
                    range.note(i, shown: true)
                    let corrected = counter &+ c &+ shift
                    minCorrectedPTS = minCorrectedPTS < 0 ? corrected : Swift.min(minCorrectedPTS, corrected)
                    if !startEncountered { startEncountered = true; range.dtsOffset = counter &- rawDTS }
                }
                range.samples = start..<(i + 1)
                if startEncountered { counter &+= frameDuration }
                if cts &+ frameDuration >= mediaEnd && (samples.isSync(at: i) || isAudio) {
                    if hasCtts && !isAudio && !keyAfterEdit { keyAfterEdit = true; i += 1; continue }
                    break
                }
                i += 1
            }
            if !range.samples.isEmpty { ranges.append(range) }
        }
        minCorrectedPTS = minCorrectedPTS &- emptySum
        if isVideo && minCorrectedPTS > 0 { finalShift = minCorrectedPTS }
        startTime = emptySum
    }

    /// FFmpeg's `find_prev_closest_index`: the last keyframe at or before `target`
    /// (a presentation time), refined with composition offsets; -1 if none.
    private func findPreviousKeyframe(_ target: Int64, any: Bool, raw: RawTimes, ctts: (Int) -> Int64) -> Int {
        var raw = raw
        let samples = track.samples
        let n = samples.count
        let ts = track.compositionShift > 0 ? target &- track.compositionShift : target
        var a = -1, b = n
        if n > 0 && raw.at(n - 1) < ts { a = n - 1 }
        while b - a > 1 {
            let m = (a + b) >> 1
            if raw.at(m) >= ts { b = m }
            if raw.at(m) <= ts { a = m }
        }
        var m = a
        if !any { while m >= 0 && !samples.isSync(at: m) { m -= 1 } }
        if m >= 0 {
            var i = m
            while i > 0 && raw.at(i) == raw.at(i - 1) {
                if any || samples.isSync(at: i - 1) { m = i - 1 }
                i -= 1
            }
        }
        if track.hasCompositionTable && m >= 0 {
            var c = Swift.min(m, track.compositionCoverage)
            while m >= 0 && c >= 0 && c < track.compositionCoverage {
                if raw.at(m) &+ Int64(samples.compositionOffset(at: c)) <= ts && samples.isSync(at: m) { break }
                m -= 1
                c -= 1
            }
        }
        return m
    }

    /// Stored decode times less the composition shift.
    /// Decode times less the composition shift, read through a cursor (the build walks them in order).
    struct RawTimes {
        var times: SampleIndex.TimeCursor
        let shift: Int64
        init(samples: SampleIndex, shift: Int64) {
            times = SampleIndex.TimeCursor(samples)
            self.shift = shift
        }
        mutating func at(_ i: Int) -> Int64 { times.dts(at: i) &- shift }
    }

    /// Calls `body` with every presented sample in demux order.
    public func forEach(_ body: (PresentedSample) -> Void) {
        for p in self { body(p) }
    }

    /// All presented samples (for tools and tests; the packager iterates).
    public var all: [PresentedSample] {
        var result: [PresentedSample] = []
        forEach { result.append($0) }
        return result
    }

    /// Number of presented samples.
    public var count: Int { ranges.reduce(0) { $0 + $1.samples.count } }

    /// Presentation length in seconds: the edit list's total, or the samples' decode span.
    public var durationSeconds: Double {
        if usesEditList, movieTimescale > 0, let edits = track.editList?.entries {
            return Double(edits.reduce(UInt64(0)) { $0 &+ $1.segmentDuration }) / Double(movieTimescale)
        }
        guard track.timescale > 0 else { return 0 }
        return Double(track.samples.endDTS &- track.samples.startDTS) / Double(track.timescale)
    }
}

extension PresentationTimeline: Sequence {
    /// The presented samples in demux order, one at a time: a plain loop over them
    /// (the packager's lay-out of every sample) needs no closure around its state.
    public struct Iterator: IteratorProtocol {
        let timeline: PresentationTimeline
        let samples: SampleIndex
        let hasCtts: Bool
        var rangeIndex = 0
        var range: Range?
        var i = 0, end = 0
        var dts: Int64 = 0
        /// The index's times, read in order.
        var times: SampleIndex.TimeCursor

        public mutating func next() -> PresentedSample? {
            while i >= end || range == nil {
                guard rangeIndex < timeline.ranges.count else { return nil }
                let r = timeline.ranges[rangeIndex]
                rangeIndex += 1
                guard !r.samples.isEmpty else { continue }
                range = r
                i = r.samples.lowerBound
                end = r.samples.upperBound
                dts = times.dts(at: i)
            }
            guard let range else { return nil }
            let track = timeline.track
            let rawTS = dts &- track.compositionShift
            let outDTS = (range.dtsOffset.map { rawTS &+ $0 } ?? range.constantDTS) &- timeline.finalShift
            let c = Int64(samples.compositionOffset(at: i))
            let pts = hasCtts && i < track.compositionCoverage ? outDTS &+ track.compositionShift &+ c : outDTS
            let cts = rawTS &+ track.compositionShift &+ c
            let discard = (cts < range.mediaStart || cts >= range.mediaEnd) && i != range.partialSample
            let presented = PresentedSample(sampleIndex: i, dts: outDTS, pts: pts, discard: discard)
            dts &+= Int64(times.duration(at: i))
            i += 1
            return presented
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(timeline: self, samples: track.samples, hasCtts: track.hasCompositionTable || track.samples.hasCompositionOffsets,
                 times: SampleIndex.TimeCursor(track.samples))
    }
}

/// `av_rescale`: value * b / c rounded to nearest, halves away from zero, without overflow for common values.
func rescale(_ value: Int64, _ b: Int64, _ c: Int64) -> Int64 {
    guard c > 0 else { return 0 }
    let product = value.multipliedFullWidth(by: b)
    let negative = value < 0
    let magnitude = (high: negative ? ~product.high : product.high, low: negative ? ~product.low &+ 1 : product.low)
    let adjusted = magnitude.low.addingReportingOverflow(UInt64(c / 2))
    let high = magnitude.high &+ (adjusted.overflow ? 1 : 0)
    guard UInt64(bitPattern: high) < UInt64(c) else { return negative ? .min : .max }
    let (q, _) = UInt64(c).dividingFullWidth((UInt64(bitPattern: high), adjusted.partialValue))
    guard q <= UInt64(Int64.max) else { return negative ? .min : .max }
    return negative ? -Int64(bitPattern: q) : Int64(bitPattern: q)
}

extension PresentationTimeline {
    /// The end of a track's presentation: its largest presentation time plus that frame's
    /// own duration. With reordered frames (B-frames) a sample's decode-order gap says
    /// nothing about how long it shows (a variable-frame-rate file can put a two-second
    /// decode gap on a frame near the end), so the last frame lasts as long as the one
    /// before it in presentation order; without reordering, its own sample duration.
    public static func presentationEnd(times: [Int64], lastDuration: Int64, reordered: Bool) -> Int64 {
        var latest = LatestTimes()
        for t in times { latest.add(t) }
        return latest.end(lastDuration: lastDuration, reordered: reordered)
    }
}

/// The latest and the second latest distinct presentation times of a track, gathered
/// one time at a time (`PresentationTimeline.presentationEnd` without an array of times).
public struct LatestTimes: Sendable {
    public private(set) var last = Int64.min, previous = Int64.min

    public init() {}

    @inline(__always) public mutating func add(_ t: Int64) {
        if t > last { previous = last; last = t } else if t > previous && t < last { previous = t }
    }

    /// The end of the presentation (see `PresentationTimeline.presentationEnd`).
    public func end(lastDuration: Int64, reordered: Bool) -> Int64 {
        guard last != .min else { return 0 }
        if reordered && previous != .min { return last &+ (last &- previous) }
        return last &+ lastDuration
    }
}

/// The presented samples when they are one run of stored samples whose decode times are
/// the stored ones moved by one constant (no edit list, or one edit that starts the media
/// somewhere): then a packager can work out every sample's times from the index alone.
public struct PresentedRun: Equatable, Sendable {
    /// The stored samples presented, in order; none of them discarded.
    public var samples: Range<Int>
    /// Added to a stored sample's decode time (`SampleIndex.dts(at:)`, wrapping) for its presented one.
    public var dtsShift: Int64
    /// Stored sample `s` is presented `offsetShift + compositionOffset(at: s)` after its decode
    /// time when `s < offsetCoverage`, at its decode time otherwise.
    public var offsetShift: Int64
    public var offsetCoverage: Int
    /// Discarded samples just before and just after `samples` (audio priming, frames past the edit).
    public var discardedBefore: Int
    public var discardedAfter: Int
}

extension PresentationTimeline {
    /// The presented samples as one `PresentedRun`, or nil when they are not one (several
    /// edits, an edit that presents nothing, discarded samples between presented ones).
    public func presentedRun() -> PresentedRun? {
        let nonEmpty = ranges.filter { !$0.samples.isEmpty }
        guard nonEmpty.count == 1, let range = nonEmpty.first, let dtsOffset = range.dtsOffset else { return nil }
        let samples = track.samples
        let shift = track.compositionShift
        let hasCtts = track.hasCompositionTable || samples.hasCompositionOffsets
        var kept = range.samples
        var before = 0, after = 0
        if range.mediaStart != .min || range.mediaEnd != .max {
            // As the iterator decides (discarded when its composition time is outside the
            // edit), noted while the range was built.
            let first = range.firstShown, last = range.lastShown
            guard first >= 0, !range.discardBetweenShown else { return nil }
            kept = first..<(last + 1)
            before = first - range.samples.lowerBound
            after = range.samples.upperBound - kept.upperBound
        }
        return PresentedRun(samples: kept, dtsShift: dtsOffset &- shift &- finalShift, offsetShift: shift,
                            offsetCoverage: hasCtts ? track.compositionCoverage : 0, discardedBefore: before, discardedAfter: after)
    }
}
