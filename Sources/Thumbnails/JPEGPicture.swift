import CAVCodec
import Foundation
import LibAV

/// A picture scaled to a size in full-range YUV 4:2:0 (what MJPEG takes) and encoded as
/// JPEG by libavcodec's MJPEG encoder.
enum JPEGPicture {
    /// JPEG quality scale (2 best … 31 worst): 3 keeps a thumbnail well above 30 dB.
    static let quality: Int32 = 3

    /// A new full-range 4:2:0 picture with its buffers.
    static func picture(width: Int32, height: Int32) throws(LibAVError) -> Frame {
        let out = Frame()
        out.pointer.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        out.pointer.pointee.width = width
        out.pointer.pointee.height = height
        try check(av_frame_get_buffer(out.pointer, 0), "picture buffer")
        return out
    }

    /// `source` scaled to `width`×`height` into a fresh frame.
    static func scaled(_ source: Frame, width: Int32, height: Int32) throws(LibAVError) -> Frame {
        let out = try picture(width: width, height: height)
        let s = source.pointer.pointee
        guard let context = sws_getContext(s.width, s.height, AVPixelFormat(rawValue: s.format), width, height, AV_PIX_FMT_YUVJ420P,
                                           SWS_BICUBIC, nil, nil, nil) else {
            throw LibAVError(operation: "scale from pixel format \(s.format)", code: vod_averror(EINVAL))
        }
        defer { sws_freeContext(context) }
        try check(sws_scale_frame(context, out.pointer, source.pointer), "scale")
        return out
    }

    /// A blank (black) picture of `width`×`height`, for sprite sheets.
    static func blank(width: Int32, height: Int32) throws(LibAVError) -> Frame {
        let out = try picture(width: width, height: height)
        let f = out.pointer.pointee
        if let y = f.data.0 { memset(y, 0, Int(f.linesize.0) * Int(height)) }
        if let u = f.data.1 { memset(u, 128, Int(f.linesize.1) * Int((height + 1) / 2)) }
        if let v = f.data.2 { memset(v, 128, Int(f.linesize.2) * Int((height + 1) / 2)) }
        return out
    }

    /// Copies `tile` into `sheet` with its top-left corner at (`x`, `y`) (even numbers).
    static func paste(_ tile: Frame, into sheet: Frame, x: Int, y: Int) {
        let t = tile.pointer.pointee, s = sheet.pointer.pointee
        let planes = [(t.data.0, t.linesize.0, s.data.0, s.linesize.0, 1), (t.data.1, t.linesize.1, s.data.1, s.linesize.1, 2),
                      (t.data.2, t.linesize.2, s.data.2, s.linesize.2, 2)]
        for (from, fromStride, to, toStride, shrink) in planes {
            guard let from, let to else { continue }
            let rows = (Int(t.height) + shrink - 1) / shrink, bytes = (Int(t.width) + shrink - 1) / shrink
            for row in 0..<rows {
                memcpy(to + (y / shrink + row) * Int(toStride) + x / shrink, from + row * Int(fromStride), bytes)
            }
        }
    }

    /// `picture` (full-range 4:2:0) as a JPEG file.
    static func encode(_ picture: Frame) throws(LibAVError) -> [UInt8] {
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else { throw LibAVError(operation: "find the MJPEG encoder", code: vod_averror(ENOSYS)) }
        let encoder = try CodecContext(codec: codec)
        let e = encoder.pointer
        e.pointee.width = picture.pointer.pointee.width
        e.pointee.height = picture.pointer.pointee.height
        e.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        e.pointee.time_base = AVRational(num: 1, den: 25)
        e.pointee.flags |= Int32(bitPattern: UInt32(AV_CODEC_FLAG_QSCALE))
        e.pointee.global_quality = quality * FF_QP2LAMBDA
        try encoder.open(codec)
        picture.pointer.pointee.quality = e.pointee.global_quality
        picture.pointer.pointee.pts = 0
        try check(avcodec_send_frame(e, picture.pointer), "encode JPEG")
        try check(avcodec_send_frame(e, nil), "finish JPEG")
        let packet = Packet()
        var bytes: [UInt8] = []
        while true {
            let got = avcodec_receive_packet(e, packet.pointer)
            if got == averrorEOF || got == averrorEAGAIN { break }
            try check(got, "encode JPEG")
            if let data = packet.pointer.pointee.data { bytes += UnsafeBufferPointer(start: data, count: Int(packet.pointer.pointee.size)) }
            av_packet_unref(packet.pointer)
        }
        return bytes
    }
}
