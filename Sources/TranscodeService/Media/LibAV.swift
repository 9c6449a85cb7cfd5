import CAVCodec
import Foundation

/// A libav call that failed: what was being done and libav's own message.
public struct LibAVError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public var message: String {
        var buffer = [CChar](repeating: 0, count: 128)
        vod_error_string(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    public var description: String { "\(operation): \(message)" }
}

/// Throws a `LibAVError` for a negative return code; passes anything else through.
@discardableResult
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LibAVError) -> Int32 {
    if code < 0 { throw LibAVError(operation: operation(), code: code) }
    return code
}

let averrorEAGAIN = vod_averror_eagain()
let averrorEOF = vod_averror_eof()

/// An `AVFrame`, freed with its owner.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>
    init() { pointer = av_frame_alloc() }
    deinit { var p: UnsafeMutablePointer<AVFrame>? = pointer; av_frame_free(&p) }
}

/// An `AVPacket`, freed with its owner.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>
    init() { pointer = av_packet_alloc() }
    deinit { var p: UnsafeMutablePointer<AVPacket>? = pointer; av_packet_free(&p) }
}

/// An `AVCodecContext`, freed with its owner.
final class CodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>
    init(codec: UnsafePointer<AVCodec>) throws(LibAVError) {
        guard let p = avcodec_alloc_context3(codec) else { throw LibAVError(operation: "avcodec_alloc_context3", code: vod_averror(ENOMEM)) }
        pointer = p
    }
    deinit { var p: UnsafeMutablePointer<AVCodecContext>? = pointer; avcodec_free_context(&p) }

    /// Opens the codec with `options`; an option the codec did not take is an error (a typo must not pass silently).
    func open(_ codec: UnsafePointer<AVCodec>, options: [String: String] = [:]) throws(LibAVError) {
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        try check(avcodec_open2(pointer, codec, &dictionary), "open \(String(cString: codec.pointee.name))")
        if let left = av_dict_get(dictionary, "", nil, AV_DICT_IGNORE_SUFFIX) {
            throw LibAVError(operation: "\(String(cString: codec.pointee.name)) does not know option \(String(cString: left.pointee.key))", code: vod_averror(EINVAL))
        }
    }
}

/// A demuxer over one input file.
final class InputContainer {
    let pointer: UnsafeMutablePointer<AVFormatContext>

    init(path: String) throws(LibAVError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_open_input(&context, path, nil, nil), "open input")
        pointer = context!
        do { try check(avformat_find_stream_info(pointer, nil), "read stream info") } catch {
            var p: UnsafeMutablePointer<AVFormatContext>? = pointer
            avformat_close_input(&p)
            throw error
        }
    }

    deinit { var p: UnsafeMutablePointer<AVFormatContext>? = pointer; avformat_close_input(&p) }

    func stream(_ index: Int32) -> UnsafeMutablePointer<AVStream> { pointer.pointee.streams[Int(index)]! }

    /// The best stream of `type` and its decoder, or nil.
    /// The indexes of every stream of `type`, in the container's order.
    func streams(_ type: AVMediaType) -> [Int32] {
        (0..<Int32(pointer.pointee.nb_streams)).filter { stream($0).pointee.codecpar.pointee.codec_type == type }
    }

    func bestStream(_ type: AVMediaType) -> (index: Int32, decoder: UnsafePointer<AVCodec>)? {
        var decoder: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(pointer, type, -1, -1, &decoder, 0)
        guard index >= 0, let decoder else { return nil }
        return (index, decoder)
    }
}

/// A muxer writing one file: an MP4 (index at the front, `+faststart`) with one stream for
/// the ladder, or any libavformat container with a video and an audio stream for downloads.
final class OutputContainer {
    let pointer: UnsafeMutablePointer<AVFormatContext>
    private(set) var streams: [UnsafeMutablePointer<AVStream>] = []
    private var headerWritten = false
    private var opened = false

    /// An empty container of libavformat's `format` at `path`; streams come with `addStream`.
    init(path: String, format: String = "mp4") throws(LibAVError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&context, nil, format, path), "create \(path)")
        guard let context else { throw LibAVError(operation: "create \(path)", code: vod_averror(ENOMEM)) }
        pointer = context
        do {
            try check(avio_open(&pointer.pointee.pb, path, AVIO_FLAG_WRITE), "open \(path) for writing")
            opened = true
        } catch {
            avformat_free_context(pointer)
            throw error
        }
    }

    /// An MP4 with the one stream of `encoder`; `tag`: the sample entry type when the muxer's default is not wanted (`hvc1`).
    convenience init(path: String, encoder: CodecContext, tag: UInt32? = nil) throws(LibAVError) {
        try self.init(path: path)
        try addStream(encoder, tag: tag)
    }

    deinit {
        if opened { avio_closep(&pointer.pointee.pb) }
        avformat_free_context(pointer)
    }

    /// Whether encoders must put their parameter sets in extradata (`AV_CODEC_FLAG_GLOBAL_HEADER`) for this container.
    var wantsGlobalHeader: Bool { pointer.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 }

    /// Adds a stream for the opened `encoder`; its index.
    @discardableResult
    func addStream(_ encoder: CodecContext, tag: UInt32? = nil) throws(LibAVError) -> Int32 {
        guard let stream = avformat_new_stream(pointer, nil) else { throw LibAVError(operation: "add stream", code: vod_averror(ENOMEM)) }
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, encoder.pointer), "stream parameters")
        if let tag { stream.pointee.codecpar.pointee.codec_tag = tag }
        stream.pointee.time_base = encoder.pointer.pointee.time_base
        streams.append(stream)
        return stream.pointee.index
    }

    /// Tags stream `stream` with a language (the MP4 muxer writes it into `mdhd`).
    func setLanguage(_ language: String, stream: Int32) {
        guard let s = streams.first(where: { $0.pointee.index == stream }) else { return }
        av_dict_set(&s.pointee.metadata, "language", language, 0)
    }

    func writeHeader() throws(LibAVError) {
        var options: OpaquePointer?
        if String(cString: pointer.pointee.oformat.pointee.name) == "mp4" { av_dict_set(&options, "movflags", "+faststart", 0) }
        defer { av_dict_free(&options) }
        try check(avformat_write_header(pointer, &options), "write header")
        headerWritten = true
    }

    /// Writes an encoder's packet (timestamps in `from`) to `stream`, rescaled to the stream's
    /// time base (which the muxer may have changed in `writeHeader`).
    func write(_ packet: UnsafeMutablePointer<AVPacket>, from timeBase: AVRational, stream index: Int32 = 0) throws(LibAVError) {
        let stream = streams[Int(index)]
        av_packet_rescale_ts(packet, timeBase, stream.pointee.time_base)
        packet.pointee.stream_index = index
        try check(av_interleaved_write_frame(pointer, packet), "write packet")
    }

    func finish() throws(LibAVError) {
        guard headerWritten else { return }
        try check(av_write_trailer(pointer), "write trailer")
    }
}
