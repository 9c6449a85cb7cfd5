import CAVCodec
import Foundation
import LibAV

/// Decodes single pictures of a file's first video stream at given times: seeks to the
/// keyframe at or before the time and decodes forward to the last frame shown at or before
/// it (or stops at that keyframe). Owned by one thread for one request.
final class FrameGrabber {
    let input: InputContainer
    let stream: UnsafeMutablePointer<AVStream>
    let decoder: CodecContext
    let path: String
    private let packet = Packet()
    /// Frames decoded for one picture at most: a source with one keyframe an hour must not hold a
    /// worker for minutes; past this the latest frame decoded is the answer.
    static let maxFramesDecoded = 1800

    init(path: String) throws(ThumbnailError) {
        self.path = path
        (input, stream, decoder) = try ThumbnailError.naming(path) {
            let input = try InputContainer(path: path)
            guard let (index, codec) = input.bestStream(AVMEDIA_TYPE_VIDEO) else { throw ThumbnailError("\(path): no video stream") }
            let stream = input.stream(index)
            let decoder = try CodecContext(codec: codec)
            try check(avcodec_parameters_to_context(decoder.pointer, stream.pointee.codecpar), "decoder parameters")
            decoder.pointer.pointee.thread_count = 1  // one worker thread per request
            try decoder.open(codec)
            return (input, stream, decoder)
        }
    }

    /// The stream's time for `milliseconds` after its first frame.
    func streamTime(_ milliseconds: Int64) -> Int64 {
        let base = stream.pointee.time_base
        let start = stream.pointee.start_time == vod_nopts_value() ? 0 : stream.pointee.start_time
        guard base.num > 0, base.den > 0 else { return start }
        return start &+ av_rescale_q(milliseconds, AVRational(num: 1, den: 1000), base)
    }

    /// The picture shown at `milliseconds` (the last frame at or before it; the first frame
    /// when the time is before it), or the keyframe at or before it when `keyframe` is set.
    /// `into` receives it.
    func picture(at milliseconds: Int64, keyframe: Bool, into frame: Frame) throws(ThumbnailError) {
        let target = streamTime(milliseconds)
        let index = stream.pointee.index
        try ThumbnailError.naming(path) {
            try check(av_seek_frame(input.pointer, index, target, AVSEEK_FLAG_BACKWARD), "seek")
            avcodec_flush_buffers(decoder.pointer)
            let candidate = Frame()
            var have = false
            var ended = false
            var decoded = 0
            while true {
                if !ended {
                    let read = av_read_frame(input.pointer, packet.pointer)
                    if read == averrorEOF { ended = true; try check(avcodec_send_packet(decoder.pointer, nil), "drain") } else {
                        try check(read, "read")
                        defer { av_packet_unref(packet.pointer) }
                        guard packet.pointer.pointee.stream_index == index else { continue }
                        let sent = avcodec_send_packet(decoder.pointer, packet.pointer)
                        if sent != averrorEAGAIN { try check(sent, "decode") }
                    }
                }
                while true {
                    let got = avcodec_receive_frame(decoder.pointer, candidate.pointer)
                    if got == averrorEAGAIN {
                        guard !ended else { throw ThumbnailError("\(path): the decoder stopped before \(milliseconds) ms") }
                        break
                    }
                    if got == averrorEOF {
                        guard have else { throw ThumbnailError("\(path): no frame at or before \(milliseconds) ms decodes", outOfRange: true) }
                        return
                    }
                    try check(got, "decode")
                    let pts = candidate.pointer.pointee.best_effort_timestamp
                    // Past the time: the frame before it is the one shown then (or this one, when none came before).
                    if have && pts != vod_nopts_value() && pts > target { av_frame_unref(candidate.pointer); return }
                    av_frame_unref(frame.pointer)
                    av_frame_move_ref(frame.pointer, candidate.pointer)
                    have = true
                    decoded += 1
                    if keyframe || decoded >= Self.maxFramesDecoded || (pts != vod_nopts_value() && pts >= target) { return }
                }
            }
        }
    }
}
