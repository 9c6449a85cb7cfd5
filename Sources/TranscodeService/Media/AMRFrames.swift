import CAVCodec

/// AMR in MP4 and 3GP (3GPP TS 26.244) may hold many 20 ms frames in one sample (old phones
/// write a second of speech per sample), while libavcodec's AMR decoders decode only the first
/// frame of a packet: the rest of the second would be lost (and the job fail verification as
/// truncated). Each frame starts with a header byte whose frame type gives its size (RFC 4867
/// §5.3, storage format), so a sample is cut into its frames before decoding.
enum AMRFrames {
    /// Speech bytes after the header byte, by frame type; nil: a reserved type (the sample is not cut).
    static let narrowband: [Int?] = [12, 13, 15, 17, 19, 20, 26, 31, 5, 6, 5, 5, nil, nil, nil, 0]
    static let wideband: [Int?] = [17, 23, 32, 36, 40, 46, 50, 58, 60, 5, nil, nil, nil, nil, 0, 0]

    /// The byte ranges of the frames in `bytes`; nil when it holds one frame, or a reserved frame type.
    static func frames(_ bytes: UnsafeBufferPointer<UInt8>, wideband: Bool) -> [Range<Int>]? {
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

    /// `packet` cut into one packet per frame when `decoder` is an AMR decoder and the packet
    /// holds several; nil otherwise. The first keeps the packet's timestamps (the audio path
    /// counts samples from the first frame on).
    static func split(_ packet: UnsafeMutablePointer<AVPacket>, for decoder: CodecContext) throws -> [Packet]? {
        let id = decoder.pointer.pointee.codec_id
        guard id == AV_CODEC_ID_AMR_NB || id == AV_CODEC_ID_AMR_WB, let data = packet.pointee.data, packet.pointee.size > 0 else { return nil }
        let bytes = UnsafeBufferPointer(start: data, count: Int(packet.pointee.size))
        guard let ranges = frames(bytes, wideband: id == AV_CODEC_ID_AMR_WB) else { return nil }
        return try ranges.enumerated().map { k, range in
            let part = Packet()
            try check(av_new_packet(part.pointer, Int32(range.count)), "AMR frame")
            if let target = part.pointer.pointee.data, let source = bytes.baseAddress { target.update(from: source + range.lowerBound, count: range.count) }
            part.pointer.pointee.pts = k == 0 ? packet.pointee.pts : vod_nopts_value()
            part.pointer.pointee.dts = k == 0 ? packet.pointee.dts : vod_nopts_value()
            part.pointer.pointee.stream_index = packet.pointee.stream_index
            return part
        }
    }
}
