import CAVCodec
import LibAV
import Foundation
import HLSPackager

/// What a source holds, from libav: container, duration and the streams the pipeline uses.
public struct SourceInfo: Codable, Equatable, Sendable {
    public struct Video: Codable, Equatable, Sendable {
        public var codec: String
        public var width: Int
        public var height: Int
        /// Frames a second (the stream's average rate; 0 when unknown).
        public var frameRate: Double
        /// Clockwise degrees that make the picture upright (0, 90, 180, 270).
        public var rotation: Int
        /// The stream's own length in seconds (the container's when the stream does not say).
        public var duration: Double = 0
        /// Width and height once rotated upright.
        public var uprightSize: (width: Int, height: Int) { rotation % 180 == 0 ? (width, height) : (height, width) }
        public static func == (a: Video, b: Video) -> Bool {
            a.codec == b.codec && a.width == b.width && a.height == b.height && a.frameRate == b.frameRate && a.rotation == b.rotation && a.duration == b.duration
        }
    }
    public struct Audio: Codable, Equatable, Sendable {
        public var codec: String
        public var sampleRate: Int
        public var channels: Int
        /// The stream's own length in seconds (the container's when the stream does not say).
        public var duration: Double = 0
        /// The stream's index in the container and its language tag as stored (`eng`), if any.
        public var stream: Int? = nil
        public var language: String? = nil
        /// The stream's title (`title` tag, or a handler name that is one), e.g. `Commentary`.
        public var title: String? = nil
    }

    /// A stream's length: its own duration when the container records one, else the container's.
    static func length(_ stream: UnsafeMutablePointer<AVStream>, container: Double) -> Double {
        let d = stream.pointee.duration
        guard d != vod_nopts_value(), d > 0 else { return container }
        return Double(d) * av_q2d(stream.pointee.time_base)
    }

    public var container: String
    public var duration: Double
    public var video: Video?
    /// The default audio stream (libav's best).
    public var audio: Audio?
    /// The other audio streams that decode, in the container's order (nil: none).
    public var otherAudio: [Audio]?

    /// Every audio stream kept, the default first.
    public var audioStreams: [Audio] { (audio.map { [$0] } ?? []) + (otherAudio ?? []) }

    /// Opens and probes `path`. Not media, no decodable stream, or no duration: a `TranscodeError` at stage "probe".
    public static func probe(_ path: String) throws(TranscodeError) -> SourceInfo {
        let input: InputContainer
        do { input = try InputContainer(path: path) } catch {
            if let kind = containerSignature(path) {
                throw TranscodeError(stage: .probe, reason: "a truncated or damaged \(kind) file (an interrupted upload or recording?): libav cannot read it",
                                     libav: error.description)
            }
            throw TranscodeError(stage: .probe, reason: "not a media file libav can open", libav: error.description)
        }
        var info = SourceInfo(container: String(cString: input.pointer.pointee.iformat.pointee.name), duration: 0)
        if input.pointer.pointee.duration > 0 { info.duration = Double(input.pointer.pointee.duration) / Double(AV_TIME_BASE) }
        if let (index, decoder) = input.bestStream(AVMEDIA_TYPE_VIDEO), !isStillImage(decoder) {
            let stream = input.stream(index)
            let par = stream.pointee.codecpar.pointee
            let rate = stream.pointee.avg_frame_rate.den > 0 ? av_q2d(stream.pointee.avg_frame_rate) : 0
            let ccw = vod_stream_rotation(stream)
            // libav gives counter-clockwise degrees; the picture needs the opposite turn.
            let clockwise = ((-Int(ccw.rounded()) % 360) + 360) % 360
            info.video = Video(codec: String(cString: decoder.pointee.name), width: Int(par.width), height: Int(par.height), frameRate: rate,
                               rotation: [0, 90, 180, 270].min { abs($0 - clockwise) < abs($1 - clockwise) } ?? 0,
                               duration: length(stream, container: info.duration))
            if let v = info.video, v.width <= 0 || v.height <= 0 { info.video = nil }
        }
        if let (best, _) = input.bestStream(AVMEDIA_TYPE_AUDIO) {
            // Every audio stream with a decoder and a sane format, the best first.
            var streams: [Audio] = []
            for index in [best] + input.streams(AVMEDIA_TYPE_AUDIO).filter({ $0 != best }) {
                let stream = input.stream(index)
                let par = stream.pointee.codecpar.pointee
                guard let decoder = avcodec_find_decoder(par.codec_id), par.sample_rate > 0, par.ch_layout.nb_channels > 0 else { continue }
                streams.append(Audio(codec: String(cString: decoder.pointee.name), sampleRate: Int(par.sample_rate), channels: Int(par.ch_layout.nb_channels),
                                     duration: length(stream, container: info.duration), stream: Int(index), language: Self.language(of: stream),
                                     title: Self.title(of: stream)))
            }
            info.audio = streams.first
            info.otherAudio = streams.count > 1 ? Array(streams.dropFirst()) : nil
        }
        guard info.video != nil || info.audio != nil else {
            throw TranscodeError(stage: .probe, reason: "no video or audio stream that can be decoded (an image or a data file?)", libav: nil)
        }
        guard info.duration > 0 else { throw TranscodeError(stage: .probe, reason: "the file has no duration (empty or truncated)", libav: nil) }
        return info
    }

    /// The container a file's first bytes announce (an MP4/QuickTime `ftyp` or `moov`/`mdat`,
    /// Matroska/WebM, AVI, MPEG-TS), nil when they announce none: a file that starts like
    /// one but cannot be opened is cut off or damaged, not "not media".
    /// The stream's `language` tag, nil when absent or undetermined.
    static func language(of stream: UnsafeMutablePointer<AVStream>) -> String? {
        guard let entry = av_dict_get(stream.pointee.metadata, "language", nil, 0), let value = entry.pointee.value else { return nil }
        let language = String(cString: value)
        return language.isEmpty || language == "und" ? nil : language
    }

    /// The stream's title: its `title` tag, else a `handler_name` that names the track rather
    /// than the software that wrote it (`TrackTitle.isTitle`).
    static func title(of stream: UnsafeMutablePointer<AVStream>) -> String? {
        for key in ["title", "handler_name"] {
            guard let entry = av_dict_get(stream.pointee.metadata, key, nil, 0), let value = entry.pointee.value else { continue }
            let text = String(cString: value).trimmingCharacters(in: .whitespaces)
            if TrackTitle.isTitle(text) { return text }
        }
        return nil
    }

    static func containerSignature(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 377)) ?? Data())
        guard head.count >= 12 else { return nil }
        let box = String(decoding: head[4..<8], as: UTF8.self)
        if ["ftyp", "moov", "mdat", "free", "wide", "skip"].contains(box) { return "MP4/QuickTime" }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return "Matroska/WebM" }
        if head.starts(with: Array("RIFF".utf8)) && String(decoding: head[8..<12], as: UTF8.self) == "AVI " { return "AVI" }
        if head[0] == 0x47 && head.count > 188 && head[188] == 0x47 { return "MPEG-TS" }
        return nil
    }

    /// Single-picture codecs (a JPEG or PNG dropped in by mistake) are not video.
    static func isStillImage(_ codec: UnsafePointer<AVCodec>) -> Bool {
        let name = String(cString: codec.pointee.name)
        return ["mjpeg", "png", "bmp", "gif", "webp", "tiff", "jpeg2000", "jpegls", "ljpeg"].contains(name)
    }
}

/// Why a job failed, in words a person can act on, with libav's message when it had one.
public struct TranscodeError: Error, Codable, CustomStringConvertible, Sendable {
    public enum Stage: String, Codable, Sendable { case claim, hash, probe, plan, transcode, merge, verify, replicate }
    public var stage: Stage
    public var reason: String
    public var libav: String?
    public init(stage: Stage, reason: String, libav: String?) {
        self.stage = stage
        self.reason = reason
        self.libav = libav
    }
    public var description: String { "\(stage.rawValue): \(reason)" + (libav.map { " (libav: \($0))" } ?? "") }

    /// The worker is stopping: not the source's fault, so the job is handed back, not failed.
    public static let cancelled = TranscodeError(stage: .transcode, reason: "stopped by the operator", libav: nil)
    public var isCancellation: Bool { stage == .transcode && reason == Self.cancelled.reason && libav == nil }
}
