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
/// long movie costs about 16–20 bytes a sample: offset (8), size with the sync
/// flag in its top bit (4), duration (4), composition offset (4, only when the
/// track has any). Decode times are rebuilt from durations and a checkpoint
/// every 256 samples, so looking one up costs at most 255 additions.
public struct SampleIndex: Equatable, Sendable {
    public private(set) var offsets: [Int64] = []
    private var sizeAndSync: [UInt32] = []
    private var durations: [UInt32] = []
    /// Empty when every composition offset is zero.
    private var compositionOffsets: [Int32] = []
    private var checkpoints: [Int64] = []
    /// Decode time just after the last sample.
    public private(set) var endDTS: Int64 = 0

    static let checkpointShift = 8
    static let syncBit: UInt32 = 1 << 31

    public init() {}

    /// An index over arrays built in one pass elsewhere (`SampleTableIndexer`);
    /// `sizeAndSync` holds sizes with the sync flag in bit 31.
    init(offsets: [Int64], sizeAndSync: [UInt32], durations: [UInt32], compositionOffsets: [Int32]) {
        self.offsets = offsets
        self.sizeAndSync = sizeAndSync
        self.durations = durations
        hasCompositionOffsets = compositionOffsets.contains { $0 != 0 }
        self.compositionOffsets = hasCompositionOffsets ? compositionOffsets : []
        var t: Int64 = 0
        checkpoints.reserveCapacity(durations.count >> Self.checkpointShift + 1)
        for (i, d) in durations.enumerated() {
            if i & (1 << Self.checkpointShift - 1) == 0 { checkpoints.append(t) }
            t &+= Int64(d)
        }
        endDTS = t
    }

    public var count: Int { offsets.count }
    public var isEmpty: Bool { offsets.isEmpty }
    /// Whether any sample has a non-zero composition offset (else `compositionOffsets` is empty).
    public private(set) var hasCompositionOffsets = false
    public var startDTS: Int64 { checkpoints.first ?? 0 }

    public mutating func reserve(_ n: Int) {
        offsets.reserveCapacity(n); sizeAndSync.reserveCapacity(n); durations.reserveCapacity(n)
        checkpoints.reserveCapacity(n >> Self.checkpointShift + 1)
    }

    /// Sets the decode time of the first sample (before any sample is appended).
    public mutating func setStartDTS(_ dts: Int64) {
        precondition(isEmpty)
        endDTS = dts
    }

    /// Appends a sample that starts at `endDTS`. Sizes must be below 2^31.
    public mutating func append(offset: Int64, size: UInt32, duration: UInt32, compositionOffset: Int32, isSync: Bool) {
        let i = offsets.count
        if i & (1 << Self.checkpointShift - 1) == 0 { checkpoints.append(endDTS) }
        offsets.append(offset)
        sizeAndSync.append(size & ~Self.syncBit | (isSync ? Self.syncBit : 0))
        durations.append(duration)
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
        guard let last = durations.indices.last else { endDTS = dts; checkpoints.removeAll(); return true }
        let (newDuration, overflow) = dts.subtractingReportingOverflow(self.dts(at: last))
        guard !overflow else { return false }
        guard newDuration >= 0, newDuration <= Int64(UInt32.max) else { return false }
        durations[last] = UInt32(newDuration)
        endDTS = dts
        return true
    }

    @inline(__always) public func size(at i: Int) -> UInt32 { sizeAndSync[i] & ~Self.syncBit }
    @inline(__always) public func isSync(at i: Int) -> Bool { sizeAndSync[i] & Self.syncBit != 0 }
    @inline(__always) public func duration(at i: Int) -> UInt32 { durations[i] }
    @inline(__always) public func offset(at i: Int) -> Int64 { offsets[i] }
    @inline(__always) public func compositionOffset(at i: Int) -> Int32 { hasCompositionOffsets ? compositionOffsets[i] : 0 }

    public func dts(at i: Int) -> Int64 {
        let block = i >> Self.checkpointShift
        var t = checkpoints[block]
        var k = block << Self.checkpointShift
        while k < i { t &+= Int64(durations[k]); k += 1 }
        return t
    }

    public func sample(at i: Int) -> Sample {
        Sample(offset: offsets[i], size: size(at: i), dts: dts(at: i), duration: durations[i],
               compositionOffset: compositionOffset(at: i), isSync: isSync(at: i))
    }

    /// All samples from `range`, decode times computed incrementally.
    public func samples(_ range: Range<Int>) -> [Sample] {
        guard !range.isEmpty else { return [] }
        var result: [Sample] = []
        result.reserveCapacity(range.count)
        var t = dts(at: range.lowerBound)
        for i in range {
            result.append(Sample(offset: offsets[i], size: size(at: i), dts: t, duration: durations[i],
                                 compositionOffset: compositionOffset(at: i), isSync: isSync(at: i)))
            t &+= Int64(durations[i])
        }
        return result
    }

    /// Index of the first sample whose decode time is at or after `dts` (`count` if none).
    public func firstSample(atOrAfterDTS target: Int64) -> Int {
        guard !isEmpty else { return 0 }
        var lo = 0, hi = checkpoints.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if checkpoints[mid] <= target { lo = mid + 1 } else { hi = mid }
        }
        var i = max(0, lo - 1) << Self.checkpointShift
        var t = checkpoints[max(0, lo - 1)]
        while i < count && t < target { t &+= Int64(durations[i]); i += 1 }
        return i
    }

    /// Bytes of memory held by the arrays (their capacity).
    public var memoryBytes: Int {
        offsets.capacity * 8 + sizeAndSync.capacity * 4 + durations.capacity * 4
            + compositionOffsets.capacity * 4 + checkpoints.capacity * 8
    }

    /// Releases spare capacity once the index is complete.
    public mutating func shrink() {
        func exact<T>(_ a: [T]) -> [T] { a.capacity == a.count ? a : a.withUnsafeBufferPointer { Array($0) } }
        offsets = exact(offsets); sizeAndSync = exact(sizeAndSync); durations = exact(durations)
        compositionOffsets = exact(compositionOffsets); checkpoints = exact(checkpoints)
    }
}
