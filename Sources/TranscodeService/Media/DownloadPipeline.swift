import CAVCodec
import LibAV
import Foundation

/// Makes a job's download versions: the source decoded once, each version's picture scaled
/// (upright) and encoded with its video codec, the audio resampled and encoded with its audio
/// codec, both muxed by libavformat into the version's container. Timestamps keep the
/// source's timing (0 = its first timestamp), as the ladder's do.
public final class DownloadPipeline {
    let source: String
    let info: SourceInfo
    let versions: [DownloadVersion]
    let settings: EncodeSettings
    let directory: String
    let isCancelled: () -> Bool
    let progress: (TranscodeProgress) -> Void

    public init(source: String, info: SourceInfo, versions: [DownloadVersion], settings: EncodeSettings, directory: String,
                isCancelled: @escaping () -> Bool = { false }, progress: @escaping (TranscodeProgress) -> Void = { _ in }) {
        self.source = source
        self.info = info
        self.versions = versions
        self.settings = settings
        self.directory = directory
        self.isCancelled = isCancelled
        self.progress = progress
    }

    /// Writes every version into `directory`; their file names.
    public func run() throws(TranscodeError) -> [String] {
        do { return try make() } catch let error as TranscodeError { throw error } catch let error as LibAVError {
            throw TranscodeError(stage: .transcode, reason: "making the download versions failed", libav: error.description)
        } catch {
            throw TranscodeError(stage: .transcode, reason: "\(error)", libav: nil)
        }
    }

    private func make() throws -> [String] {
        vod_log_quiet()
        let input = try InputContainer(path: source)
        let start = input.pointer.pointee.start_time == vod_nopts_value() ? 0 : input.pointer.pointee.start_time
        let startSeconds = Double(start) / Double(AV_TIME_BASE)
        let video = info.video != nil ? input.bestStream(AVMEDIA_TYPE_VIDEO) : nil
        let audio = info.audio != nil ? input.bestStream(AVMEDIA_TYPE_AUDIO) : nil
        guard video != nil || audio != nil else { throw TranscodeError(stage: .transcode, reason: "nothing to make downloads of", libav: nil) }
        let videoDecoder = try video.map { try openDecoder(input, $0.index, $0.decoder, threads: settings.threads) }
        let audioIn = try audio.map { (index: $0.index, decoder: try openDecoder(input, $0.index, $0.decoder, threads: settings.threads)) }
        let outputs = try DownloadOutputs(versions, directory: directory, video: video.map { input.stream($0.index) },
                                          audio: audioIn.map { (input.stream($0.index), $0.decoder) }, startSeconds: startSeconds, settings: settings)
        let rotator = (info.video?.rotation ?? 0) != 0 ? FrameRotator(rotation: info.video?.rotation ?? 0) : nil
        let decoded = Frame()
        var frames = 0
        var secondsDone = 0.0
        func decodeVideo(_ packet: UnsafeMutablePointer<AVPacket>?) throws {
            guard let decoder = videoDecoder else { return }
            try decodeFrames(packet, decoder, into: decoded, "decode video") { frame throws in
                frames += 1
                if let seconds = try outputs.add(video: try rotator?.rotate(frame) ?? frame) { secondsDone = max(secondsDone, seconds) }
            }
        }
        let decodedAudio = Frame()
        let packet = Packet()
        let began = Date()
        var lastReport = began
        while true {
            let r = av_read_frame(input.pointer, packet.pointer)
            if r < 0 { break }  // the end, or a truncated file: what was read is kept (the verifier judges)
            defer { av_packet_unref(packet.pointer) }
            if isCancelled() { throw TranscodeError.cancelled }
            let index = packet.pointer.pointee.stream_index
            if index == video?.index { try decodeVideo(packet.pointer) } else if let a = audioIn, index == a.index {
                try decodeFrames(packet.pointer, a.decoder, into: decodedAudio, "decode audio") { frame throws in try outputs.add(audio: frame) }
                secondsDone = max(secondsDone, outputs.audioSecondsDone)
            }
            if Date().timeIntervalSince(lastReport) >= 1 {
                lastReport = Date()
                let wall = max(0.001, Date().timeIntervalSince(began))
                progress(TranscodeProgress(seconds: secondsDone, duration: info.duration, framesPerSecond: Double(frames) / wall, speed: secondsDone / wall))
            }
        }
        try decodeVideo(nil)
        if let a = audioIn { try decodeFrames(nil, a.decoder, into: decodedAudio, "decode audio") { frame throws in try outputs.add(audio: frame) } }
        try outputs.finish()
        return versions.map(\.file)
    }
}

/// The download versions' encoders and muxers, fed with decoded frames: by `DownloadPipeline`'s
/// own decode, or by the ladder's when a whole job makes both (one decode for everything).
final class DownloadOutputs {
    private var outputs: [(muxer: OutputContainer, video: DownloadVideoEncoder?, audio: AudioEncoder?)] = []

    /// Opens every version's encoders for the source's `video` stream and `audio` stream (with
    /// its decoder), and writes the headers.
    init(_ versions: [DownloadVersion], directory: String, video: UnsafeMutablePointer<AVStream>?,
         audio: (stream: UnsafeMutablePointer<AVStream>, decoder: CodecContext)?, startSeconds: Double, settings: EncodeSettings) throws {
        for version in versions {
            let muxer = try OutputContainer(path: "\(directory)/\(version.file)", format: version.format.muxer)
            let v = try video.map { try DownloadVideoEncoder(version, stream: $0, startSeconds: startSeconds, settings: settings, into: muxer) }
            let a = try audio.map { a throws in
                let codec = try findEncoder(version.audio.encoder, for: version.file)
                return try AudioEncoder(codec, kbps: settings.audioKbps, from: a.decoder, timeBase: a.stream.pointee.time_base,
                                        startSeconds: startSeconds, into: muxer)
            }
            try muxer.writeHeader()
            outputs.append((muxer, v, a))
        }
    }

    /// Encodes an upright decoded video frame into every version; its time in seconds (nil: dropped).
    func add(video upright: UnsafeMutablePointer<AVFrame>) throws -> Double? {
        var seconds: Double?
        for o in outputs { if let s = try o.video?.add(upright) { seconds = s } }
        return seconds
    }

    func add(audio frame: UnsafeMutablePointer<AVFrame>) throws { for o in outputs { try o.audio?.add(frame) } }

    var audioSecondsDone: Double { outputs.first?.audio?.secondsDone ?? 0 }

    /// Flushes every encoder and finishes every file.
    func finish() throws {
        for o in outputs {
            try o.video?.finish()
            try o.audio?.finish()
            try o.muxer.finish()
        }
    }
}

/// One download version's video: a scaler to its size and its encoder, writing to its stream.
/// Encoders that take the frame rate as their time base (Theora, MPEG-4 Part 2, whose
/// denominator may not pass 65535) get timestamps counted in frames; a frame that lands on
/// the one before it is dropped, as a constant-rate output does.
final class DownloadVideoEncoder {
    let version: DownloadVersion
    let encoder: CodecContext
    let muxer: OutputContainer
    let stream: Int32
    let sourceTimeBase: AVRational
    let startPTS: Int64
    let frame = Frame()
    let packet = Packet()
    let scaler: PictureScaler
    var lastPTS = Int64.min
    let frameDuration: Int64

    init(_ version: DownloadVersion, stream source: UnsafeMutablePointer<AVStream>, startSeconds: Double, settings: EncodeSettings,
         into muxer: OutputContainer) throws {
        self.version = version
        self.muxer = muxer
        sourceTimeBase = source.pointee.time_base
        startPTS = Int64(exactly: (startSeconds / av_q2d(sourceTimeBase)).rounded()) ?? 0
        let codec = try findEncoder(version.video.encoder, for: version.file)
        let rate = averageFrameRate(source)
        scaler = PictureScaler(width: version.width, height: version.height)
        encoder = try pictureEncoder(codec, width: version.width, height: version.height, rate: rate)
        let e = encoder.pointer
        if version.video.countsFrames {
            var num: Int32 = 1, den: Int32 = 25
            av_reduce(&num, &den, Int64(rate.den), Int64(rate.num), 65535)
            e.pointee.time_base = AVRational(num: max(1, num), den: max(1, den))
        } else {
            e.pointee.time_base = sourceTimeBase
        }
        frameDuration = max(1, av_rescale_q(1, av_inv_q(rate), e.pointee.time_base))
        e.pointee.bit_rate = Int64(version.videoKbps) * 1000
        e.pointee.gop_size = frames(in: 2 * settings.gopSeconds, at: rate)
        e.pointee.thread_count = Int32(settings.threads)
        if muxer.wantsGlobalHeader { e.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        try encoder.open(codec, options: version.video.options(preset: settings.preset))
        stream = try muxer.addStream(encoder)
    }

    /// Encodes an upright decoded frame; its time in seconds on the output clock, nil when dropped.
    func add(_ upright: UnsafeMutablePointer<AVFrame>) throws -> Double? {
        let best = upright.pointee.best_effort_timestamp
        guard best != vod_nopts_value() else { return nil }
        let pts = av_rescale_q(best &- startPTS, sourceTimeBase, encoder.pointer.pointee.time_base)
        guard pts > lastPTS else { return nil }
        lastPTS = pts
        let f = frame.pointer
        try scaler.scale(upright, into: f)
        f.pointee.pts = pts
        try encode(f, encoder, muxer, packet, frameDuration: frameDuration, stream: stream)
        return Double(pts) * av_q2d(encoder.pointer.pointee.time_base)
    }

    func finish() throws { try encode(nil, encoder, muxer, packet, frameDuration: frameDuration, stream: stream) }
}

extension DownloadVideoCodec {
    /// Whether the encoder's time base must be the frame rate (Theora reads its frame rate
    /// from it; MPEG-4 Part 2 allows no denominator past 65535).
    var countsFrames: Bool { self == .theora || self == .mpeg4 }

    /// Encoder options for `preset` (x264's names).
    func options(preset: String) -> [String: String] {
        switch self {
        case .h264: return ["preset": preset]
        case .hevc: return ["preset": preset, "x265-params": "log-level=error"]
        case .vp9: return ["deadline": "good", "cpu-used": Self.vp9Speed(preset), "row-mt": "1"]
        case .theora, .mpeg4: return [:]
        }
    }

    /// libvpx's speed (0 slowest … 5 fastest for the good deadline) nearest to an x264 preset name.
    static func vp9Speed(_ x264: String) -> String {
        let map = ["ultrafast": "5", "superfast": "5", "veryfast": "5", "faster": "4", "fast": "3", "medium": "2", "slow": "1", "slower": "1",
                   "veryslow": "0", "placebo": "0"]
        return map[x264] ?? "4"
    }
}
