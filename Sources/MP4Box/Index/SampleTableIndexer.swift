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

    struct Result {
        var index: SampleIndex
        var compositionShift: Int64
        var compositionCoverage: Int
        var hasCompositionTable: Bool
        var samplesPastEnd = 0
    }

    func build() throws(MP4Error) -> Result {
        let chunkOffsets = table.chunkOffsets ?? []
        let sizes = table.sampleSizes ?? (0, 0, [])
        let sampleCount = Int(sizes.count)
        if sampleCount == 0 && chunkOffsets.isEmpty {
            return Result(index: SampleIndex(), compositionShift: 0, compositionCoverage: 0, hasCompositionTable: false)
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
        var composition = Composition(table.compositionOffsets, sampleCount: sampleCount)

        // One pass over the chunks, writing straight into the index's arrays.
        var offsets = [Int64](repeating: 0, count: sampleCount)
        var packed = [UInt32](repeating: 0, count: sampleCount)
        // One delta for every sample (constant frame rate, audio): no per-sample durations.
        let sttsEntries = stts.entries
        let uniformDelta: UInt32? = sttsEntries.allSatisfy { $0.delta == sttsEntries[0].delta } ? sttsEntries[0].delta : nil
        var decodeTimes = [Int64](repeating: 0, count: uniformDelta == nil ? sampleCount : 0)
        var time: Int64 = 0
        var compositionOffsets = [Int32](repeating: 0, count: composition.coverage)
        var sync = SyncCursor(table.syncSamples, isAudio: isAudio)
        var failure: MP4Error?
        var pastEnd = false
        var sample = 0
        let maxSize = limits.maxSampleSize
        offsets.withUnsafeMutableBufferPointer { offsetOut in
        packed.withUnsafeMutableBufferPointer { packedOut in
        decodeTimes.withUnsafeMutableBufferPointer { timeOut in
        compositionOffsets.withUnsafeMutableBufferPointer { compositionOut in
        sizes.sizes.withUnsafeBufferPointer { sizeTable in
            var sttsIndex = 0, sttsSample: UInt32 = 0, stscIndex = 0
            chunks: for chunk in 0..<chunkOffsets.count {
                while stscIndex + 1 < stsc.count && UInt64(chunk + 1) == UInt64(stsc[stscIndex + 1].firstChunk) { stscIndex += 1 }
                guard chunkOffsets[chunk] <= UInt64(Int64.max) else {
                    failure = MP4Error(.invalid, path: path + "/stco", "chunk \(chunk) offset \(chunkOffsets[chunk]) is impossible")
                    return
                }
                var offset = Int64(chunkOffsets[chunk])
                for _ in 0..<stsc[stscIndex].samplesPerChunk {
                    if sample >= sampleCount { break chunks }
                    let size = sizes.constant != 0 ? sizes.constant : sizeTable[sample]
                    guard size <= maxSize else {
                        failure = MP4Error(.limitExceeded, path: path + "/stsz", "sample \(sample) size \(size) exceeds \(maxSize)")
                        return
                    }
                    // A file cut off inside its samples (FFmpeg plays what is there): the index ends here.
                    guard offset <= fileSize - Int64(size) else { pastEnd = true; break chunks }
                    offsetOut[sample] = offset
                    packedOut[sample] = size & ~SampleIndex.syncBit | (sync.isSync(sample) ? SampleIndex.syncBit : 0)
                    if sample < timeOut.count { timeOut[sample] = time }
                    time &+= Int64(sttsEntries[sttsIndex].delta)
                    if sample < compositionOut.count { compositionOut[sample] = composition.offset(of: sample) }
                    offset += Int64(size)
                    sample += 1
                    sttsSample &+= 1
                    if sttsIndex + 1 < sttsEntries.count && sttsSample == sttsEntries[sttsIndex].count {
                        sttsSample = 0
                        sttsIndex += 1
                    }
                }
            }
        }}}}}
        if let failure { throw failure }
        let samplesPastEnd = pastEnd ? sampleCount - sample : 0
        if sample < sampleCount {  // cut off, or fewer chunk slots than samples: FFmpeg indexes what the chunks hold
            offsets.removeLast(sampleCount - sample); packed.removeLast(sampleCount - sample)
            if !decodeTimes.isEmpty { decodeTimes.removeLast(sampleCount - sample) }
            if compositionOffsets.count > sample { compositionOffsets.removeLast(compositionOffsets.count - sample) }
        }
        if compositionOffsets.count < sample && compositionOffsets.contains(where: { $0 != 0 }) {
            compositionOffsets += repeatElement(0, count: sample - compositionOffsets.count)
        }
        let index = SampleIndex(offsets: offsets, sizeAndSync: packed, decodeTimes: decodeTimes, uniformDuration: uniformDelta ?? 0, endDTS: time,
                                compositionOffsets: compositionOffsets.count == sample ? compositionOffsets : [])
        return Result(index: index, compositionShift: composition.shift, compositionCoverage: min(composition.coverage, index.count),
                      hasCompositionTable: composition.present, samplesPastEnd: samplesPastEnd)
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

    private var run = 0

    /// Offsets are asked for in increasing sample order, so a cursor suffices.
    mutating func offset(of sample: Int) -> Int32 {
        guard sample < coverage else { return 0 }
        while run + 1 < runStarts.count && runStarts[run + 1] <= sample { run += 1 }
        return entries[run].offset
    }
}

/// Walks `stss` as FFmpeg does: absent means all samples are sync; present but
/// empty means only the first; otherwise a sample is sync when its number
/// matches the next listed one (numbers are 1-based unless the first is 0).
private struct SyncCursor {
    let numbers: [UInt32]?
    let keyOffset: UInt32
    var position = 0

    let isAudio: Bool

    init(_ box: SyncSampleBox?, isAudio: Bool) {
        self.isAudio = isAudio
        numbers = box?.sampleNumbers
        keyOffset = (box?.sampleNumbers.first ?? 0) > 0 ? 1 : 0
    }

    mutating func isSync(_ sample: Int) -> Bool {
        guard let numbers else { return true }
        guard !numbers.isEmpty else { return isAudio || sample == 0 }
        if UInt64(sample) + UInt64(keyOffset) == UInt64(numbers[position]) {
            if position + 1 < numbers.count { position += 1 }
            return true
        }
        return false
    }
}
