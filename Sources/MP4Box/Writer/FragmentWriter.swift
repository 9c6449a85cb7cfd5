/// Writes the header of one media fragment (`styp`, optional `sidx`, `moof`,
/// the `mdat` header) and lists the file ranges that make up the `mdat`
/// payload, so the sample bytes are sent straight from the source file.
public enum FragmentWriter {
    /// One sample to put in a fragment: where its bytes are and how it plays.
    public struct SampleInput: Equatable, Sendable {
        public var offset: Int64
        public var size: UInt32
        public var duration: UInt32
        public var compositionOffset: Int32
        public var isSync: Bool
        public init(offset: Int64, size: UInt32, duration: UInt32, compositionOffset: Int32, isSync: Bool) {
            self.offset = offset; self.size = size; self.duration = duration
            self.compositionOffset = compositionOffset; self.isSync = isSync
        }
    }

    /// The samples of one track in a fragment.
    public struct TrackRun: Sendable {
        public var trackID: UInt32
        public var baseDecodeTime: UInt64
        public var samples: [SampleInput]
        /// Set when the samples are encrypted: `saiz`, `saio` and `senc` follow the `trun`.
        public var encryption: SampleEncryptionInput?
        public init(trackID: UInt32, baseDecodeTime: UInt64, samples: [SampleInput], encryption: SampleEncryptionInput? = nil) {
            self.trackID = trackID; self.baseDecodeTime = baseDecodeTime; self.samples = samples; self.encryption = encryption
        }
    }

    /// A `sidx` for the first track: its timescale and earliest presentation time.
    public struct SegmentIndexInput: Sendable {
        public var timescale: UInt32
        public var earliestPresentationTime: UInt64
        public init(timescale: UInt32, earliestPresentationTime: UInt64) {
            self.timescale = timescale; self.earliestPresentationTime = earliestPresentationTime
        }
    }

    public struct Fragment: Equatable, Sendable {
        /// `styp` + `sidx` + `moof` + `mdat` header.
        public var header: [UInt8]
        /// The `mdat` payload, in order.
        public var data: [FileRange]
        public var size: Int64 { Int64(header.count) + data.reduce(0) { $0 + $1.length } }
    }

    public static let segmentBrands = Brands(major: "msdh", minorVersion: 0, compatible: ["msdh", "msix", "cmfs", "iso6"])

    public static func write(sequenceNumber: UInt32, runs: [TrackRun], styp: Brands? = segmentBrands,
                             sidx: SegmentIndexInput? = nil) -> Fragment {
        var data: [FileRange] = []
        var runBytes: [Int64] = []
        for run in runs {
            var total: Int64 = 0
            for s in run.samples {
                data.appendMerging(FileRange(offset: s.offset, length: Int64(s.size)))
                total += Int64(s.size)
            }
            runBytes.append(total)
        }
        let payload = runBytes.reduce(0, +)
        let mdatHeaderSize = payload + 8 > Int64(UInt32.max) ? 16 : 8

        var moof = ByteWriter(capacity: 64 + runs.reduce(0) { $0 + $1.samples.count * 16 })
        var dataOffsetFields: [Int] = []
        var auxiliaryOffsets: [(field: Int, entries: Int)] = []
        moof.box("moof") { m in
            m.write(MovieFragmentHeaderBox(sequenceNumber: sequenceNumber))
            for run in runs {
                m.box("traf") { traf in
                    writeTrackFragment(run, to: &traf, dataOffsetField: &dataOffsetFields)
                    if let encryption = run.encryption { auxiliaryOffsets.append(encryption.write(to: &traf)) }
                }
            }
        }
        // saio: from the start of the moof (default-base-is-moof) to the first senc entry.
        for (field, entries) in auxiliaryOffsets { moof.set32(UInt32(truncatingIfNeeded: entries), at: field) }
        // Data offsets are from the start of the moof to each run's first byte in the mdat.
        var position = Int64(moof.count) + Int64(mdatHeaderSize)
        for (field, bytes) in zip(dataOffsetFields, runBytes) {
            moof.set32(UInt32(truncatingIfNeeded: position), at: field)
            position += bytes
        }

        var out = ByteWriter(capacity: moof.count + 128)
        if let styp { out.write(SegmentTypeBox(brands: styp)) }
        if let sidx, let first = runs.first {
            let duration = first.samples.reduce(UInt64(0)) { $0 + UInt64($1.duration) }
            let referenced = Int64(moof.count) + Int64(mdatHeaderSize) + payload
            out.write(SegmentIndexBox(referenceID: first.trackID, timescale: sidx.timescale,
                                      earliestPresentationTime: sidx.earliestPresentationTime,
                                      references: [.init(size: UInt32(clamping: referenced), duration: UInt32(clamping: duration),
                                                         startsWithSAP: first.samples.first?.isSync ?? false)]))
        }
        out.append(moof.bytes)
        if mdatHeaderSize == 16 {
            out.u32(1); out.fourCC("mdat"); out.u64(UInt64(payload + 16))
        } else {
            out.u32(UInt32(payload + 8)); out.fourCC("mdat")
        }
        return Fragment(header: out.bytes, data: data)
    }

    /// The size of the header `write` produces, without building it: what a playlist
    /// needs for bandwidth figures. `FragmentWriterTests` checks it against `write`.
    public static func headerSize(runs: [TrackRun], styp: Brands? = segmentBrands, sidx: SegmentIndexInput? = nil) -> Int {
        var moof = 8 + 16
        var payload: Int64 = 0
        for run in runs {
            let samples = run.samples
            let allSync = samples.allSatisfy(\.isSync)
            let onlyFirstSync = !allSync && samples.dropFirst().allSatisfy { !$0.isSync }
            let hasOffsets = samples.contains { $0.compositionOffset != 0 }
            let tfhd = 16 + (allSync || onlyFirstSync ? 4 : 0)
            let tfdt = run.baseDecodeTime > UInt32.max ? 20 : 16
            let perSample = 8 + (!allSync && !onlyFirstSync ? 4 : 0) + (hasOffsets ? 4 : 0)
            let trun = 16 + 4 + (onlyFirstSync ? 4 : 0) + samples.count * perSample
            moof += 8 + tfhd + tfdt + trun + (run.encryption?.boxesSize ?? 0)
            payload += samples.reduce(0) { $0 + Int64($1.size) }
        }
        var size = moof + (payload + 8 > Int64(UInt32.max) ? 16 : 8)
        if let styp { size += 16 + 4 * styp.compatible.count }
        if let sidx, !runs.isEmpty { size += sidx.earliestPresentationTime > UInt32.max ? 52 : 44 }
        return size
    }

    private static func writeTrackFragment(_ run: TrackRun, to w: inout ByteWriter, dataOffsetField: inout [Int]) {
        let samples = run.samples
        let allSync = samples.allSatisfy(\.isSync)
        let onlyFirstSync = !allSync && samples.dropFirst().allSatisfy { !$0.isSync }
        var tfhd = TrackFragmentHeaderBox(trackID: run.trackID, defaultBaseIsMoof: true)
        if allSync { tfhd.defaultSampleFlags = .sync } else if onlyFirstSync { tfhd.defaultSampleFlags = .nonSync }
        w.write(tfhd)
        w.write(TrackFragmentDecodeTimeBox(baseMediaDecodeTime: run.baseDecodeTime))
        let hasOffsets = samples.contains { $0.compositionOffset != 0 }
        let negative = samples.contains { $0.compositionOffset < 0 }
        let perSampleFlags = !allSync && !onlyFirstSync
        let trun = TrackRunBox(
            version: negative ? 1 : 0, dataOffset: 0,
            firstSampleFlags: onlyFirstSync ? (samples[0].isSync ? .sync : .nonSync) : nil,
            samples: samples.map {
                TrackRunBox.Sample(duration: $0.duration, size: $0.size,
                                   flags: perSampleFlags ? ($0.isSync ? .sync : .nonSync) : nil,
                                   compositionOffset: hasOffsets ? $0.compositionOffset : nil)
            })
        let start = w.count
        w.write(trun)
        // trun: size, type, version+flags, sample count, then the data offset.
        dataOffsetField.append(start + 16)
    }
}
