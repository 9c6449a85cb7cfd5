import CAVCodec
import Foundation

/// A demuxer over one input file.
public final class InputContainer {
    public let pointer: UnsafeMutablePointer<AVFormatContext>

    public init(path: String) throws(LibAVError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_open_input(&context, path, nil, nil), "open input")
        guard let context else { throw LibAVError(operation: "open input", code: vod_averror(ENOMEM)) }
        pointer = context
        do { try check(avformat_find_stream_info(pointer, nil), "read stream info") } catch {
            var p: UnsafeMutablePointer<AVFormatContext>? = pointer
            avformat_close_input(&p)
            throw error
        }
    }

    deinit { var p: UnsafeMutablePointer<AVFormatContext>? = pointer; avformat_close_input(&p) }

    public func stream(_ index: Int32) -> UnsafeMutablePointer<AVStream> { pointer.pointee.streams[Int(index)]! }

    /// The best stream of `type` and its decoder, or nil.
    /// The indexes of every stream of `type`, in the container's order.
    public func streams(_ type: AVMediaType) -> [Int32] {
        (0..<Int32(pointer.pointee.nb_streams)).filter { stream($0).pointee.codecpar.pointee.codec_type == type }
    }

    public func bestStream(_ type: AVMediaType) -> (index: Int32, decoder: UnsafePointer<AVCodec>)? {
        var decoder: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(pointer, type, -1, -1, &decoder, 0)
        guard index >= 0, let decoder else { return nil }
        return (index, decoder)
    }
}
