/// Builds a track's `SampleIndex` from its sample table in one linear pass over
/// the chunks, walking `stts`, `ctts`, `stsc` and `stss` with one cursor each.
/// Where tables disagree it does what FFmpeg's `mov_build_index` does, so the
/// result equals `ffprobe -show_packets`: a short `stts` repeats its last delta,
/// extra chunk slots beyond the sample count are ignored, a short `ctts` leaves
/// the remaining samples with no composition offset.
struct SampleTableIndexer {
    let table: SampleTable
    let path: String
    let limits: ParseLimits
    let fileSize: Int64
    let isAudio: Bool

    func build() throws(MP4Error) -> IndexedSamples {
        let chunkOffsets = table.chunkOffsets ?? []
        let sizes = table.sampleSizes ?? (0, 0, [])
        let sampleCount = Int(sizes.count)
        if sampleCount == 0 && chunkOffsets.isEmpty {
            return IndexedSamples(index: SampleIndex(), compositionShift: 0, compositionCoverage: 0, hasCompositionTable: false)
        }
        guard sampleCount <= limits.maxSamplesPerTrack else {
            throw MP4Error(.limitExceeded, path: path + "/stsz", "\(sampleCount) samples exceed the limit of \(limits.maxSamplesPerTrack)")
        }
        // A per-sample size table is backed by 4 bytes a sample; one size for all samples is not,
        // so there the samples' bytes must at least fit in the file once.
        guard sizes.constant == 0 || UInt64(sampleCount) * UInt64(sizes.constant) <= UInt64(fileSize) else {
            throw MP4Error(.invalid, path: path + "/stsz", "\(sampleCount) samples of \(sizes.constant) bytes do not fit in the file (\(fileSize) bytes)")
        }
        guard let stts = table.timeToSample, !stts.entries.isEmpty, let stsc = table.sampleToChunk?.entries, !stsc.isEmpty,
              table.sampleSizes != nil, table.chunkOffsets != nil else {
            throw MP4Error(.invalid, path: path, "missing mandatory sample table boxes (stts, stsc, stsz and stco are all needed)")
        }
        try validate(stsc: stsc, chunkCount: chunkOffsets.count)
        let composition = Composition(table.compositionOffsets, sampleCount: sampleCount)

        // One pass over the chunks for offsets and sizes; times, composition offsets and sync
        // flags after it, a run of samples at a time (per sample, their cursors were most of the pass).
        var offsets = [Int64](repeating: 0, count: sampleCount)
        var packed = [UInt32](repeating: 0, count: sampleCount)
        // One delta for every sample (constant frame rate, audio): no per-sample durations.
        let sttsEntries = stts.entries
        let uniformDelta: UInt32? = sttsEntries.allSatisfy { $0.delta == sttsEntries[0].delta } ? sttsEntries[0].delta : nil
        var decodeTimes: [Int64] = []
        var compositionOffsets = [Int32](repeating: 0, count: composition.coverage)
        let sync = SyncFlags(table.syncSamples, isAudio: isAudio)
        let allSync = sync.all ? SampleIndex.syncBit : 0
        var failure: MP4Error?
        var pastEnd = false
        var sample = 0
        let maxSize = limits.maxSampleSize
        offsets.withUnsafeMutableBufferPointer { offsetOut in
        packed.withUnsafeMutableBufferPointer { packedOut in
        sizes.sizes.withUnsafeBufferPointer { sizeTable in
            var stscIndex = 0
            chunks: for chunk in 0..<chunkOffsets.count {
                while stscIndex + 1 < stsc.count && UInt64(chunk + 1) == UInt64(stsc[stscIndex + 1].firstChunk) { stscIndex += 1 }
                guard chunkOffsets[chunk] <= UInt64(Int64.max) else {
                    failure = MP4Error(.invalid, path: path + "/stco", "chunk \(chunk) offset \(chunkOffsets[chunk]) is impossible")
                    return
                }
                var offset = Int64(chunkOffsets[chunk])
                let last = min(sampleCount, sample + Int(stsc[stscIndex].samplesPerChunk))
                while sample < last {
                    let size = sizes.constant != 0 ? sizes.constant : sizeTable[sample]
                    guard size <= maxSize else {
                        failure = MP4Error(.limitExceeded, path: path + "/stsz", "sample \(sample) size \(size) exceeds \(maxSize)")
                        return
                    }
                    // A file cut off inside its samples (FFmpeg plays what is there): the index ends here.
                    guard offset <= fileSize - Int64(size) else { pastEnd = true; break chunks }
                    offsetOut[sample] = offset
                    packedOut[sample] = size & ~SampleIndex.syncBit | allSync
                    offset += Int64(size)
                    sample += 1
                }
                if sample >= sampleCount { break }
            }
        }}}
        if let failure { throw failure }
        let time: Int64
        var timeRuns: [SampleIndex.TimeRun] = []
        if let uniformDelta { time = Int64(sample) &* Int64(uniformDelta) } else {
            // Durations that change now and then are kept as runs; often, a time a sample.
            let runs = Self.timeRuns(sttsEntries, count: sample)
            if runs.runs.count <= sample / Self.samplesPerRun { timeRuns = runs.runs; time = runs.end } else {
                let walked = Self.decodeTimes(sttsEntries, count: sample)
                decodeTimes = walked.times; time = walked.end
            }
        }
        compositionOffsets.withUnsafeMutableBufferPointer { composition.fill($0) }
        packed.withUnsafeMutableBufferPointer { [sample] in sync.mark($0, count: sample) }
        let samplesPastEnd = pastEnd ? sampleCount - sample : 0
        if sample < sampleCount {  // cut off, or fewer chunk slots than samples: FFmpeg indexes what the chunks hold
            offsets.removeLast(sampleCount - sample); packed.removeLast(sampleCount - sample)
            if compositionOffsets.count > sample { compositionOffsets.removeLast(compositionOffsets.count - sample) }
        }
        if compositionOffsets.count < sample && compositionOffsets.contains(where: { $0 != 0 }) {
            compositionOffsets += repeatElement(0, count: sample - compositionOffsets.count)
        }
        let index = SampleIndex(offsets: offsets, sizeAndSync: packed, decodeTimes: decodeTimes, timeRuns: timeRuns, uniformDuration: uniformDelta ?? 0, endDTS: time,
                                compositionOffsets: compositionOffsets.count == sample ? compositionOffsets : [])
        return IndexedSamples(index: index, compositionShift: composition.shift, compositionCoverage: min(composition.coverage, index.count),
                      hasCompositionTable: composition.present, samplesPastEnd: samplesPastEnd)
    }

    /// Runs are kept instead of a time a sample when there are at most one per this many samples.
    static let samplesPerRun = 16

    /// The decode times of the first `count` samples from `stts` as runs of samples that last
    /// alike (neighbours of one delta joined), with the same reading rules as `decodeTimes`.
    static func timeRuns(_ entries: [TimeToSampleBox.Entry], count: Int) -> (runs: [SampleIndex.TimeRun], end: Int64) {
        var runs: [SampleIndex.TimeRun] = []
        var time: Int64 = 0, sample = 0
        for (i, e) in entries.enumerated() where sample < count {
            let end = i + 1 < entries.count && e.count > 0 ? min(count, sample + Int(e.count)) : count
            guard end > sample else { continue }
            if runs.last?.delta != e.delta { runs.append(.init(first: sample, dts: time, delta: e.delta)) }
            time &+= Int64(end - sample) &* Int64(e.delta)
            sample = end
        }
        return (runs, time)
    }

    /// Decode times of the first `count` samples from `stts` with its reading rules (an entry
    /// lasts its count of samples, one of count 0 never ends, the last entry's delta repeats),
    /// and the time just after them.
    static func decodeTimes(_ entries: [TimeToSampleBox.Entry], count: Int) -> (times: [Int64], end: Int64) {
        var times = [Int64](repeating: 0, count: count)
        var time: Int64 = 0
        times.withUnsafeMutableBufferPointer { out in
            var sample = 0
            for (i, e) in entries.enumerated() where sample < count {
                let end = i + 1 < entries.count && e.count > 0 ? min(count, sample + Int(e.count)) : count
                let delta = Int64(e.delta)
                while sample < end { out[sample] = time; time &+= delta; sample += 1 }
            }
        }
        return (times, time)
    }

    private func validate(stsc: [SampleToChunkBox.Entry], chunkCount: Int) throws(MP4Error) {
        var previous: UInt32 = 0
        for (i, e) in stsc.enumerated() {
            guard e.firstChunk > previous else {
                throw MP4Error(.invalid, path: path + "/stsc", "entry \(i) first chunk \(e.firstChunk) does not follow \(previous)")
            }
            previous = e.firstChunk
        }
        guard UInt64(previous) <= UInt64(chunkCount) else {
            throw MP4Error(.invalid, path: path + "/stsc", "refers to chunk \(previous) but the chunk offset table has \(chunkCount) chunks")
        }
    }
}

/// Composition offsets expanded per sample, with FFmpeg's reading rules: entries
/// whose count is not positive as a signed value are skipped; the shift is the
/// largest negated offset among all but the last two entries; an offset beyond
/// ±2^28 outside the last two entries voids the whole table.
private struct Composition {
    var entries: [(count: Int, offset: Int32)] = []
    var shift: Int64 = 0
    var coverage = 0
    /// FFmpeg keeps a table that had entries, even if none had a positive count.
    var present = false
    private var runStarts: [Int] = []

    init(_ box: CompositionOffsetBox?, sampleCount: Int) {
        guard let box, !box.entries.isEmpty else { return }
        present = true
        let n = box.entries.count
        for (i, e) in box.entries.enumerated() {
            let count = Int32(bitPattern: e.count)
            guard count > 0 else { continue }
            entries.append((Int(count), e.offset))
            if i + 2 < n {
                if e.offset < -(1 << 28) || e.offset > 1 << 28 { entries = []; shift = 0; present = false; return }
                if e.offset < 0 { shift = max(shift, e.offset == Int32.min ? Int64(Int32.max) : -Int64(e.offset)) }
            }
        }
        var start = 0
        for e in entries {
            runStarts.append(start)
            start += e.count
            if start >= sampleCount { break }
        }
        coverage = min(start, sampleCount)
    }

    /// Writes each sample's offset into `out` (`coverage` samples), a run at a time.
    func fill(_ out: UnsafeMutableBufferPointer<Int32>) {
        for (r, start) in runStarts.enumerated() {
            let end = min(r + 1 < runStarts.count ? runStarts[r + 1] : coverage, out.count)
            guard start < end else { continue }
            let offset = entries[r].offset
            for i in start..<end { out[i] = offset }
        }
    }
}

/// Reads `stss` as FFmpeg does: absent means all samples are sync; present but empty means
/// only the first (all, for audio); otherwise each listed number in turn marks the sample it
/// names (1-based unless the first is 0) when that comes after the last one marked: a number
/// out of order or past the samples ends the list (a cursor walking the samples would never
/// reach it, and stopped there).
private struct SyncFlags {
    let numbers: [UInt32]?
    let keyOffset: Int64
    let isAudio: Bool

    init(_ box: SyncSampleBox?, isAudio: Bool) {
        self.isAudio = isAudio
        numbers = box?.sampleNumbers
        keyOffset = (box?.sampleNumbers.first ?? 0) > 0 ? 1 : 0
    }

    /// Every sample is sync (set while the sizes are written).
    var all: Bool { numbers == nil || (numbers?.isEmpty == true && isAudio) }

    /// Sets the sync bit of the samples `stss` names among the first `count`.
    func mark(_ packed: UnsafeMutableBufferPointer<UInt32>, count: Int) {
        guard let numbers, !all, count > 0 else { return }
        guard !numbers.isEmpty else { packed[0] |= SampleIndex.syncBit; return }
        var next: Int64 = 0
        for number in numbers {
            let sample = Int64(number) - keyOffset
            guard sample >= next, sample < Int64(count) else { return }
            packed[Int(sample)] |= SampleIndex.syncBit
            next = sample + 1
        }
    }
}
