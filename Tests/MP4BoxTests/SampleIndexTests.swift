import Testing
@testable import MP4Box

@Suite struct SampleIndexTests {
    func index(count: Int, duration: (Int) -> UInt32 = { _ in 1001 }) -> SampleIndex {
        var index = SampleIndex()
        for i in 0..<count {
            index.append(offset: Int64(i) * 100, size: 100, duration: duration(i), compositionOffset: i % 3 == 1 ? 2002 : 0, isSync: i % 30 == 0)
        }
        return index
    }

    @Test func decodeTimesAcrossCheckpoints() {
        let idx = index(count: 1000) { UInt32($0 % 7 + 1) }
        var t: Int64 = 0
        for i in 0..<1000 {
            #expect(idx.dts(at: i) == t)
            t += Int64(i % 7 + 1)
        }
        #expect(idx.endDTS == t)
        #expect(idx.samples(250..<260).map(\.dts) == (250..<260).map { idx.dts(at: $0) })
    }

    @Test func findsTheFirstSampleAtOrAfterATime() {
        let idx = index(count: 2000)
        #expect(idx.firstSample(atOrAfterDTS: 0) == 0)
        #expect(idx.firstSample(atOrAfterDTS: 1) == 1)
        #expect(idx.firstSample(atOrAfterDTS: 1001 * 777) == 777)
        #expect(idx.firstSample(atOrAfterDTS: 1001 * 777 + 1) == 778)
        #expect(idx.firstSample(atOrAfterDTS: .max) == 2000)
    }

    @Test func flagsAndOffsetsSurvive() {
        let idx = index(count: 100)
        #expect(idx.isSync(at: 30) && !idx.isSync(at: 31))
        #expect(idx.compositionOffset(at: 1) == 2002 && idx.compositionOffset(at: 2) == 0)
        #expect(idx.sample(at: 31).pts == idx.dts(at: 31) + 2002)
    }

    @Test func costsUnder24BytesASample() {
        var idx = index(count: 100_000)
        idx.shrink()
        #expect(Double(idx.memoryBytes) / 100_000 < 24)
    }

    /// Samples that all last as long keep no times; one that differs lists them all, equal to before.
    @Test func uniformDurationsKeepNoTimes() {
        let uniform = index(count: 1000)
        #expect(uniform.uniformDuration == 1001 && uniform.dts(at: 999) == 999 * 1001 && uniform.duration(at: 999) == 1001)
        var mixed = index(count: 1000) { $0 == 600 ? 7 : 1001 }
        #expect(mixed.uniformDuration == nil)
        #expect(mixed.dts(at: 600) == 600 * 1001 && mixed.dts(at: 601) == 600 * 1001 + 7 && mixed.duration(at: 600) == 7)
        #expect(mixed.firstSample(atOrAfterDTS: 600 * 1001 + 1) == 601)
        #expect(mixed.moveEnd(to: mixed.endDTS + 10) && mixed.duration(at: 999) == 1011)
        var single = index(count: 1)
        #expect(single.moveEnd(to: 50) && single.uniformDuration == 50 && single.endDTS == 50)
        #expect(uniform.memoryBytes < mixed.memoryBytes)
    }

    @Test func movingTheEndForAFragmentDecodeTime() {
        var idx = index(count: 3)
        let moved = idx.moveEnd(to: idx.endDTS + 500)
        #expect(moved)
        #expect(idx.duration(at: 2) == 1501)
        let backwards = idx.moveEnd(to: 0)
        #expect(!backwards)
    }

    @Test func rescaleRoundsLikeFFmpeg() {
        #expect(rescale(1001, 90000, 30000) == 3003)
        #expect(rescale(44, 44100, 1000) == 1940)
        #expect(rescale(-3, 1, 2) == -2)
        #expect(rescale(Int64.max, 2, 1) == .max)
    }
}
