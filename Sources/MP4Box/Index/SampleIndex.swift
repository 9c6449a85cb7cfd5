/// One sample as a packager sees it. Times are in the track's media timescale.
public struct Sample: Equatable, Sendable {
    public var offset: Int64
    public var size: UInt32
    public var dts: Int64
    public var duration: UInt32
    public var compositionOffset: Int32
    public var isSync: Bool
    public var pts: Int64 { dts + Int64(compositionOffset) }
}

/// The samples of one track in decode order, stored as parallel arrays so a
/// long movie costs about 12–24 bytes a sample: offset (8), size with the sync
/// flag in its top bit (4), composition offset (4, only when the track has
/// any) and decode time (8, only when samples differ in duration often: when
/// all last as long — constant frame rate video — a time is one multiplication,
/// and when they change now and then — audio whose last frame is shorter,
/// files joined end to end — a search among a few runs, as `stts` has them).
/// Any sample's decode time is found at once, so a packager can work out a
/// track's times from the index without a table of its own.
public struct SampleIndex: Sendable {
    public private(set) var offsets: [Int64] = []
    // Internal but inlinable from other modules: the packager reads these for every sample.
    @usableFromInline var sizeAndSync: [UInt32] = []
    /// Decode time of each sample; empty when every sample lasts `uniform` ticks or `timeRuns` says.
    @usableFromInline var decodeTimes: [Int64] = []
    /// Runs of samples that last alike, in order, the first starting at sample 0: empty
    /// unless times are kept this way (then `decodeTimes` is empty and `uniform` unused).
    @usableFromInline var timeRuns: [TimeRun] = []
    @usableFromInline var uniform: UInt32 = 0
    /// Empty when every composition offset is zero.
    @usableFromInline var compositionOffsets: [Int32] = []
    /// Decode time of the first sample.
    public internal(set) var startDTS: Int64 = 0
    /// Decode time just after the last sample.
    public internal(set) var endDTS: Int64 = 0

    @usableFromInline static let syncBit: UInt32 = 1 << 31

    /// Samples from `first` up to the next run's first last `delta` each; `first` starts at `dts`.
    public struct TimeRun: Equatable, Sendable {
        public var first: Int
        public var dts: Int64
        public var delta: UInt32

        public init(first: Int, dts: Int64, delta: UInt32) {
            self.first = first
            self.dts = dts
            self.delta = delta
        }
    }

    public init() {}

    /// An index over arrays built in one pass elsewhere (`SampleTableIndexer`);
    /// `sizeAndSync` holds sizes with the sync flag in bit 31. `decodeTimes` (from 0)
    /// is empty when every sample lasts `uniformDuration` or `timeRuns` gives the times.
    init(offsets: [Int64], sizeAndSync: [UInt32], decodeTimes: [Int64], timeRuns: [TimeRun] = [], uniformDuration: UInt32, endDTS: Int64,
         compositionOffsets: [Int32]) {
        self.offsets = offsets
        self.sizeAndSync = sizeAndSync
        self.decodeTimes = decodeTimes
        self.timeRuns = decodeTimes.isEmpty ? timeRuns : []
        uniform = uniformDuration
        self.endDTS = endDTS
        hasCompositionOffsets = compositionOffsets.contains { $0 != 0 }
        self.compositionOffsets = hasCompositionOffsets ? compositionOffsets : []
    }

    public var count: Int { offsets.count }
    public var isEmpty: Bool { offsets.isEmpty }
    /// Whether any sample has a non-zero composition offset (else `compositionOffsets` is empty).
    public internal(set) var hasCompositionOffsets = false

    /// How long every sample lasts when all last as long (nil when they differ or there are none).
    public var uniformDuration: UInt32? { !isEmpty && decodeTimes.isEmpty && timeRuns.isEmpty ? uniform : nil }

    public mutating func reserve(_ n: Int) {
        offsets.reserveCapacity(n); sizeAndSync.reserveCapacity(n)
    }

    /// Sets the decode time of the first sample (before any sample is appended).
    public mutating func setStartDTS(_ dts: Int64) {
        precondition(isEmpty)
        startDTS = dts
        endDTS = dts
    }

    /// Appends a sample that starts at `endDTS`. Sizes must be below 2^31.
    public mutating func append(offset: Int64, size: UInt32, duration: UInt32, compositionOffset: Int32, isSync: Bool) {
        let i = offsets.count
        if !timeRuns.isEmpty { listDecodeTimes(count: i) }
        if i == 0 {
            startDTS = endDTS
            uniform = duration
        } else if decodeTimes.isEmpty && duration != uniform {
            listDecodeTimes(count: i)
        }
        offsets.append(offset)
        sizeAndSync.append(size & ~Self.syncBit | (isSync ? Self.syncBit : 0))
        if !decodeTimes.isEmpty { decodeTimes.append(endDTS) }
        if compositionOffset != 0 && !hasCompositionOffsets {
            hasCompositionOffsets = true
            compositionOffsets = Array(repeating: 0, count: i)
            compositionOffsets.reserveCapacity(offsets.capacity)
        }
        if hasCompositionOffsets { compositionOffsets.append(compositionOffset) }
        endDTS &+= Int64(duration)
    }

    /// Makes the next sample start at `dts` by changing the last sample's duration
    /// (a `tfdt` that does not follow on from the previous fragment).
    /// Returns false when the gap cannot be expressed as a duration.
    public mutating func moveEnd(to dts: Int64) -> Bool {
        guard dts != endDTS else { return true }
        guard let last = offsets.indices.last else { startDTS = dts; endDTS = dts; return true }
        let (newDuration, overflow) = dts.subtractingReportingOverflow(self.dts(at: last))
        guard !overflow else { return false }
        guard newDuration >= 0, newDuration <= Int64(UInt32.max) else { return false }
        if last == 0 && timeRuns.isEmpty {
            uniform = UInt32(newDuration)
        } else if decodeTimes.isEmpty {
            listDecodeTimes(count: offsets.count)  // the last sample now lasts longer than the others
        }
        endDTS = dts
        return true
    }

    /// From one duration for all (or runs) to a decode time a sample, for the first `count` samples.
    private mutating func listDecodeTimes(count: Int) {
        var listed: [Int64] = []
        listed.reserveCapacity(Swift.max(offsets.capacity, count + 1))
        for i in 0..<count { listed.append(dts(at: i)) }
        decodeTimes = listed
        timeRuns = []
    }

    /// The run sample `i` is in (`timeRuns` not empty).
    @usableFromInline func run(containing i: Int) -> TimeRun { timeRuns[runIndex(containing: i)] }

    /// The position in `timeRuns` of the run sample `i` is in (`timeRuns` not empty).
    @usableFromInline func runIndex(containing i: Int) -> Int {
        var lo = 0, hi = timeRuns.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if timeRuns[mid].first <= i { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Decode times and durations read in order (a timeline's walk over every sample): with
    /// runs, the samples of the run last used and its times are kept at hand.
    public struct TimeCursor {
        let index: SampleIndex
        /// The run at hand: samples `low..<high`, sample `low` at `base`, each lasting `delta`.
        var low = 0, high = 0, base: Int64 = 0, delta: UInt32 = 0

        public init(_ index: SampleIndex) { self.index = index }

        public mutating func dts(at i: Int) -> Int64 {
            guard !index.timeRuns.isEmpty else { return index.dts(at: i) }
            if i < low || i >= high { take(i) }
            return base &+ Int64(i &- low) &* Int64(delta)
        }

        public mutating func duration(at i: Int) -> UInt32 {
            guard !index.timeRuns.isEmpty else { return index.duration(at: i) }
            if i < low || i >= high { take(i) }
            return delta
        }

        private mutating func take(_ i: Int) {
            let k = index.runIndex(containing: i), runs = index.timeRuns
            (low, base, delta) = (runs[k].first, runs[k].dts, runs[k].delta)
            high = k + 1 < runs.count ? runs[k + 1].first : Int.max
        }
    }

    @inlinable public func size(at i: Int) -> UInt32 { sizeAndSync[i] & ~Self.syncBit }
    @inlinable public func isSync(at i: Int) -> Bool { sizeAndSync[i] & Self.syncBit != 0 }
    @inlinable public func offset(at i: Int) -> Int64 { offsets[i] }
    @inlinable public func compositionOffset(at i: Int) -> Int32 { hasCompositionOffsets ? compositionOffsets[i] : 0 }

    @inlinable public func dts(at i: Int) -> Int64 {
        if !decodeTimes.isEmpty { return decodeTimes[i] }
        if timeRuns.isEmpty { return startDTS &+ Int64(i) &* Int64(uniform) }
        let r = run(containing: i)
        return r.dts &+ Int64(i &- r.first) &* Int64(r.delta)
    }

    /// Up to the next sample's decode time (the last: to `endDTS`).
    @inlinable public func duration(at i: Int) -> UInt32 {
        if decodeTimes.isEmpty { return timeRuns.isEmpty ? uniform : run(containing: i).delta }
        return UInt32(truncatingIfNeeded: (i + 1 < decodeTimes.count ? decodeTimes[i + 1] : endDTS) &- decodeTimes[i])
    }

    public func sample(at i: Int) -> Sample {
        Sample(offset: offsets[i], size: size(at: i), dts: dts(at: i), duration: duration(at: i),
               compositionOffset: compositionOffset(at: i), isSync: isSync(at: i))
    }

    /// All samples from `range`.
    public func samples(_ range: Range<Int>) -> [Sample] {
        range.map(sample(at:))
    }

    /// Index of the first sample whose decode time is at or after `dts` (`count` if none).
    public func firstSample(atOrAfterDTS target: Int64) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if dts(at: mid) < target { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Bytes of memory held by the arrays (their capacity).
    public var memoryBytes: Int {
        offsets.capacity * 8 + sizeAndSync.capacity * 4 + decodeTimes.capacity * 8 + compositionOffsets.capacity * 4
            + timeRuns.capacity * MemoryLayout<TimeRun>.stride
    }

    /// Places the samples one after another from `start`, in decode order (a track's data
    /// copied to a file of its own, `TrackDataFile`). Sizes are 31 bits, so the sum of a
    /// track's sizes (at most `ParseLimits.maxSamplesPerTrack` of them) stays far inside `Int64`.
    mutating func placeEndToEnd(from start: Int64) {
        var next = start
        sizeAndSync.withUnsafeBufferPointer { sizes in
            offsets.withUnsafeMutableBufferPointer { offsets in
                for i in 0..<min(offsets.count, sizes.count) {
                    offsets[i] = next
                    next += Int64(sizes[i] & ~Self.syncBit)
                }
            }
        }
    }

    /// The sum of the samples' sizes.
    var totalSize: Int64 {
        sizeAndSync.withUnsafeBufferPointer { sizes in sizes.reduce(Int64(0)) { $0 + Int64($1 & ~Self.syncBit) } }
    }

    /// How many samples do not start where the one before ends (breaks in the data's layout).
    var layoutBreaks: Int {
        sizeAndSync.withUnsafeBufferPointer { sizes in
            offsets.withUnsafeBufferPointer { offsets in
                var breaks = 0
                for i in 1..<max(1, min(offsets.count, sizes.count)) where offsets[i] != offsets[i - 1] + Int64(sizes[i - 1] & ~Self.syncBit) { breaks += 1 }
                return breaks
            }
        }
    }

    /// Releases spare capacity once the index is complete.
    public mutating func shrink() {
        func exact<T>(_ a: [T]) -> [T] { a.capacity == a.count ? a : a.withUnsafeBufferPointer { Array($0) } }
        offsets = exact(offsets); sizeAndSync = exact(sizeAndSync); decodeTimes = exact(decodeTimes)
        compositionOffsets = exact(compositionOffsets); timeRuns = exact(timeRuns)
    }
}

extension SampleIndex: Equatable {
    /// Equal when they describe the same samples, however the times are stored.
    public static func == (a: SampleIndex, b: SampleIndex) -> Bool {
        a.offsets == b.offsets && a.sizeAndSync == b.sizeAndSync && a.compositionOffsets == b.compositionOffsets
            && a.startDTS == b.startDTS && a.endDTS == b.endDTS && a.hasCompositionOffsets == b.hasCompositionOffsets
            && a.offsets.indices.allSatisfy { a.dts(at: $0) == b.dts(at: $0) }
    }
}
