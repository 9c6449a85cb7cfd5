import CAVCodec
import LibAV

/// The encoder libavcodec has under `name`; `file` (what it would make) goes into the error.
func findEncoder(_ name: String, for file: String) throws(TranscodeError) -> UnsafePointer<AVCodec> {
    guard let codec = avcodec_find_encoder_by_name(name) else {
        throw TranscodeError(stage: .transcode, reason: "libavcodec has no \(name) encoder (for \(file))", libav: nil)
    }
    return codec
}

/// A video encoder (not yet opened) for pictures of `width`×`height` in YUV 4:2:0 with square
/// pixels at `rate`, the part every rung and download version shares.
func pictureEncoder(_ codec: UnsafePointer<AVCodec>, width: Int, height: Int, rate: AVRational) throws -> CodecContext {
    let encoder = try CodecContext(codec: codec)
    let e = encoder.pointer
    e.pointee.width = Int32(width)
    e.pointee.height = Int32(height)
    e.pointee.pix_fmt = AV_PIX_FMT_YUV420P
    e.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
    e.pointee.framerate = rate
    return encoder
}

/// The stream's average frame rate, 25 when it does not say.
func averageFrameRate(_ stream: UnsafeMutablePointer<AVStream>) -> AVRational {
    let rate = stream.pointee.avg_frame_rate
    return rate.den > 0 && rate.num > 0 ? rate : AVRational(num: 25, den: 1)
}

/// Scales decoded pictures to one size in YUV 4:2:0; the scaler is made for the first
/// picture's size and format.
final class PictureScaler {
    let width: Int32
    let height: Int32
    private var context: OpaquePointer?

    init(width: Int, height: Int) {
        self.width = Int32(width)
        self.height = Int32(height)
    }

    deinit { sws_freeContext(context) }

    /// `source` scaled into `frame`, which is given a fresh buffer.
    func scale(_ source: UnsafeMutablePointer<AVFrame>, into frame: UnsafeMutablePointer<AVFrame>) throws {
        av_frame_unref(frame)
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        frame.pointee.width = width
        frame.pointee.height = height
        try check(av_frame_get_buffer(frame, 0), "frame buffer")
        if context == nil {
            context = sws_getContext(source.pointee.width, source.pointee.height, AVPixelFormat(rawValue: source.pointee.format),
                                     width, height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nil, nil, nil)
            guard context != nil else { throw TranscodeError(stage: .transcode, reason: "cannot scale this pixel format", libav: nil) }
        }
        try check(sws_scale_frame(context, frame, source), "scale")
    }
}

/// Frames in `seconds` at `rate`: a rate from the file, so at least 1 and at most a million
/// (room for the encoders' doubled intervals), never a trap.
func frames(in seconds: Double, at rate: AVRational) -> Int32 {
    let count = (seconds * av_q2d(rate)).rounded()
    return Int32(min(1_000_000, max(1, Int64(exactly: count) ?? 1)))
}
