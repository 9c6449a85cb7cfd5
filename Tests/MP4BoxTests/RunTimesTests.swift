import Testing
@testable import MP4Box

/// `RunTimes.extent` and `firstSample` take the ends of a range and bisect when presentation
/// times are in order over it; they must answer exactly as the passes over every sample do,
/// whatever the index keeps (one duration, runs, a time a sample), wherever times start
/// (near the ends of Int64, where they wrap) and however the run is shifted and covered.
@Suite struct RunTimesTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
    }

    func index(_ g: inout Generator) -> SampleIndex {
        let n = 1 + g.below(200)
        let start: Int64 = g.pick([0, 0, 1000, Int64.max - 5000, Int64.min + 7, Int64.max - Int64(g.below(1 << 20))])
        let kind = g.below(4)
        let durations: [UInt32] = (0..<n).map { _ in
            switch kind {
            case 0: return 1024                                                        // one duration
            case 1: return g.below(10) == 0 ? 0 : g.pick([1024, 1024, 960, 7])        // runs, some of none
            case 2: return UInt32(truncatingIfNeeded: g.next())                        // anything
            default: return g.below(3) == 0 ? 0 : UInt32(g.below(3000))
            }
        }
        var times: [Int64] = [], t = start
        for d in durations { times.append(t); t = t &+ Int64(d) }
        let sizes = [UInt32](repeating: 100 | SampleIndex.syncBit, count: n), offsets = (0..<n).map { Int64($0) * 100 }
        if kind == 0 {
            return SampleIndex(offsets: offsets, sizeAndSync: sizes, decodeTimes: [], uniformDuration: 1024, endDTS: t, compositionOffsets: [])
                .startingAt(start)
        }
        if kind == 1 {
            var runs: [SampleIndex.TimeRun] = []
            for (i, d) in durations.enumerated() where runs.last?.delta != d { runs.append(.init(first: i, dts: times[i], delta: d)) }
            return SampleIndex(offsets: offsets, sizeAndSync: sizes, decodeTimes: [], timeRuns: runs, uniformDuration: 0, endDTS: t, compositionOffsets: [])
                .startingAt(start)
        }
        let composition: [Int32] = g.below(3) == 0 ? (0..<n).map { _ in Int32(g.below(5000)) - 1000 } : []
        return SampleIndex(offsets: offsets, sizeAndSync: sizes, decodeTimes: times, uniformDuration: 0, endDTS: t, compositionOffsets: composition)
            .startingAt(start)
    }

    @Test func endsAndBisectionsAnswerAsTheFullPasses() {
        var g = Generator(state: 42)
        var inOrder = 0, compared = 0
        for _ in 0..<3000 {
            let samples = index(&g)
            let n = samples.count
            let times = RunTimes(samples: samples, dtsShift: g.pick([0, 0, 512, -4096, Int64.max - 100, Int64.min + 100, Int64(bitPattern: g.next() << 11)]),
                                 offsetShift: g.pick([0, 0, 2048, -1, Int64.max]), offsetCoverage: g.pick([0, n, g.below(n + 1)]))
            let a = g.below(n + 1), b = g.below(n + 1)
            let range = min(a, b)..<max(a, b) + (g.below(4) == 0 ? 5 : 0)  // now and then past the end
            if times.inOrderOffset(range.clamped(to: 0..<n)) != nil { inOrder += 1 }
            let fast = times.extent(range), full = times.scannedExtent(range)
            #expect(fast.minDTS == full.minDTS && fast.maxDTS == full.maxDTS && fast.minPTS == full.minPTS && fast.maxPTS == full.maxPTS)
            #expect(fast.minOffset == full.minOffset && fast.maxOffset == full.maxOffset && fast.lastPresented == full.lastPresented)
            #expect(fast.latest.last == full.latest.last && fast.latest.previous == full.latest.previous)
            for _ in 0..<4 {
                let probe = g.below(n)
                let time = g.pick([times.presentationTime(probe), times.presentationTime(probe) &+ 1, times.presentationTime(probe) &- 1, .min, .max])
                #expect(times.firstSample(range, presentedAtOrAfter: time) == times.scannedFirstSample(range, presentedAtOrAfter: time))
                compared += 1
            }
        }
        #expect(inOrder > 1000 && compared == 12000)  // the ends-and-bisection path was taken often
    }
}

extension SampleIndex {
    /// The index with its first decode time at `start` (the indexer's tables start at 0).
    func startingAt(_ start: Int64) -> SampleIndex {
        var copy = self
        copy.startDTS = start
        return copy
    }
}
