import CAVCodec
import LibAV
import MP4Box

extension AMRFrames {
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
