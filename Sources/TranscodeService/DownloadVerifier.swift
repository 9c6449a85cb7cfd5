import CAVCodec
import LibAV
import Foundation
import VODKit

/// Checks a download version with libav before it leaves the machine, as `ffmpeg -xerror`
/// would: the container opens as its format, holds the expected codecs, every packet decodes
/// without an error, and each stream lasts as long as the source's (within 1.5 frames for
/// video, 0.1 s for audio; a Theora stream may end early, see below).
enum DownloadVerifier {
    static func verify(_ version: DownloadVersion, in directory: String, source: SourceInfo) throws(TranscodeError) -> VideoManifest.Download {
        let path = "\(directory)/\(version.file)"
        func refuse(_ reason: String, _ libav: String? = nil) -> TranscodeError { TranscodeError(stage: .verify, reason: "\(version.file) \(reason)", libav: libav) }
        do {
            vod_log_quiet()
            let input = try InputContainer(path: path)
            let container = String(cString: input.pointer.pointee.iformat.pointee.name)
            guard container.split(separator: ",").contains(Substring(version.format.demuxer)) else { throw refuse("is \(container), not \(version.format.rawValue)") }
            var streams: [(index: Int32, decoder: CodecContext, video: Bool)] = []
            var codecs: [String] = []
            for (wanted, type) in [(source.video.map { _ in version.video.rawValue }, AVMEDIA_TYPE_VIDEO), (source.audio.map { _ in version.audio.rawValue }, AVMEDIA_TYPE_AUDIO)] {
                guard let wanted else { continue }
                guard let (index, decoder) = input.bestStream(type) else { throw refuse("has no \(wanted) stream") }
                let name = String(cString: avcodec_get_name(input.stream(index).pointee.codecpar.pointee.codec_id))
                guard name == wanted else { throw refuse("holds \(name) where \(wanted) was made") }
                codecs.append(name)
                streams.append((index, try openDecoder(input, index, decoder, threads: 0), type == AVMEDIA_TYPE_VIDEO))
            }
            // Per stream: first presentation time and end, in seconds, and the frames decoded.
            var first = [Double](repeating: .infinity, count: streams.count), end = [Double](repeating: -.infinity, count: streams.count)
            var frames = [Int](repeating: 0, count: streams.count)
            let packet = Packet(), frame = Frame()
            func drain(_ k: Int, _ packet: UnsafeMutablePointer<AVPacket>?) throws {
                let decoder = streams[k].decoder.pointer
                let r = avcodec_send_packet(decoder, packet)
                if r != averrorEOF { try check(r, "decode") }
                let timeBase = input.stream(streams[k].index).pointee.time_base
                while true {
                    let got = avcodec_receive_frame(decoder, frame.pointer)
                    if got == averrorEAGAIN || got == averrorEOF { return }
                    try check(got, "decode")
                    defer { av_frame_unref(frame.pointer) }
                    let f = frame.pointer.pointee
                    guard f.best_effort_timestamp != vod_nopts_value() else { continue }
                    let start = Double(f.best_effort_timestamp) * av_q2d(timeBase)
                    let length = streams[k].video ? (f.pkt_duration > 0 ? Double(f.pkt_duration) * av_q2d(timeBase) : 1 / max(1, source.video?.frameRate ?? 25)) : Double(f.nb_samples) / Double(max(1, f.sample_rate))
                    first[k] = min(first[k], start)
                    end[k] = max(end[k], start + length)
                    frames[k] += 1
                }
            }
            while true {
                let r = av_read_frame(input.pointer, packet.pointer)
                if r == averrorEOF { break }
                try check(r, "read")
                defer { av_packet_unref(packet.pointer) }
                if let k = streams.firstIndex(where: { $0.index == packet.pointer.pointee.stream_index }) { try drain(k, packet.pointer) }
            }
            for k in streams.indices { try drain(k, nil) }
            var duration = 0.0
            for k in streams.indices {
                guard frames[k] > 0 else { throw refuse("has no decodable \(streams[k].video ? "video" : "audio")") }
                let lasted = end[k] - first[k]
                let expected = (streams[k].video ? source.video?.duration : source.audio?.duration) ?? source.duration
                let tolerance = streams[k].video ? 1.5 / max(1, source.video?.frameRate ?? 25) + 0.05 : 0.1
                // libtheora codes a frame with nothing changed as an empty packet, which Ogg leaves out: a
                // still ending (a held title, black after a fade) ends the Theora stream early though
                // it plays to the end, so only a Theora stream longer than the source is refused.
                let mayEndEarly = streams[k].video && version.video == .theora
                if lasted - expected > tolerance || (expected - lasted > tolerance && !mayEndEarly) {
                    throw refuse(String(format: "lasts %.3f s (%@) of the source's %.3f s", lasted, streams[k].video ? "video" : "audio", expected))
                }
                duration = max(duration, lasted)
            }
            var st = stat()
            let bytes = stat(path, &st) == 0 ? Int64(st.st_size) : 0
            let hasVideo = source.video != nil
            return VideoManifest.Download(file: version.file, format: version.format, codecs: codecs.joined(separator: ","),
                                          width: hasVideo ? version.width : nil, height: hasVideo ? version.height : nil, bytes: bytes,
                                          duration: (duration * 1000).rounded() / 1000)
        } catch let error as TranscodeError { throw error } catch let error as LibAVError {
            throw refuse("does not decode cleanly", error.description)
        } catch {
            throw refuse("cannot be checked: \(error)")
        }
    }
}

extension DownloadFormat {
    /// libavformat's demuxer name for it (among the comma-separated names a demuxer has).
    var demuxer: String {
        switch self {
        case .mp4: return "mp4"
        case .webm: return "webm"
        case .mkv: return "matroska"
        case .ogg: return "ogg"
        case .avi: return "avi"
        }
    }
}
