import CAVCodec
import Foundation

/// An `AVFrame`, freed with its owner.
public final class Frame {
    public let pointer: UnsafeMutablePointer<AVFrame>
    public init() { pointer = av_frame_alloc() }
    deinit { var p: UnsafeMutablePointer<AVFrame>? = pointer; av_frame_free(&p) }
}

/// An `AVPacket`, freed with its owner.
public final class Packet {
    public let pointer: UnsafeMutablePointer<AVPacket>
    public init() { pointer = av_packet_alloc() }
    deinit { var p: UnsafeMutablePointer<AVPacket>? = pointer; av_packet_free(&p) }
}

/// An `AVCodecContext`, freed with its owner.
public final class CodecContext {
    public let pointer: UnsafeMutablePointer<AVCodecContext>
    public init(codec: UnsafePointer<AVCodec>) throws(LibAVError) {
        guard let p = avcodec_alloc_context3(codec) else { throw LibAVError(operation: "avcodec_alloc_context3", code: vod_averror(ENOMEM)) }
        pointer = p
    }
    deinit { var p: UnsafeMutablePointer<AVCodecContext>? = pointer; avcodec_free_context(&p) }

    /// Opens the codec with `options`; an option the codec did not take is an error (a typo must not pass silently).
    public func open(_ codec: UnsafePointer<AVCodec>, options: [String: String] = [:]) throws(LibAVError) {
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        try check(avcodec_open2(pointer, codec, &dictionary), "open \(String(cString: codec.pointee.name))")
        if let left = av_dict_get(dictionary, "", nil, AV_DICT_IGNORE_SUFFIX) {
            throw LibAVError(operation: "\(String(cString: codec.pointee.name)) does not know option \(String(cString: left.pointee.key))", code: vod_averror(EINVAL))
        }
    }
}
