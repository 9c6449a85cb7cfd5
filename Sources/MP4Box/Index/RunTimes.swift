/// The times of stored samples presented as one run (`PresentedRun`'s rule: decode time
/// moved by `dtsShift`, presented `offsetShift + compositionOffset` later below
/// `offsetCoverage`), worked out straight from the index's columns. These are the loops
/// that a first request runs over every sample of a long video (lay-out, segment plan,
/// segment boundaries), so they read the arrays through pointers, a branch per column
/// instead of per sample.
public struct RunTimes: Sendable {
    public let samples: SampleIndex
    public let dtsShift: Int64
    public let offsetShift: Int64
    public let offsetCoverage: Int

    public init(samples: SampleIndex, dtsShift: Int64, offsetShift: Int64, offsetCoverage: Int) {
        self.samples = samples
        self.dtsShift = dtsShift
        self.offsetShift = offsetShift
        self.offsetCoverage = offsetCoverage
    }

    public init(samples: SampleIndex, run: PresentedRun) {
        self.init(samples: samples, dtsShift: run.dtsShift, offsetShift: run.offsetShift, offsetCoverage: run.offsetCoverage)
    }

    /// Presentation minus decode time of stored sample `s` (wrapping).
    @inline(__always) public func offset(_ s: Int) -> Int64 {
        s < offsetCoverage ? offsetShift &+ Int64(samples.compositionOffset(at: s)) : 0
    }

    @inline(__always) public func decodeTime(_ s: Int) -> Int64 { samples.dts(at: s) &+ dtsShift }
    @inline(__always) public func presentationTime(_ s: Int) -> Int64 { decodeTime(s) &+ offset(s) }

    /// What a lay-out checks and keeps of samples `range` (not empty, inside the index).
    public struct Extent: Sendable {
        public var minDTS = Int64.max, maxDTS = Int64.min
        public var minPTS = Int64.max, maxPTS = Int64.min
        public var minOffset = Int64.max, maxOffset = Int64.min
        /// The two latest presentation times, and the first sample presented at the latest.
        public var latest = LatestTimes()
        public var lastPresented = 0
    }

    /// The extent of samples `range`: from its ends when presentation times are in order
    /// over it (`inOrderOffset`), else in one pass.
    public func extent(_ range: Range<Int>) -> Extent {
        let range = range.clamped(to: 0..<samples.count)
        guard let offset = inOrderOffset(range) else { return scannedExtent(range) }
        var e = Extent()
        (e.minDTS, e.maxDTS) = (decodeTime(range.lowerBound), decodeTime(range.upperBound - 1))
        (e.minPTS, e.maxPTS) = (e.minDTS &+ offset, e.maxDTS &+ offset)
        (e.minOffset, e.maxOffset) = (offset, offset)
        // As the pass keeps them: the first sample presented at the latest time, and the time before it.
        e.lastPresented = bisect(range, offset: offset, atOrAfter: e.maxPTS)
        if e.lastPresented > range.lowerBound { e.latest.add(decodeTime(e.lastPresented - 1) &+ offset) }
        e.latest.add(e.maxPTS)
        return e
    }

    /// The offset every sample of `range` is presented after its decode time, when it is one
    /// offset and no time wraps: then presentation times never go back over `range`, since
    /// decode times never do (durations are unsigned, and an index file's are checked) and a
    /// track's span (under 2^31 samples of under 2^32 ticks) cannot wrap twice. Nil otherwise, and
    /// for an empty range. Audio and video without reordered frames are such tracks: their lay-out
    /// and segment boundaries then take the ends and bisections instead of a walk over every sample.
    func inOrderOffset(_ range: Range<Int>) -> Int64? {
        guard !range.isEmpty, !samples.hasCompositionOffsets else { return nil }
        let offset: Int64
        if range.upperBound <= offsetCoverage { offset = offsetShift }
        else if range.lowerBound >= offsetCoverage || offsetShift == 0 { offset = 0 }
        else { return nil }
        let first = samples.dts(at: range.lowerBound), last = samples.dts(at: range.upperBound - 1)
        guard first <= last else { return nil }
        for t in [first, last] {
            let (moved, o1) = t.addingReportingOverflow(dtsShift)
            guard !o1, !moved.addingReportingOverflow(offset).overflow else { return nil }
        }
        return offset
    }

    /// The first sample of `range` presented at `time` or later, times being in order over it.
    private func bisect(_ range: Range<Int>, offset: Int64, atOrAfter time: Int64) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = low + (high - low) / 2
            if decodeTime(mid) &+ offset < time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The sync samples in `range`, in order.
    public func syncSamples(_ range: Range<Int>) -> [Int] {
        let range = range.clamped(to: 0..<samples.count)
        var found: [Int] = []
        samples.sizeAndSync.withUnsafeBufferPointer { flags in
            for s in range where flags[s] & SampleIndex.syncBit != 0 { found.append(s) }
        }
        return found
    }

    /// The first sample of `range` presented at `time` or later (`range.upperBound` if none).
    public func firstSample(_ range: Range<Int>, presentedAtOrAfter time: Int64) -> Int {
        let range = range.clamped(to: 0..<samples.count)
        if let offset = inOrderOffset(range) { return bisect(range, offset: offset, atOrAfter: time) }
        return scannedFirstSample(range, presentedAtOrAfter: time)
    }

    /// `extent` and `firstSample` by a pass over every sample (what a range out of order
    /// needs; tests compare the ends and bisections with them).
    func scannedExtent(_ range: Range<Int>) -> Extent {
        visitColumns(ExtentScan(range: range.clamped(to: 0..<samples.count), coverage: offsetCoverage, shift: offsetShift))
    }

    func scannedFirstSample(_ range: Range<Int>, presentedAtOrAfter time: Int64) -> Int {
        visitColumns(FirstSampleScan(range: range.clamped(to: 0..<samples.count), coverage: offsetCoverage, shift: offsetShift, time: time))
    }

    /// Runs `scan` over the decode times (shifted) and composition offsets as columns of the
    /// kind the index has, so that each of the four combinations is a loop of its own.
    private func visitColumns<S: ColumnScan>(_ scan: S) -> S.Result {
        samples.withColumns { times, offsets in
            let start = samples.startDTS &+ dtsShift, step = Int64(samples.uniform)
            switch (times.isEmpty, samples.timeRuns.isEmpty, offsets.isEmpty) {
            case (true, true, true): return scan.run(UniformTimes(start: start, step: step), NoOffsets())
            case (true, true, false): return scan.run(UniformTimes(start: start, step: step), ListedOffsets(values: offsets))
            case (true, false, true): return scan.run(TimesByRun(cursor: SampleIndex.TimeCursor(samples), shift: dtsShift), NoOffsets())
            case (true, false, false): return scan.run(TimesByRun(cursor: SampleIndex.TimeCursor(samples), shift: dtsShift), ListedOffsets(values: offsets))
            case (false, _, true): return scan.run(ListedTimes(values: times, shift: dtsShift), NoOffsets())
            case (false, _, false): return scan.run(ListedTimes(values: times, shift: dtsShift), ListedOffsets(values: offsets))
            }
        }
    }
}

/// A loop over samples given their decode times and composition offsets as columns.
private protocol ColumnScan {
    associatedtype Result
    func run<Times: TimeColumn, Offsets: TimeColumn>(_ times: Times, _ offsets: Offsets) -> Result
}

private struct ExtentScan: ColumnScan {
    let range: Range<Int>, coverage: Int, shift: Int64

    func run<Times: TimeColumn, Offsets: TimeColumn>(_ times: Times, _ offsets: Offsets) -> RunTimes.Extent {
        var times = times, offsets = offsets
        var e = RunTimes.Extent()
        e.lastPresented = range.lowerBound
        for s in range {
            let dts = times.value(s)
            let offset = s < coverage ? shift &+ offsets.value(s) : 0
            let pts = dts &+ offset
            e.minDTS = min(e.minDTS, dts); e.maxDTS = max(e.maxDTS, dts)
            e.minPTS = min(e.minPTS, pts); e.maxPTS = max(e.maxPTS, pts)
            e.minOffset = min(e.minOffset, offset); e.maxOffset = max(e.maxOffset, offset)
            if pts > e.latest.last { e.lastPresented = s }
            e.latest.add(pts)
        }
        return e
    }
}

private struct FirstSampleScan: ColumnScan {
    let range: Range<Int>, coverage: Int, shift: Int64, time: Int64

    func run<Times: TimeColumn, Offsets: TimeColumn>(_ times: Times, _ offsets: Offsets) -> Int {
        var times = times, offsets = offsets
        for s in range where times.value(s) &+ (s < coverage ? shift &+ offsets.value(s) : 0) >= time { return s }
        return range.upperBound
    }
}

/// A per-sample value read by the loops above (callers keep `s` inside the index; mostly in order).
private protocol TimeColumn {
    mutating func value(_ s: Int) -> Int64
}

private struct UniformTimes: TimeColumn {
    let start: Int64, step: Int64
    @inline(__always) func value(_ s: Int) -> Int64 { start &+ Int64(s) &* step }
}

private struct ListedTimes: TimeColumn {
    let values: UnsafeBufferPointer<Int64>
    let shift: Int64
    @inline(__always) func value(_ s: Int) -> Int64 { values[s] &+ shift }
}

/// Times kept as runs, read through a cursor that keeps the run at hand.
private struct TimesByRun: TimeColumn {
    var cursor: SampleIndex.TimeCursor
    let shift: Int64
    @inline(__always) mutating func value(_ s: Int) -> Int64 { cursor.dts(at: s) &+ shift }
}

private struct NoOffsets: TimeColumn {
    @inline(__always) func value(_ s: Int) -> Int64 { 0 }
}

private struct ListedOffsets: TimeColumn {
    let values: UnsafeBufferPointer<Int32>
    @inline(__always) func value(_ s: Int) -> Int64 { Int64(values[s]) }
}

extension SampleIndex {
    /// The decode times (empty when uniform: then `startDTS + i × uniform`, or when kept as
    /// runs) and the composition offsets (empty when all are 0) as buffers.
    func withColumns<R>(_ body: (UnsafeBufferPointer<Int64>, UnsafeBufferPointer<Int32>) -> R) -> R {
        decodeTimes.withUnsafeBufferPointer { times in compositionOffsets.withUnsafeBufferPointer { offsets in body(times, offsets) } }
    }
}
