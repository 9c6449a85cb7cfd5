import CAVCodec
import LibAV

/// Turns decoded pictures upright (90, 180 or 270 degrees clockwise): converted to
/// YUV 4:2:0 at the source size if needed, then each plane rotated into a new frame.
/// libswscale scales but does not rotate, and libavfilter is not linked.
final class FrameRotator {
    let rotation: Int
    private let planar = Frame()
    private let rotated = Frame()
    private var converter: OpaquePointer?

    init(rotation: Int) { self.rotation = rotation }
    deinit { sws_freeContext(converter) }

    func rotate(_ source: UnsafeMutablePointer<AVFrame>) throws -> UnsafeMutablePointer<AVFrame> {
        var input = source
        if source.pointee.format != AV_PIX_FMT_YUV420P.rawValue {
            let p = planar.pointer
            av_frame_unref(p)
            p.pointee.format = AV_PIX_FMT_YUV420P.rawValue
            p.pointee.width = source.pointee.width
            p.pointee.height = source.pointee.height
            try check(av_frame_get_buffer(p, 0), "frame buffer")
            if converter == nil {
                converter = sws_getContext(source.pointee.width, source.pointee.height, AVPixelFormat(rawValue: source.pointee.format),
                                           p.pointee.width, p.pointee.height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nil, nil, nil)
            }
            try check(sws_scale_frame(converter, p, source), "convert for rotation")
            input = p
        }
        let width = Int(input.pointee.width), height = Int(input.pointee.height)
        let out = rotated.pointer
        av_frame_unref(out)
        out.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        out.pointee.width = Int32(rotation == 180 ? width : height)
        out.pointee.height = Int32(rotation == 180 ? height : width)
        try check(av_frame_get_buffer(out, 0), "frame buffer")
        for plane in 0..<3 {
            let w = plane == 0 ? width : (width + 1) / 2
            let h = plane == 0 ? height : (height + 1) / 2
            guard let src = vod_frame_data(input, Int32(plane)), let dst = vod_frame_data(out, Int32(plane)) else { continue }
            let srcStride = Int(vod_frame_linesize(input, Int32(plane))), dstStride = Int(vod_frame_linesize(out, Int32(plane)))
            for y in 0..<h {
                let row = src + y * srcStride
                for x in 0..<w {
                    let value = row[x]
                    switch rotation {
                    case 90: dst[x * dstStride + (h - 1 - y)] = value          // (x, y) → (h-1-y, x)
                    case 270: dst[(w - 1 - x) * dstStride + y] = value         // (x, y) → (y, w-1-x)
                    default: dst[(h - 1 - y) * dstStride + (w - 1 - x)] = value  // 180
                    }
                }
            }
        }
        out.pointee.pts = source.pointee.pts
        out.pointee.best_effort_timestamp = source.pointee.best_effort_timestamp
        return out
    }
}
