import Testing
@testable import MP4Box

/// The indexer writes offsets and sizes in one pass over the chunks and times, composition
/// offsets and sync flags a run at a time. Checked here against a plain per-sample walk with
/// one cursor per table (the rules the indexer documents, as it once did them), on random
/// tables and on awkward ones: a `stts` entry of count 0 mid-table, `stss` numbers out of
/// order, repeated, 0 while 1-based or past the end, a short `ctts`, a file cut off mid-samples.
@Suite struct SampleTableIndexerTests {
    struct Expected: Equatable {
        var offsets: [Int64] = [], sizes: [UInt32] = [], sync: [Bool] = [], dts: [Int64] = [], composition: [Int32] = [], durations: [UInt32] = []
        var end: Int64 = 0
    }

    /// Sample by sample, each table read through its own cursor.
    func walk(_ t: SampleTable, fileSize: Int64, isAudio: Bool) -> Expected {
        var e = Expected()
        let stts = t.timeToSample!.entries, stsc = t.sampleToChunk!.entries, sizes = t.sampleSizes!
        let count = Int(sizes.count)
        let numbers = t.syncSamples?.sampleNumbers
        let keyOffset: UInt64 = (numbers?.first ?? 0) > 0 ? 1 : 0
        var position = 0
        // ctts runs as the indexer reads them (positive counts; see `Composition`).
        var runs: [(start: Int, offset: Int32)] = [], start = 0
        for entry in t.compositionOffsets?.entries ?? [] where Int32(bitPattern: entry.count) > 0 && start < count {
            runs.append((start, entry.offset)); start += Int(entry.count)
        }
        let coverage = min(start, count)
        var sttsIndex = 0, sttsSample: UInt32 = 0, stscIndex = 0, sample = 0, time: Int64 = 0
        chunks: for (chunk, chunkOffset) in t.chunkOffsets!.enumerated() {
            while stscIndex + 1 < stsc.count && UInt64(chunk + 1) == UInt64(stsc[stscIndex + 1].firstChunk) { stscIndex += 1 }
            var offset = Int64(chunkOffset)
            for _ in 0..<stsc[stscIndex].samplesPerChunk {
                if sample >= count { break chunks }
                let size = sizes.constant != 0 ? sizes.constant : sizes.sizes[sample]
                guard offset <= fileSize - Int64(size) else { break chunks }
                var sync: Bool
                if let numbers {
                    if numbers.isEmpty { sync = isAudio || sample == 0 } else {
                        sync = UInt64(sample) + keyOffset == UInt64(numbers[position])
                        if sync && position + 1 < numbers.count { position += 1 }
                    }
                } else { sync = true }
                e.offsets.append(offset); e.sizes.append(size); e.sync.append(sync); e.dts.append(time)
                e.composition.append(sample < coverage ? runs.last { $0.start <= sample }!.offset : 0)
                time &+= Int64(stts[sttsIndex].delta)
                offset += Int64(size); sample += 1; sttsSample &+= 1
                if sttsIndex + 1 < stts.count && sttsSample == stts[sttsIndex].count { sttsSample = 0; sttsIndex += 1 }
            }
        }
        e.end = time
        e.durations = e.dts.indices.map { UInt32(truncatingIfNeeded: ($0 + 1 < e.dts.count ? e.dts[$0 + 1] : time) - e.dts[$0]) }
        return e
    }

    func indexed(_ t: SampleTable, fileSize: Int64, isAudio: Bool) throws -> Expected {
        let index = try SampleTableIndexer(table: t, path: "t", limits: ParseLimits(), fileSize: fileSize, isAudio: isAudio).build().index
        var e = Expected()
        for i in 0..<index.count {
            e.offsets.append(index.offset(at: i)); e.sizes.append(index.size(at: i)); e.sync.append(index.isSync(at: i))
            e.dts.append(index.dts(at: i)); e.composition.append(index.compositionOffset(at: i)); e.durations.append(index.duration(at: i))
        }
        e.end = index.endDTS
        return e
    }

    func table(samples: Int, stts: [(UInt32, UInt32)], stss: [UInt32]?, ctts: [(UInt32, Int32)], perChunk: [UInt32], constant: UInt32 = 0,
               sizes: (Int) -> UInt32) -> SampleTable {
        var t = SampleTable()
        t.timeToSample = TimeToSampleBox(entries: stts.map { .init(count: $0.0, delta: $0.1) })
        t.syncSamples = stss.map { SyncSampleBox(sampleNumbers: $0) }
        t.compositionOffsets = ctts.isEmpty ? nil : CompositionOffsetBox(entries: ctts.map { .init(count: $0.0, offset: $0.1) })
        t.sampleToChunk = SampleToChunkBox(entries: perChunk.enumerated().map { .init(firstChunk: UInt32($0.offset + 1), samplesPerChunk: $0.element, sampleDescriptionIndex: 1) })
        t.sampleSizes = (constant, UInt32(samples), constant != 0 ? [] : (0..<samples).map(sizes))
        // Chunks: as many as the samples need (and two spare), 1,000 bytes apart after the sizes.
        var offsets: [UInt64] = [], offset: UInt64 = 64, left = samples + 2
        while left > 0 || offsets.count < perChunk.count {
            let n = Int(perChunk[min(offsets.count, perChunk.count - 1)])
            offsets.append(offset)
            left -= max(n, 1); offset += UInt64(n) * 5000 + 1000
        }
        t.chunkOffsets = offsets
        return t
    }

    @Test func runsAtATimeEqualTheSampleBySampleWalk() throws {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let samples = Int.random(in: 1...400, using: &rng)
            let stts = (0..<Int.random(in: 1...6, using: &rng)).map { _ in (UInt32.random(in: 0...90, using: &rng), UInt32.random(in: 1...3000, using: &rng)) }
            let stss: [UInt32]? = switch round % 4 {
            case 0: nil
            case 1: []
            default: (0..<Int.random(in: 1...20, using: &rng)).map { _ in UInt32.random(in: 0...UInt32(samples + 3), using: &rng) }.sorted()
            }
            let ctts = (0..<Int.random(in: 0...5, using: &rng)).map { _ in (UInt32.random(in: 0...120, using: &rng), Int32.random(in: -4000...4000, using: &rng)) }
            let perChunk = (0..<Int.random(in: 1...4, using: &rng)).map { _ in UInt32.random(in: 1...12, using: &rng) }
            let t = table(samples: samples, stts: stts, stss: stss, ctts: ctts, perChunk: perChunk, constant: round % 7 == 0 ? 300 : 0) { _ in UInt32.random(in: 1...5000, using: &rng) }
            let fileSize: Int64 = round % 5 == 0 && round % 7 != 0 ? Int64.random(in: 1_000...200_000, using: &rng) : 1 << 40
            for isAudio in [false, true] {
                #expect(try indexed(t, fileSize: fileSize, isAudio: isAudio) == walk(t, fileSize: fileSize, isAudio: isAudio), "round \(round)")
            }
        }
    }

    /// Durations that change now and then (a shorter last audio frame, files joined end to end)
    /// are kept as runs, not a time a sample; often-changing ones as a time a sample.
    @Test func timesAreKeptAsRunsWhenTheyChangeRarely() throws {
        let sizes: (Int) -> UInt32 = { _ in 100 }
        let rare = try SampleTableIndexer(table: table(samples: 400, stts: [(399, 1024), (1, 700)], stss: nil, ctts: [], perChunk: [5], sizes: sizes),
                                          path: "t", limits: ParseLimits(), fileSize: 1 << 40, isAudio: true).build().index
        #expect(rare.timeRuns.count == 2 && rare.decodeTimes.isEmpty && rare.dts(at: 399) == 399 * 1024 && rare.duration(at: 399) == 700 && rare.endDTS == 399 * 1024 + 700)
        let often = try SampleTableIndexer(table: table(samples: 400, stts: (0..<200).map { (2, UInt32(1000 + $0 % 2)) }, stss: nil, ctts: [], perChunk: [5], sizes: sizes),
                                           path: "t", limits: ParseLimits(), fileSize: 1 << 40, isAudio: true).build().index
        #expect(often.timeRuns.isEmpty && often.decodeTimes.count == 400)
    }

    @Test func awkwardTablesAreReadAsTheWalkReadsThem() throws {
        let cases: [(stts: [(UInt32, UInt32)], stss: [UInt32]?, ctts: [(UInt32, Int32)])] = [
            ([(3, 10), (0, 20), (5, 30)], [1, 5, 3, 9], [(2, 5)]),         // a count-0 entry sticks; stss out of order stops
            ([(4, 10)], [2, 2, 6], [(0x8000_0000, 7), (3, -2)]),            // repeated number; a ctts count negative as signed is skipped
            ([(1, 1), (1, 2), (1, 3)], [4, 0, 8], []),                      // 0 in a 1-based list ends it
            ([(10, 512)], [0, 3, 9], [(100, 1)]),                           // 0-based; a ctts longer than the samples
            ([(2, 7)], [1, 1000], [(1, 3), (1, 4)]),                        // past the end; a ctts shorter than the samples
        ]
        for (i, c) in cases.enumerated() {
            let t = table(samples: 12, stts: c.stts, stss: c.stss, ctts: c.ctts, perChunk: [2, 3]) { UInt32(100 + $0) }
            for isAudio in [false, true] {
                #expect(try indexed(t, fileSize: 1 << 40, isAudio: isAudio) == walk(t, fileSize: 1 << 40, isAudio: isAudio), "case \(i)")
            }
        }
    }
}
