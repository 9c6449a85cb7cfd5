import CAVCodec
import Foundation
import LibAV

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

    /// Tags stream `stream` with a language (the MP4 muxer writes it into `mdhd`) and a title
    /// (into `hdlr`'s name, where the packager reads it).
    func tag(stream: Int32, language: String?, title: String?) {
        guard let s = streams.first(where: { $0.pointee.index == stream }) else { return }
        if let language { av_dict_set(&s.pointee.metadata, "language", language, 0) }
        if let title { av_dict_set(&s.pointee.metadata, "handler_name", title, 0) }
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
