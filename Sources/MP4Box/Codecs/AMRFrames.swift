/// AMR in MP4 and 3GP (`samr`, `sawb`; 3GPP TS 26.244) may hold many 20 ms frames in one
/// sample: old phones write a second of speech per sample. Each frame starts with a header byte
/// whose frame type gives its size (RFC 4867 §5.3, the storage format), so a sample can be cut
/// into its frames (libavcodec's AMR decoders decode only the first frame of a packet).
public enum AMRFrames {
    /// Speech bytes after the header byte, by frame type; nil: a reserved type (the sample is not cut).
    static let narrowband: [Int?] = [12, 13, 15, 17, 19, 20, 26, 31, 5, 6, 5, 5, nil, nil, nil, 0]
    static let wideband: [Int?] = [17, 23, 32, 36, 40, 46, 50, 58, 60, 5, nil, nil, nil, nil, 0, 0]

    /// The byte ranges of the frames in `bytes`; nil when it holds one frame, or a reserved
    /// frame type. A last frame cut short keeps what there is.
    public static func frames(_ bytes: UnsafeBufferPointer<UInt8>, wideband: Bool) -> [Range<Int>]? {
        let sizes = wideband ? Self.wideband : narrowband
        var ranges: [Range<Int>] = []
        var offset = 0
        while offset < bytes.count {
            guard let speech = sizes[Int(bytes[offset] >> 3 & 0x0F)] else { return nil }
            let end = min(bytes.count, offset + 1 + speech)
            ranges.append(offset..<end)
            offset = end
        }
        return ranges.count > 1 ? ranges : nil
    }
}
