/// A parsed MP4: movie header, tracks with their sample indexes, and where
/// the top-level boxes are.
public struct Movie: Sendable {
    public var fileType: FileTypeBox?
    public var header: MovieHeaderBox
    public var tracks: [Track]
    /// True when samples come from `moof` boxes.
    public var isFragmented: Bool
    public var topLevelBoxes: [BoxHeader]
    public var fileSize: Int64
    /// Defaults for fragments, by track id.
    public var trackExtends: [UInt32: TrackExtendsBox]
    /// Where a `moof` cut off by the end of the file starts (its fragment is left out).
    public var droppedFragmentAt: Int64?
    /// Children of `moov` that are not interpreted (`udta`, `meta`, `iods`, …), as file ranges.
    public var otherBoxes: [OpaqueBox] = []

    public var timescale: UInt32 { header.timescale }

    /// Reads the movie from `source`: every top-level box header, the `moov`,
    /// and any `moof`, never `mdat` payloads.
    public static func read(from source: ByteSource, limits: ParseLimits = .default) throws(MP4Error) -> Movie {
        try MovieReader(source: source, limits: limits).read()
    }

    public static func read(path: String, limits: ParseLimits = .default) throws(MP4Error) -> Movie {
        try read(from: FileByteSource(path: path), limits: limits)
    }

    /// Duration in seconds: the longest track, after edit lists.
    public var durationSeconds: Double {
        tracks.map { PresentationTimeline(track: $0, movieTimescale: timescale).durationSeconds }.max() ?? 0
    }
}
