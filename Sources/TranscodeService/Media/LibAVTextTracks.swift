import CAVCodec
import Foundation
import HLSPackager
import LibAV

/// The text subtitle streams of a container libavformat reads (Matroska, WebM, MPEG-TS, AVI…),
/// read from their packets: a SubRip, WebVTT or plain-text packet is the cue's text, an ASS/SSA
/// packet its dialogue line (`ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text`,
/// styling overrides dropped, `\N` a line break), a `mov_text` packet a 16-bit length and the
/// text. Times are the packets' presentation times and durations, in milliseconds.
enum LibAVTextTracks {
    /// The cue text of a packet of `codec`; nil when the codec is not one of text.
    static func text(_ codec: AVCodecID, _ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        switch codec {
        case AV_CODEC_ID_SUBRIP, AV_CODEC_ID_WEBVTT, AV_CODEC_ID_TEXT: return String(decoding: bytes, as: UTF8.self)
        case AV_CODEC_ID_ASS, AV_CODEC_ID_SSA: return assText(String(decoding: bytes, as: UTF8.self))
        case AV_CODEC_ID_MOV_TEXT:
            guard bytes.count >= 2 else { return "" }
            let length = min(Int(bytes[0]) << 8 | Int(bytes[1]), bytes.count - 2)
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[2..<(2 + length)]), as: UTF8.self)
        default: return nil
        }
    }

    /// At most this many cues a track (as for cue files).
    static let maxCues = 200_000

    static func read(_ source: String) -> [(String?, Result<[TextCue], SubtitleError>)] {
        guard let input = try? InputContainer(path: source) else { return [] }
        let indexes = input.streams(AVMEDIA_TYPE_SUBTITLE).filter { text(input.stream($0).pointee.codecpar.pointee.codec_id, UnsafeBufferPointer(start: nil, count: 0)) != nil }
        guard !indexes.isEmpty else { return [] }
        // Only the text streams are demuxed into packets.
        for k in 0..<Int32(input.pointer.pointee.nb_streams) where !indexes.contains(k) { input.stream(k).pointee.discard = AVDISCARD_ALL }
        var cues: [Int32: [TextCue]] = [:]
        let packet = Packet()
        while av_read_frame(input.pointer, packet.pointer) >= 0 {
            defer { av_packet_unref(packet.pointer) }
            let p = packet.pointer.pointee
            guard indexes.contains(p.stream_index), let data = p.data, p.size > 0, p.pts != vod_nopts_value(),
                  cues[p.stream_index, default: []].count < maxCues else { continue }
            let stream = input.stream(p.stream_index)
            guard let text = Self.text(stream.pointee.codecpar.pointee.codec_id, UnsafeBufferPointer(start: data, count: Int(p.size)))?
                .trimmingCharacters(in: .whitespacesAndNewlines) else { continue }
            let base = stream.pointee.time_base
            guard !text.isEmpty, base.num > 0, base.den > 0 else { continue }
            let start = av_rescale_q(p.pts, base, AVRational(num: 1, den: 1000))
            let end = p.duration > 0 ? start &+ av_rescale_q(p.duration, base, AVRational(num: 1, den: 1000)) : start &+ 2000
            cues[p.stream_index, default: []].append(TextCue(start: start, end: end, text: text))
        }
        return indexes.map { index in
            (SourceInfo.language(of: input.stream(index)), Result.success((cues[index] ?? []).sorted { $0.start < $1.start }))
        }
    }

    /// The text of an ASS dialogue packet: after the eighth comma, `{…}` overrides dropped,
    /// `\N` and `\n` as line breaks, `\h` a space.
    static func assText(_ line: String) -> String {
        var fields = line.split(separator: ",", maxSplits: 8, omittingEmptySubsequences: false)
        guard fields.count == 9 else { return line }
        var text = String(fields.removeLast())
        while let open = text.firstIndex(of: "{"), let close = text[open...].firstIndex(of: "}") { text.removeSubrange(open...close) }
        return text.replacingOccurrences(of: "\\N", with: "\n").replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\h", with: " ")
    }
}
