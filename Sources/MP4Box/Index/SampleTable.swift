/// The boxes of one `stbl` that describe samples.
public struct SampleTable: Sendable {
    public var description: SampleDescriptionBox?
    public var timeToSample: TimeToSampleBox?
    public var compositionOffsets: CompositionOffsetBox?
    public var syncSamples: SyncSampleBox?
    public var sampleToChunk: SampleToChunkBox?
    /// From `stsz` or `stz2`: a size per sample, or one size for `count` samples.
    public var sampleSizes: (constant: UInt32, count: UInt32, sizes: [UInt32])?
    /// From `stco` or `co64`.
    public var chunkOffsets: [UInt64]?
    public var dependencies: SampleDependencyTypeBox?

    public init() {}

    init(reading r: inout ByteReader, handler: FourCC?) throws(MP4Error) {
        for (header, child) in try r.boxes() {
            var body = child
            switch header.type {
            case "stsd": description = try SampleDescriptionBox(payload: &body, handler: handler)
            case "stts": timeToSample = try body.whole(TimeToSampleBox.self)
            case "ctts": compositionOffsets = try body.whole(CompositionOffsetBox.self)
            case "stss": syncSamples = try body.whole(SyncSampleBox.self)
            case "stsc": sampleToChunk = try body.whole(SampleToChunkBox.self)
            case "stsz":
                let box = try body.whole(SampleSizeBox.self)
                sampleSizes = (box.constantSize, box.sampleCount, box.sizes)
            case "stz2":
                let box = try body.whole(CompactSampleSizeBox.self)
                sampleSizes = (0, UInt32(box.sizes.count), box.sizes)
            case "stco": chunkOffsets = try body.whole(ChunkOffsetBox.self).offsets
            case "co64": chunkOffsets = try body.whole(ChunkLargeOffsetBox.self).offsets
            case "sdtp": dependencies = try SampleDependencyTypeBox(payload: &body)
            default: break
            }
        }
    }
}
