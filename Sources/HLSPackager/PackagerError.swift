import MP4Box

/// Why a media set cannot be packaged. The origin maps each to an HTTP status.
public enum PackagerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The source could not be read (the MP4Box error says where).
    case unreadable(file: String, MP4Error)
    /// Neither a video nor an audio track that can be packaged.
    case noPlayableTrack(file: String)
    /// A codec HLS/DASH players cannot play from this packager (e.g. H.263, AMR).
    case unsupportedCodec(file: String, codec: String)
    /// A track with no samples, or whose timing cannot be laid out.
    case brokenTrack(file: String, reason: String)
    /// A segment number outside the plan.
    case noSuchSegment(Int)
    /// A protected video asked for in a form its encryption cannot take (DASH of an
    /// `aes-128` video, a CENC track of a codec without subsample rules here).
    case cannotProtect(file: String, reason: String)
    /// A protected video whose key cannot be had now (the key service is down).
    case keyUnavailable(video: String, reason: String)

    /// The description without the file name (for a track skipped within its file).
    public var reason: String {
        switch self {
        case let .unreadable(_, error): return "\(error)"
        case .noPlayableTrack: return "no video or audio track that can be packaged"
        case let .unsupportedCodec(_, codec): return "codec \(codec) cannot be packaged for HLS/DASH"
        case let .brokenTrack(_, reason): return reason
        case let .noSuchSegment(n): return "segment \(n) does not exist"
        case let .cannotProtect(_, reason): return reason
        case let .keyUnavailable(_, reason): return reason
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(file, error): return "\(file): \(error)"
        case let .noPlayableTrack(file): return "\(file): no video or audio track that can be packaged"
        case let .unsupportedCodec(file, codec): return "\(file): codec \(codec) cannot be packaged for HLS/DASH"
        case let .brokenTrack(file, reason): return "\(file): \(reason)"
        case let .noSuchSegment(n): return "segment \(n) does not exist"
        case let .cannotProtect(file, reason): return "\(file): \(reason)"
        case let .keyUnavailable(_, reason): return reason
        }
    }
}
