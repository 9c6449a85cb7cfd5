/// What indexing one track's sample table yields: the index and the facts about its
/// composition table that presentation times need. `SampleTableIndexer` makes it from the
/// `stbl`; an index file stores it (`columns`) so that a later load skips the tables, and
/// `init(columns:…)` takes it back only if it has every property the indexer guarantees.
public struct IndexedSamples: Sendable, Equatable {
    public var index: SampleIndex
    /// The largest negated composition offset (see `Track.compositionShift`).
    public var compositionShift: Int64
    /// How many samples `ctts` covers.
    public var compositionCoverage: Int
    public var hasCompositionTable: Bool
    /// Samples the table placed past the end of the file (left out of the index).
    public var samplesPastEnd = 0

    public init(index: SampleIndex, compositionShift: Int64, compositionCoverage: Int, hasCompositionTable: Bool, samplesPastEnd: Int = 0) {
        self.index = index
        self.compositionShift = compositionShift
        self.compositionCoverage = compositionCoverage
        self.hasCompositionTable = hasCompositionTable
        self.samplesPastEnd = samplesPastEnd
    }

    /// The index's arrays as stored: `decodeTimes` empty when every sample lasts `uniform`
    /// or `timeRuns` gives the times, `compositionOffsets` empty when all are zero.
    public struct Columns: Sendable {
        public var offsets: [Int64]
        public var sizeAndSync: [UInt32]
        public var decodeTimes: [Int64]
        public var timeRuns: [SampleIndex.TimeRun]
        public var compositionOffsets: [Int32]
        public var uniform: UInt32
        public var endDTS: Int64

        public init(offsets: [Int64], sizeAndSync: [UInt32], decodeTimes: [Int64], timeRuns: [SampleIndex.TimeRun], compositionOffsets: [Int32],
                    uniform: UInt32, endDTS: Int64) {
            self.offsets = offsets
            self.sizeAndSync = sizeAndSync
            self.decodeTimes = decodeTimes
            self.timeRuns = timeRuns
            self.compositionOffsets = compositionOffsets
            self.uniform = uniform
            self.endDTS = endDTS
        }
    }

    /// The arrays of a track indexed from a sample table (decode times start at 0).
    public var columns: Columns {
        Columns(offsets: index.offsets, sizeAndSync: index.sizeAndSync, decodeTimes: index.decodeTimes, timeRuns: index.timeRuns,
                compositionOffsets: index.compositionOffsets, uniform: index.uniform, endDTS: index.endDTS)
    }

    /// Samples from stored columns, refused unless they are what the indexer could have made
    /// of a file of `fileSize` bytes: arrays of one length, every sample inside the file and
    /// no larger than `limits` allow, decode times from 0 that never go back and end at
    /// `endDTS` (runs that start at sample 0 and follow on from one another), a composition shift and coverage in range. The packager relies on these.
    public init(columns c: Columns, compositionShift: Int64, compositionCoverage: Int, hasCompositionTable: Bool,
                samplesPastEnd: Int, fileSize: Int64, limits: ParseLimits = .default) throws(MP4Error) {
        let n = c.offsets.count
        func refuse(_ why: String) -> MP4Error { MP4Error(.invalid, path: "index", why) }
        guard n <= limits.maxSamplesPerTrack, c.sizeAndSync.count == n, c.decodeTimes.isEmpty || c.decodeTimes.count == n,
              c.compositionOffsets.isEmpty || c.compositionOffsets.count == n else { throw refuse("columns of different lengths") }
        guard fileSize >= 0, (0...Int64(UInt32.max)).contains(compositionShift), (0...n).contains(compositionCoverage), samplesPastEnd >= 0 else {
            throw refuse("composition shift \(compositionShift) or coverage \(compositionCoverage) out of range")
        }
        let maxSize = limits.maxSampleSize
        let inside = c.offsets.withUnsafeBufferPointer { offsets in
            c.sizeAndSync.withUnsafeBufferPointer { sizes in
                // Without a branch a sample (this runs over every sample of a video's first request):
                // an offset of 0 or more and an end within the file, as unsigned comparisons.
                var outside: UInt64 = 0
                for i in 0..<n {
                    let size = UInt64(sizes[i] & ~SampleIndex.syncBit), offset = UInt64(bitPattern: offsets[i])
                    outside |= (size > UInt64(maxSize) ? 1 : 0) | (offset &+ size > UInt64(fileSize) ? 1 : 0) | offset >> 63
                }
                return outside == 0
            }
        }
        guard inside else { throw refuse("a sample lies outside the file or is too large") }
        if !c.timeRuns.isEmpty {
            guard c.decodeTimes.isEmpty, Self.runsFollowOn(c.timeRuns, count: n, endDTS: c.endDTS) else {
                throw refuse("time runs do not start at 0 and follow on to \(c.endDTS)")
            }
        } else if c.decodeTimes.isEmpty {
            guard c.endDTS == Int64(n) &* Int64(c.uniform), Int64(n).multipliedReportingOverflow(by: Int64(c.uniform)).overflow == false else {
                throw refuse("end time \(c.endDTS) is not \(n) samples of \(c.uniform)")
            }
        } else {
            // Each step 0 to 2^32 - 1 from 0 (a step that goes back is a huge unsigned one); from 0,
            // at most 2^28 such steps cannot wrap, so the wrapping differences are the true ones.
            let ordered = c.decodeTimes.withUnsafeBufferPointer { times in
                var back: UInt64 = UInt64(bitPattern: times[0])
                for i in 1..<n { back |= UInt64(bitPattern: times[i] &- times[i - 1]) >> 32 }
                return back | UInt64(bitPattern: c.endDTS &- times[n - 1]) >> 32 == 0
            }
            guard ordered else { throw refuse("decode times do not start at 0 and follow on") }
        }
        index = SampleIndex(offsets: c.offsets, sizeAndSync: c.sizeAndSync, decodeTimes: c.decodeTimes, timeRuns: c.timeRuns, uniformDuration: c.uniform,
                            endDTS: c.endDTS, compositionOffsets: c.compositionOffsets)
        self.compositionShift = compositionShift
        self.compositionCoverage = compositionCoverage
        self.hasCompositionTable = hasCompositionTable
        self.samplesPastEnd = samplesPastEnd
    }

    /// Runs from sample 0 at time 0, in order, inside `count` samples, each starting where the one
    /// before ends (in checked arithmetic), the last ending at `endDTS`.
    static func runsFollowOn(_ runs: [SampleIndex.TimeRun], count: Int, endDTS: Int64) -> Bool {
        guard let first = runs.first, first.first == 0, first.dts == 0 else { return false }
        for (k, run) in runs.enumerated() {
            let next = k + 1 < runs.count ? runs[k + 1].first : count
            guard next > run.first, next <= count else { return false }
            let (span, o1) = Int64(next - run.first).multipliedReportingOverflow(by: Int64(run.delta))
            let (end, o2) = run.dts.addingReportingOverflow(span)
            guard !o1, !o2, end == (k + 1 < runs.count ? runs[k + 1].dts : endDTS) else { return false }
        }
        return true
    }
}
