import CAVCodec
import LibAV
import MP4Box
import Foundation

/// Encoder settings shared by every rung.
public struct EncodeSettings: Codable, Equatable, Sendable {
    /// Keyframe interval in seconds; it must divide the origin's segment duration.
    public var gopSeconds = 2.0
    /// libx264 preset.
    public var preset = "veryfast"
    public var audioKbps = 128
    /// Codec threads (0: as many as libav sees fit, which is what the ffmpeg CLI does).
    public var threads = 0
    public init() {}
}

/// A part of the timeline for a chunk task: frames from `start` (a keyframe time on the
/// output's grid) up to, not including, `end` (nil: to the end), in seconds on the output
/// clock (0 = the source's first timestamp). The chunk's file starts at 0; `firstFrame`
/// in its result says where on the whole timeline that is.
public struct ChunkWindow: Codable, Equatable, Sendable {
    public var start: Double
    public var end: Double?
    public init(start: Double, end: Double?) { self.start = start; self.end = end }
}

/// How far a transcode is: media seconds done of the whole, and speed.
public struct TranscodeProgress: Sendable {
    public var seconds: Double
    public var duration: Double
    public var framesPerSecond: Double
    /// Media seconds per wall-clock second.
    public var speed: Double
    public var percent: Double { duration > 0 ? min(100, 100 * seconds / duration) : 0 }
    public var etaSeconds: Double { speed > 0 ? max(0, (duration - seconds) / speed) : 0 }
}

/// Decode once, scale once per rung, encode H.264 per rung with keyframes forced at the
/// same timestamps (every `gopSeconds`, closed GOPs, no scene-cut keyframes), audio to AAC
/// stereo 48 kHz (through swresample and a FIFO for the encoder's frame size) in its own
/// file, each muxed as MP4 with the index at the front. One pipeline belongs to one thread.
public final class Pipeline {
    public struct Output: Sendable {
        public var file: String
        public var kind: String  // "video" or "audio"
        public var rung: Rung?
    }

    let source: String
    let info: SourceInfo
    let rungs: [Rung]
    let settings: EncodeSettings
    let directory: String
    let progress: (TranscodeProgress) -> Void
    /// Asked between packets: true stops the job with `TranscodeError.cancelled`.
    let isCancelled: () -> Bool
    /// Only this part of the video (a chunk task); nil: all of it.
    let window: ChunkWindow?
    /// Whether to make `audio.mp4` (a chunk task leaves audio to a task of its own).
    let includeAudio: Bool
    /// Download versions made from the same decode (a whole job only; a chunk task makes none).
    let downloads: [DownloadVersion]
    /// After a chunked run: the time of the chunk's first frame on the whole timeline, in seconds.
    public private(set) var firstFrameSeconds: Double?

    public init(source: String, info: SourceInfo, rungs: [Rung], settings: EncodeSettings, directory: String, window: ChunkWindow? = nil,
                includeAudio: Bool = true, downloads: [DownloadVersion] = [], isCancelled: @escaping () -> Bool = { false },
                progress: @escaping (TranscodeProgress) -> Void = { _ in }) {
        self.downloads = window == nil ? downloads : []
        self.window = window
        self.includeAudio = includeAudio
        self.isCancelled = isCancelled
        self.source = source
        self.info = info
        self.rungs = rungs
        self.settings = settings
        self.directory = directory
        self.progress = progress
    }

    /// Runs the whole job; the outputs are in `directory` when it returns.
    public func run() throws(TranscodeError) -> [Output] {
        do {
            do { return try transcode(seeking: true) } catch is SeekMissedFrames { return try transcode(seeking: false) }
        } catch let error as TranscodeError { throw error } catch let error as LibAVError {
            throw TranscodeError(stage: .transcode, reason: "transcoding failed", libav: error.description)
        } catch {
            throw TranscodeError(stage: .transcode, reason: "\(error)", libav: nil)
        }
    }

    /// The seek to a chunk's start landed after it (a container with a poor index): the
    /// chunk is done again, decoding from the beginning.
    struct SeekMissedFrames: Error {}

    private func transcode(seeking: Bool) throws -> [Output] {
        vod_log_quiet()
        let input = try InputContainer(path: source)
        let start = input.pointer.pointee.start_time == vod_nopts_value() ? 0 : input.pointer.pointee.start_time
        let startSeconds = Double(start) / Double(AV_TIME_BASE)
        var video: VideoPath?
        var audios: [AudioPath] = []
        if let rotation = info.video?.rotation, !rungs.isEmpty, let (index, decoder) = input.bestStream(AVMEDIA_TYPE_VIDEO) {
            video = try VideoPath(input: input, index: index, decoder: decoder, rungs: rungs, rotation: rotation,
                                  settings: settings, directory: directory, startSeconds: startSeconds, window: window, checkSeek: seeking)
        }
        if let window, window.start > 0, seeking {
            // To the keyframe at or before the chunk's start; frames before it are decoded and dropped.
            let target = Int64(((startSeconds + window.start) * Double(AV_TIME_BASE)).rounded(.down))
            if av_seek_frame(input.pointer, -1, target, AVSEEK_FLAG_BACKWARD) < 0 { throw SeekMissedFrames() }
        }
        let renditions = includeAudio ? AudioRendition.plan(info) : []
        for stream in renditions.map(\.stream).reduce(into: [Int](), { if !$0.contains($1) { $0.append($1) } }) {
            guard stream >= 0, stream < Int(input.pointer.pointee.nb_streams) else { continue }
            audios.append(try AudioPath(input: input, index: Int32(stream), renditions: renditions.filter { $0.stream == stream },
                                        settings: settings, directory: directory, startSeconds: startSeconds))
        }
        // The default stream (its stereo is `audio.mp4`) also feeds the download versions.
        let audio = audios.first
        guard video != nil || audio != nil else { throw TranscodeError(stage: .transcode, reason: "nothing to transcode", libav: nil) }
        var versions: DownloadOutputs?
        if !downloads.isEmpty {
            let outputs = try DownloadOutputs(downloads, directory: directory, video: video.map { input.stream($0.index) },
                                              audio: audio.map { (input.stream($0.index), $0.decoder) }, startSeconds: startSeconds, settings: settings)
            video?.alsoUpright = { frame throws in _ = try outputs.add(video: frame) }
            audio?.alsoDecoded = { frame throws in try outputs.add(audio: frame) }
            versions = outputs
        }

        let packet = Packet()
        let began = Date()
        var lastReport = began
        var readError: LibAVError?
        while true {
            let r = av_read_frame(input.pointer, packet.pointer)
            if r < 0 {
                if r != averrorEOF { readError = LibAVError(operation: "read", code: r) }  // a truncated file ends here too
                break
            }
            defer { av_packet_unref(packet.pointer) }
            if isCancelled() { throw TranscodeError.cancelled }
            if let v = video, packet.pointer.pointee.stream_index == v.index {
                try v.decode(packet.pointer)
                if v.pastWindow && audios.isEmpty { break }  // a chunk: the rest of the file is another chunk's
            } else if let a = audios.first(where: { $0.index == packet.pointer.pointee.stream_index }) { try a.decode(packet.pointer) }
            if Date().timeIntervalSince(lastReport) >= 1 {
                lastReport = Date()
                report(video: video, audio: audio, began: began)
            }
        }
        try video?.decode(nil)
        for a in audios { try a.decode(nil) }
        try video?.finish()
        for a in audios { try a.finish() }
        try versions?.finish()
        report(video: video, audio: audio, began: began)
        if let v = video, v.framesIn == 0 {
            throw TranscodeError(stage: .transcode, reason: window == nil ? "no video frame could be decoded" : "no video frame in this chunk",
                                 libav: readError?.description)
        }
        firstFrameSeconds = video?.firstFrameSeconds
        var outputs: [Output] = []
        for rung in video?.rungs ?? [] { outputs.append(Output(file: rung.file, kind: "video", rung: rung)) }
        for rendition in renditions where audios.contains(where: { Int($0.index) == rendition.stream }) {
            outputs.append(Output(file: rendition.file, kind: "audio", rung: nil))
        }
        return outputs
    }

    private func report(video: VideoPath?, audio: AudioPath?, began: Date) {
        let seconds = max(video?.secondsDone ?? 0, audio?.secondsDone ?? 0)
        let wall = max(0.001, Date().timeIntervalSince(began))
        progress(TranscodeProgress(seconds: seconds, duration: info.duration, framesPerSecond: Double(video?.framesIn ?? 0) / wall, speed: seconds / wall))
    }
}

/// Sends a frame (nil: flush) and writes every packet the encoder has ready. Packets without
/// a duration get `frameDuration`: the muxer would otherwise guess the last sample's, and a
/// short guess cuts the last frame out of the edit list.
func encode(_ frame: UnsafeMutablePointer<AVFrame>?, _ encoder: CodecContext, _ output: OutputContainer, _ packet: Packet, frameDuration: Int64 = 0,
            stream: Int32 = 0) throws {
    try check(avcodec_send_frame(encoder.pointer, frame), "encode")
    while true {
        let r = avcodec_receive_packet(encoder.pointer, packet.pointer)
        if r == averrorEAGAIN || r == averrorEOF { return }
        try check(r, "encode")
        if packet.pointer.pointee.duration <= 0 && frameDuration > 0 { packet.pointer.pointee.duration = frameDuration }
        try output.write(packet.pointer, from: encoder.pointer.pointee.time_base, stream: stream)
    }
}

/// Opens the decoder of stream `index`.
func openDecoder(_ input: InputContainer, _ index: Int32, _ decoder: UnsafePointer<AVCodec>, threads: Int) throws -> CodecContext {
    let context = try CodecContext(codec: decoder)
    let stream = input.stream(index)
    try check(avcodec_parameters_to_context(context.pointer, stream.pointee.codecpar), "decoder parameters")
    context.pointer.pointee.pkt_timebase = stream.pointee.time_base
    context.pointer.pointee.thread_count = Int32(threads)
    try context.open(decoder)
    return context
}

/// The video side: one decoder, an upright copy of each frame when the source is rotated,
/// and per rung a scaler, an x264 encoder and an MP4 muxer.
final class VideoPath {
    struct Output {
        let rung: Rung
        let encoder: CodecContext
        let muxer: OutputContainer
        let frame = Frame()
        let scaler: PictureScaler
    }

    let index: Int32
    let decoder: CodecContext
    let timeBase: AVRational
    let rotation: Int
    let gopSeconds: Double
    let startPTS: Int64
    var outputs: [Output] = []
    let decoded = Frame()
    let packet = Packet()
    var rotator: FrameRotator?
    var nextKeyframe = 0.0
    var lastPTS: Int64 = Int64.min
    private(set) var framesIn = 0
    private(set) var secondsDone = 0.0
    /// A chunk's part of the timeline (nil: everything), its first frame's time and PTS (the
    /// chunk's file starts there), and whether a frame past its end was seen.
    let window: ChunkWindow?
    private(set) var firstFrameSeconds: Double?
    private var chunkBasePTS: Int64 = 0
    private(set) var pastWindow = false
    /// After a seek: the first frame must not come after the chunk's start.
    let checkSeek: Bool
    /// Also given every upright frame (the download versions of a whole job).
    var alsoUpright: ((UnsafeMutablePointer<AVFrame>) throws -> Void)?
    var rungs: [Rung] { outputs.map(\.rung) }
    /// One frame at the source's average rate, in the stream's time base.
    let frameDuration: Int64

    init(input: InputContainer, index: Int32, decoder codec: UnsafePointer<AVCodec>, rungs: [Rung], rotation: Int,
         settings: EncodeSettings, directory: String, startSeconds: Double, window: ChunkWindow?, checkSeek: Bool) throws {
        self.index = index
        self.window = window
        self.checkSeek = checkSeek
        decoder = try openDecoder(input, index, codec, threads: settings.threads)
        let stream = input.stream(index)
        timeBase = stream.pointee.time_base
        startPTS = Int64(exactly: (startSeconds / av_q2d(timeBase)).rounded()) ?? 0  // the file says; never a trap
        self.rotation = rotation
        gopSeconds = settings.gopSeconds
        if rotation != 0 { rotator = FrameRotator(rotation: rotation) }
        let rate = averageFrameRate(stream)
        let gopFrames = frames(in: settings.gopSeconds, at: rate)
        frameDuration = max(1, av_rescale_q(1, av_inv_q(rate), timeBase))
        // SVT-AV1 prints its configuration at info level on every open: errors only.
        if rungs.contains(where: { $0.videoCodec == .av1 }) { setenv("SVT_LOG", "1", 0) }
        for rung in rungs {
            let codec = rung.videoCodec
            let found = try findEncoder(codec.encoder, for: rung.file)
            let encoder = try pictureEncoder(found, width: rung.width, height: rung.height, rate: rate)
            let e = encoder.pointer
            e.pointee.time_base = timeBase
            e.pointee.bit_rate = Int64(rung.videoKbps) * 1000
            e.pointee.rc_max_rate = e.pointee.bit_rate * 3 / 2
            e.pointee.rc_buffer_size = Int32(clamping: e.pointee.bit_rate * 2)
            // Keyframes are forced by time (below); the encoder's own interval is set past them so it adds none.
            e.pointee.gop_size = codec.gopSize(gopFrames)
            e.pointee.keyint_min = gopFrames
            e.pointee.thread_count = Int32(settings.threads)
            e.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER | Int32(bitPattern: AV_CODEC_FLAG_CLOSED_GOP)
            try encoder.open(found, options: codec.options(preset: settings.preset, gopFrames: gopFrames))
            let muxer = try OutputContainer(path: "\(directory)/\(rung.file)", encoder: encoder, tag: codec.codecTag)
            try muxer.writeHeader()
            outputs.append(Output(rung: rung, encoder: encoder, muxer: muxer, scaler: PictureScaler(width: rung.width, height: rung.height)))
        }
    }

    func decode(_ packet: UnsafeMutablePointer<AVPacket>?) throws {
        try decodeFrames(packet, decoder, into: decoded, "decode video") { frame throws in try encodeFrame(frame) }
    }

    private func encodeFrame(_ source: UnsafeMutablePointer<AVFrame>) throws {
        var pts = source.pointee.best_effort_timestamp
        if pts == vod_nopts_value() { pts = lastPTS == Int64.min ? startPTS : lastPTS &+ max(1, source.pointee.pkt_duration) }
        guard pts > lastPTS else { return }  // a repeated timestamp would break the muxer
        lastPTS = pts
        var outPTS = pts &- startPTS  // timestamps from the file: wrapped, never a trap (the verifier judges the result)
        let seconds = Double(outPTS) * av_q2d(timeBase)
        // A keyframe at the first frame and at every multiple of gopSeconds (half a frame early counts).
        let halfFrame = 0.5 / max(1, av_q2d(decoder.pointer.pointee.framerate))
        if let window {
            // The same half-frame rule puts each frame in exactly one chunk, and each chunk's first frame on the keyframe grid.
            if seconds + halfFrame < window.start { return }
            if let end = window.end, seconds + halfFrame >= end { pastWindow = true; return }
            if framesIn == 0 {
                if checkSeek && window.start > 0 && seconds - halfFrame > window.start { throw Pipeline.SeekMissedFrames() }
                firstFrameSeconds = seconds
                chunkBasePTS = outPTS
            }
            outPTS -= chunkBasePTS
        }
        let keyframe = framesIn == 0 || seconds + halfFrame >= nextKeyframe
        if keyframe { nextKeyframe = (floor((seconds + halfFrame) / gopSeconds) + 1) * gopSeconds }
        framesIn += 1
        secondsDone = seconds
        let upright = try rotator?.rotate(source) ?? source
        try alsoUpright?(upright)
        for o in outputs {
            let f = o.frame.pointer
            if upright.pointee.width == Int32(o.rung.width) && upright.pointee.height == Int32(o.rung.height)
                && upright.pointee.format == AV_PIX_FMT_YUV420P.rawValue {
                // The rung is the picture as decoded: the encoder takes a reference, no copy through the scaler.
                av_frame_unref(f)
                try check(av_frame_ref(f, upright), "frame reference")
            } else {
                try o.scaler.scale(upright, into: f)
            }
            f.pointee.pts = outPTS
            f.pointee.pict_type = keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
            try encode(f, o.encoder, o.muxer, packet, frameDuration: frameDuration)
        }
    }

    func finish() throws {
        for o in outputs {
            try encode(nil, o.encoder, o.muxer, packet, frameDuration: frameDuration)
            try o.muxer.finish()
        }
    }
}

/// The audio side of the ladder for one source stream: its decoder and an AAC encoder per
/// rendition of it (stereo, and 5.1 for a surround stream), each into its own file.
final class AudioPath {
    let index: Int32
    let decoder: CodecContext
    let outputs: [(encoder: AudioEncoder, muxer: OutputContainer)]
    var secondsDone: Double { outputs.first?.encoder.secondsDone ?? 0 }
    /// Also given every decoded frame (the download versions of a whole job).
    var alsoDecoded: ((UnsafeMutablePointer<AVFrame>) throws -> Void)?
    let decoded = Frame()

    init(input: InputContainer, index: Int32, renditions: [AudioRendition], settings: EncodeSettings, directory: String, startSeconds: Double) throws {
        self.index = index
        let parameters = input.stream(index).pointee.codecpar.pointee
        guard let codec = avcodec_find_decoder(parameters.codec_id) else {
            throw TranscodeError(stage: .transcode, reason: "no decoder for audio stream \(index)", libav: nil)
        }
        decoder = try openDecoder(input, index, codec, threads: settings.threads)
        guard let aac = avcodec_find_encoder(AV_CODEC_ID_AAC) else { throw TranscodeError(stage: .transcode, reason: "no AAC encoder", libav: nil) }
        var outputs: [(AudioEncoder, OutputContainer)] = []
        for rendition in renditions {
            let muxer = try OutputContainer(path: "\(directory)/\(rendition.file)")
            let encoder = try AudioEncoder(aac, kbps: rendition.kbps(stereo: settings.audioKbps), from: decoder, timeBase: input.stream(index).pointee.time_base,
                                           startSeconds: startSeconds, into: muxer, channels: Int32(rendition.channels))
            muxer.tag(stream: encoder.stream, language: rendition.language, title: rendition.title)
            try muxer.writeHeader()
            outputs.append((encoder, muxer))
        }
        self.outputs = outputs
    }

    func decode(_ packet: UnsafeMutablePointer<AVPacket>?) throws {
        try decodeFrames(packet, decoder, into: decoded, "decode audio") { frame throws in
            for output in outputs { try output.encoder.add(frame) }
            try alsoDecoded?(frame)
        }
    }

    func finish() throws {
        for output in outputs {
            try output.encoder.finish()
            try output.muxer.finish()
        }
    }
}

/// Sends a packet (nil: flush) to `decoder` and hands each frame it gives, decoded into
/// `frame`, to `use`; damaged packets are skipped, as players do. `what`: for errors.
func decodeFrames(_ packet: UnsafeMutablePointer<AVPacket>?, _ decoder: CodecContext, into frame: Frame, _ what: String,
                  _ use: (UnsafeMutablePointer<AVFrame>) throws -> Void) throws {
    if let packet, let frames = try AMRFrames.split(packet, for: decoder) {
        for part in frames { try decodeFrames(part.pointer, decoder, into: frame, what, use) }
        return
    }
    let r = avcodec_send_packet(decoder.pointer, packet)
    if r == vod_averror_invaliddata() { return }
    if r != averrorEOF { try check(r, what) }
    while true {
        let got = avcodec_receive_frame(decoder.pointer, frame.pointer)
        if got == averrorEAGAIN || got == averrorEOF { return }
        if got == vod_averror_invaliddata() { continue }
        try check(got, what)
        defer { av_frame_unref(frame.pointer) }
        try use(frame.pointer)
    }
}

/// One audio encoder fed from a decoder: a resampler to stereo (or 5.1) at 48 kHz in the encoder's
/// sample format, a FIFO that hands the encoder frames of exactly its size, and a stream of
/// a muxer. The first sample is placed where the source's first frame is on the output clock.
final class AudioEncoder {
    static let sampleRate: Int32 = 48000
    let encoder: CodecContext
    let muxer: OutputContainer
    let stream: Int32
    let format: AVSampleFormat
    var resampler: OpaquePointer?
    let fifo: OpaquePointer
    let converted = Frame()
    let chunk = Frame()
    let packet = Packet()
    let timeBase: AVRational
    let startSeconds: Double
    /// The output's channel layout (stereo, or 5.1 for a surround rendition).
    var layout = AVChannelLayout()
    /// Samples handed to the encoder so far (its timestamps), set from the first frame's time.
    var samples: Int64 = -1
    private(set) var secondsDone = 0.0

    /// Opens `codec` at `kbps` for the audio `decoder` gives (timestamps in `timeBase`) and adds its stream to `muxer`.
    init(_ codec: UnsafePointer<AVCodec>, kbps: Int, from decoder: CodecContext, timeBase: AVRational, startSeconds: Double,
         into muxer: OutputContainer, options: [String: String] = [:], channels: Int32 = 2) throws {
        av_channel_layout_default(&layout, channels)
        self.timeBase = timeBase
        self.startSeconds = startSeconds
        self.muxer = muxer
        // The encoder's first sample format (FLTP for AAC and Vorbis, S16 for Opus, …).
        format = codec.pointee.sample_fmts.map { $0.pointee } ?? AV_SAMPLE_FMT_FLTP
        encoder = try CodecContext(codec: codec)
        let e = encoder.pointer
        e.pointee.sample_fmt = format
        e.pointee.sample_rate = Self.sampleRate
        try check(av_channel_layout_copy(&e.pointee.ch_layout, &layout), "channel layout")
        e.pointee.bit_rate = Int64(kbps) * 1000
        e.pointee.time_base = AVRational(num: 1, den: Self.sampleRate)
        if muxer.wantsGlobalHeader { e.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        try encoder.open(codec, options: options)
        stream = try muxer.addStream(encoder)
        let d = decoder.pointer
        try check(swr_alloc_set_opts2(&resampler, &layout, format, Self.sampleRate,
                                      &d.pointee.ch_layout, d.pointee.sample_fmt, d.pointee.sample_rate, 0, nil), "resampler")
        try check(swr_init(resampler), "resampler")
        guard let f = av_audio_fifo_alloc(format, channels, 4096) else { throw LibAVError(operation: "audio FIFO", code: vod_averror(ENOMEM)) }
        fifo = f
    }

    deinit {
        swr_free(&resampler)
        av_audio_fifo_free(fifo)
        av_channel_layout_uninit(&layout)
    }

    /// Encodes what it can of a decoded frame.
    func add(_ frame: UnsafeMutablePointer<AVFrame>) throws {
        if samples < 0 {
            // The first sample's place on the output clock keeps audio in sync with the video.
            let pts = frame.pointee.best_effort_timestamp
            let seconds = pts == vod_nopts_value() ? 0 : Double(pts) * av_q2d(timeBase) - startSeconds
            samples = max(0, Int64((seconds * Double(Self.sampleRate)).rounded()))
        }
        try resample(frame)
    }

    /// Converts (nil: flushes the resampler) into the FIFO, then encodes whole frames.
    private func resample(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        let out = converted.pointer
        av_frame_unref(out)
        out.pointee.format = format.rawValue
        out.pointee.sample_rate = Self.sampleRate
        try check(av_channel_layout_copy(&out.pointee.ch_layout, &layout), "channel layout")
        try check(swr_convert_frame(resampler, out, frame), "resample")
        if out.pointee.nb_samples > 0 { try check(vod_audio_fifo_write(fifo, out), "audio FIFO") }
        try drain(flush: false)
    }

    private func drain(flush: Bool) throws {
        let size = encoder.pointer.pointee.frame_size > 0 ? encoder.pointer.pointee.frame_size : 1024
        while av_audio_fifo_size(fifo) >= size || (flush && av_audio_fifo_size(fifo) > 0) {
            let n = min(size, av_audio_fifo_size(fifo))
            let f = chunk.pointer
            av_frame_unref(f)
            f.pointee.nb_samples = n
            f.pointee.format = format.rawValue
            f.pointee.sample_rate = Self.sampleRate
            try check(av_channel_layout_copy(&f.pointee.ch_layout, &layout), "channel layout")
            try check(av_frame_get_buffer(f, 0), "audio buffer")
            guard vod_audio_fifo_read(fifo, f, n) == n else { throw LibAVError(operation: "audio FIFO read", code: vod_averror(EIO)) }
            f.pointee.pts = max(0, samples)
            samples = max(0, samples) + Int64(n)
            secondsDone = Double(samples) / Double(Self.sampleRate)
            try encode(f, encoder, muxer, packet, stream: stream)
        }
    }

    /// Flushes the resampler, the FIFO and the encoder.
    func finish() throws {
        if samples >= 0 { try resample(nil) }
        try drain(flush: true)
        try encode(nil, encoder, muxer, packet, stream: stream)
    }
}
