/// One rung of the output ladder as configured: a target height and bitrate.
public struct RungConfig: Codable, Equatable, Sendable {
    public var height: Int
    /// Video bitrate in kbit/s.
    public var videoKbps: Int
    public init(height: Int, videoKbps: Int) {
        self.height = height
        self.videoKbps = videoKbps
    }

    public static let defaults = [RungConfig(height: 1080, videoKbps: 5000), RungConfig(height: 720, videoKbps: 2800),
                                  RungConfig(height: 480, videoKbps: 1200), RungConfig(height: 360, videoKbps: 700)]
}

/// A rung planned for one source: its exact output size.
public struct Rung: Codable, Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var videoKbps: Int
    /// Named by the shorter side, the rung's nominal size (`video_1080.mp4` for 1920×1080 and 1080×1920).
    public var file: String { "video_\(min(width, height)).mp4" }
}

public enum Ladder {
    /// The rungs for a source of `width`×`height` (upright). A rung's configured `height` is
    /// its shorter side, so a portrait 1080×1920 phone video gets 1080×1920, 720×1280, … (the
    /// same pixels and bitrates as the landscape ladder), and a square one 1080×1080. Never
    /// larger than the source, aspect kept, even dimensions. A source smaller than every rung
    /// gets one rung at its own size (with the smallest rung's bitrate), so every video has a picture.
    public static func plan(_ rungs: [RungConfig], width: Int, height: Int) -> [Rung] {
        func even(_ v: Double) -> Int { max(2, Int((v / 2).rounded()) * 2) }
        let short = max(1, min(width, height)), long = max(width, height)
        var planned: [Rung] = []
        for r in rungs.sorted(by: { $0.height > $1.height }) where r.height <= short {
            let s = even(Double(r.height))
            let l = even(Double(long) * Double(s) / Double(short))
            let rung = width < height ? Rung(width: s, height: l, videoKbps: r.videoKbps) : Rung(width: l, height: s, videoKbps: r.videoKbps)
            if !planned.contains(where: { $0.file == rung.file }) { planned.append(rung) }
        }
        if planned.isEmpty, let smallest = rungs.min(by: { $0.height < $1.height }) {
            planned.append(Rung(width: even(Double(width)), height: even(Double(height)), videoKbps: smallest.videoKbps))
        }
        return planned
    }
}
