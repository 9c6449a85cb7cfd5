import VODKit

/// The video codecs a download version may carry.
public enum DownloadVideoCodec: String, Codable, Sendable, CaseIterable {
    case h264, hevc, vp9, theora, mpeg4

    /// The libavcodec encoder used for it.
    public var encoder: String {
        switch self {
        case .h264: return "libx264"
        case .hevc: return "libx265"
        case .vp9: return "libvpx-vp9"
        case .theora: return "libtheora"
        case .mpeg4: return "mpeg4"
        }
    }
}

/// The audio codecs a download version may carry.
public enum DownloadAudioCodec: String, Codable, Sendable, CaseIterable {
    case aac, opus, vorbis, mp3

    public var encoder: String {
        switch self {
        case .aac: return "aac"
        case .opus: return "libopus"
        case .vorbis: return "libvorbis"
        case .mp3: return "libmp3lame"
        }
    }
}

extension DownloadFormat {
    /// libavformat's name of the muxer.
    var muxer: String { self == .mkv ? "matroska" : rawValue }

    /// The video codecs the format carries here, the default first: MP4 H.264, WebM VP9,
    /// MKV H.264 or HEVC, OGG Theora, AVI MPEG-4 Part 2.
    public var videoCodecs: [DownloadVideoCodec] {
        switch self {
        case .mp4: return [.h264]
        case .webm: return [.vp9]
        case .mkv: return [.h264, .hevc]
        case .ogg: return [.theora]
        case .avi: return [.mpeg4]
        }
    }

    /// The audio codecs, the default first: MP4 AAC, WebM Opus, MKV AAC or Opus, OGG Vorbis, AVI MP3.
    public var audioCodecs: [DownloadAudioCodec] {
        switch self {
        case .mp4: return [.aac]
        case .webm: return [.opus]
        case .mkv: return [.aac, .opus]
        case .ogg: return [.vorbis]
        case .avi: return [.mp3]
        }
    }
}

/// A download version as configured (`downloads` of a profile): a container, the shorter
/// side of its picture, a video bitrate, and codecs when not the format's defaults.
public struct DownloadConfig: Codable, Equatable, Sendable {
    public var format: DownloadFormat
    public var height: Int
    public var videoKbps: Int
    public var video: DownloadVideoCodec?
    public var audio: DownloadAudioCodec?

    public init(format: DownloadFormat, height: Int, videoKbps: Int, video: DownloadVideoCodec? = nil, audio: DownloadAudioCodec? = nil) {
        self.format = format
        self.height = height
        self.videoKbps = videoKbps
        self.video = video
        self.audio = audio
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case format, height, videoKbps, video, audio }

    /// Decoded with every key checked: a misspelt `video` must not make another codec silently.
    public init(from decoder: any Decoder) throws {
        try refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "a download")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(DownloadFormat.self, forKey: .format)
        height = try c.decode(Int.self, forKey: .height)
        videoKbps = try c.decode(Int.self, forKey: .videoKbps)
        video = try c.decodeIfPresent(DownloadVideoCodec.self, forKey: .video)
        audio = try c.decodeIfPresent(DownloadAudioCodec.self, forKey: .audio)
    }

    public var videoCodec: DownloadVideoCodec { video ?? format.videoCodecs[0] }
    public var audioCodec: DownloadAudioCodec { audio ?? format.audioCodecs[0] }

    /// What is wrong with it, said for the operator; nil when it can be made.
    public var problem: String? {
        if height < 2 || videoKbps < 1 { return "a download needs a height of 2 or more and videoKbps of 1 or more (got \(height)/\(videoKbps))" }
        if !format.videoCodecs.contains(videoCodec) {
            return "\(format.rawValue) carries video \(format.videoCodecs.map(\.rawValue).joined(separator: " or ")), not \(videoCodec.rawValue)"
        }
        if !format.audioCodecs.contains(audioCodec) {
            return "\(format.rawValue) carries audio \(format.audioCodecs.map(\.rawValue).joined(separator: " or ")), not \(audioCodec.rawValue)"
        }
        return nil
    }

    /// The five containers at 720 lines: what the shipped `downloads` profile makes.
    public static let everyFormat = [
        DownloadConfig(format: .mp4, height: 720, videoKbps: 2800), DownloadConfig(format: .webm, height: 720, videoKbps: 2000),
        DownloadConfig(format: .mkv, height: 720, videoKbps: 2800), DownloadConfig(format: .ogg, height: 720, videoKbps: 3000),
        DownloadConfig(format: .avi, height: 720, videoKbps: 3000),
    ]
}

/// A download version planned for one source: its exact picture size.
public struct DownloadVersion: Codable, Equatable, Sendable {
    public var format: DownloadFormat
    public var width: Int
    public var height: Int
    public var videoKbps: Int
    public var video: DownloadVideoCodec
    public var audio: DownloadAudioCodec

    /// `download_<shorter side>.<format>` (`download_audio.<format>` for a source without
    /// video), with the codecs named when not the format's defaults (`download_720_hevc_opus.mkv`).
    public var file: String {
        var name = "download_" + (width > 0 ? String(min(width, height)) : "audio")
        if video != format.videoCodecs[0] { name += "_\(video.rawValue)" }
        if audio != format.audioCodecs[0] { name += "_\(audio.rawValue)" }
        return "\(name).\(format.rawValue)"
    }

    /// The versions for an upright source of `width`×`height` (nil: no video, so each keeps only
    /// its audio): sized like the ladder's rungs, never upscaled; a source smaller than a
    /// version's size gets it at its own size. Versions that come out the same file are made once.
    public static func plan(_ configs: [DownloadConfig], width: Int?, height: Int?) -> [DownloadVersion] {
        var planned: [DownloadVersion] = []
        for c in configs {
            var size = (width: 0, height: 0, kbps: c.videoKbps)
            if let width, let height {
                if let fit = Ladder.fit(shortSide: c.height, width: width, height: height) { size = (fit.width, fit.height, c.videoKbps) }
                else { size = Ladder.ownSize(width: width, height: height, under: c.height, kbps: c.videoKbps) }
            }
            let version = DownloadVersion(format: c.format, width: size.width, height: size.height, videoKbps: size.kbps, video: c.videoCodec, audio: c.audioCodec)
            if !planned.contains(where: { $0.file == version.file }) { planned.append(version) }
        }
        return planned
    }
}

/// Throws when the object being decoded has a key not in `known` (config typos are errors).
func refuseUnknownKeys(_ decoder: any Decoder, known: [String], in what: String) throws {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
    guard unknown.isEmpty else {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                debugDescription: "unknown key(s) \(unknown.joined(separator: ", ")) in \(what); known: \(known.joined(separator: ", "))"))
    }
}
