import MP4Box

/// A track of a source file that is not packaged, and why: a codec players cannot
/// get from us (cover art, PCM, H.263), a kind we do not package (timed metadata,
/// subtitles), no samples, broken timing, or a second track of a kind. Listed by
/// `/api/videos/<id>` and `vod inspect`; the other tracks are served.
public struct SkippedTrack: Equatable, Sendable, Codable {
    public var id: UInt32
    public var type: String
    public var codec: String
    public var reason: String

    init(_ track: Track, _ reason: String) {
        id = track.id
        type = track.mediaType.rawValue
        codec = track.sampleEntry?.format.description ?? "none"
        self.reason = reason
    }
}
