/// The video codecs a rung can be encoded with; every rung of every codec shares the
/// keyframe grid and the audio, so the packager puts them in one media set.
public enum VideoCodec: String, Codable, Sendable, CaseIterable {
    case h264, hevc, av1

    /// Where its rungs come in a ladder and which is published first: H.264 (every player
    /// decodes it; the first variant is where many start), then HEVC, then AV1.
    public var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    /// The libavcodec encoder used for it.
    public var encoder: String {
        switch self {
        case .h264: return "libx264"
        case .hevc: return "libx265"
        case .av1: return "libsvtav1"
        }
    }
}

/// One rung of the output ladder as configured: a target height (the shorter side), a
/// bitrate and a codec (H.264 when left out).
public struct RungConfig: Codable, Equatable, Sendable {
    public var height: Int
    /// Video bitrate in kbit/s.
    public var videoKbps: Int
    public var codec: VideoCodec?
    public init(height: Int, videoKbps: Int, codec: VideoCodec? = nil) {
        self.height = height
        self.videoKbps = videoKbps
        self.codec = codec
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case height, videoKbps, codec }

    /// Decoded with every key checked: a misspelt `codec` must not pass as an H.264 rung.
    public init(from decoder: any Decoder) throws {
        try refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue), in: "a ladder rung")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        height = try c.decode(Int.self, forKey: .height)
        videoKbps = try c.decode(Int.self, forKey: .videoKbps)
        codec = try c.decodeIfPresent(VideoCodec.self, forKey: .codec)
    }

    public static let defaults = [RungConfig(height: 1080, videoKbps: 5000), RungConfig(height: 720, videoKbps: 2800),
                                  RungConfig(height: 480, videoKbps: 1200), RungConfig(height: 360, videoKbps: 700)]
}

/// A rung planned for one source: its exact output size.
public struct Rung: Codable, Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var videoKbps: Int
    /// Nil: H.264.
    public var codec: VideoCodec?

    public init(width: Int, height: Int, videoKbps: Int, codec: VideoCodec? = nil) {
        self.width = width
        self.height = height
        self.videoKbps = videoKbps
        self.codec = codec == .h264 ? nil : codec
    }

    public var videoCodec: VideoCodec { codec ?? .h264 }

    /// Named by the codec (H.264 unnamed) and the shorter side, the rung's nominal size:
    /// `video_1080.mp4` for 1920×1080 and 1080×1920 in H.264, `video_hevc_720.mp4`, `video_av1_360.mp4`.
    public var file: String { "video_\(codec.map { "\($0.rawValue)_" } ?? "")\(min(width, height)).mp4" }
}

public enum Ladder {
    /// The rungs for a source of `width`×`height` (upright). A rung's configured `height` is
    /// its shorter side, so a portrait 1080×1920 phone video gets 1080×1920, 720×1280, … (the
    /// same pixels and bitrates as the landscape ladder), and a square one 1080×1080. Never
    /// larger than the source, aspect kept, even dimensions. A source smaller than every rung
    /// gets one rung at its own size (with the smallest rung's bitrate scaled by pixels), so
    /// every video has a picture; so does each codec of the ladder.
    public static func plan(_ rungs: [RungConfig], width: Int, height: Int) -> [Rung] {
        var planned: [Rung] = []
        // By codec rank, tallest first.
        let order = { (r: RungConfig) in (r.codec ?? .h264).rank }
        for r in rungs.sorted(by: { (order($0), $1.height) < (order($1), $0.height) }) {
            guard let size = fit(shortSide: r.height, width: width, height: height) else { continue }
            let rung = Rung(width: size.width, height: size.height, videoKbps: r.videoKbps, codec: r.codec)
            if !planned.contains(where: { $0.file == rung.file }) { planned.append(rung) }
        }
        // Per codec: a source smaller than all of its rungs gets one at its own size.
        for codec in VideoCodec.allCases where !planned.contains(where: { $0.videoCodec == codec }) {
            guard let smallest = rungs.filter({ ($0.codec ?? .h264) == codec }).min(by: { $0.height < $1.height }) else { continue }
            let own = ownSize(width: width, height: height, under: smallest.height, kbps: smallest.videoKbps)
            planned.append(Rung(width: own.width, height: own.height, videoKbps: own.kbps, codec: codec))
        }
        return planned
    }

    /// The size with `shortSide` as its shorter side for an upright source of `width`×`height`,
    /// aspect kept, even dimensions; nil when that is larger than the source (never upscaled).
    public static func fit(shortSide: Int, width: Int, height: Int) -> (width: Int, height: Int)? {
        let short = max(1, min(width, height)), long = max(width, height)
        guard shortSide <= short else { return nil }
        let s = even(Double(shortSide))
        let l = even(Double(long) * Double(s) / Double(short))
        return width < height ? (s, l) : (l, s)
    }

    /// The source's own size (even) for a source smaller than every configured size, with the
    /// bitrate of the smallest (`kbps` at `shortSide`) scaled down by pixels: a 360-line source
    /// under a 720-line size gets a quarter.
    static func ownSize(width: Int, height: Int, under shortSide: Int, kbps: Int) -> (width: Int, height: Int, kbps: Int) {
        let short = max(1, min(width, height))
        let share = min(1, Double(short) * Double(short) / Double(max(1, shortSide * shortSide)))
        return (even(Double(width)), even(Double(height)), max(1, Int((Double(kbps) * share).rounded())))
    }

    static func even(_ v: Double) -> Int { max(2, Int((v / 2).rounded()) * 2) }
}
