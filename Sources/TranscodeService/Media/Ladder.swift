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
    public var file: String { "video_\(height).mp4" }
}

public enum Ladder {
    /// The rungs for a source of `width`×`height` (upright): never larger than the source,
    /// aspect kept, even dimensions. A source smaller than every rung gets one rung at its
    /// own size (with the smallest rung's bitrate), so every video has a picture.
    public static func plan(_ rungs: [RungConfig], width: Int, height: Int) -> [Rung] {
        func even(_ v: Double) -> Int { max(2, Int((v / 2).rounded()) * 2) }
        var planned: [Rung] = []
        for r in rungs.sorted(by: { $0.height > $1.height }) where r.height <= height {
            let h = even(Double(r.height))
            let w = even(Double(width) * Double(h) / Double(height))
            if !planned.contains(where: { $0.height == h }) { planned.append(Rung(width: w, height: h, videoKbps: r.videoKbps)) }
        }
        if planned.isEmpty, let smallest = rungs.min(by: { $0.height < $1.height }) {
            planned.append(Rung(width: even(Double(width)), height: even(Double(height)), videoKbps: smallest.videoKbps))
        }
        return planned
    }
}
