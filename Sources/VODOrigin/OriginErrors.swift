import HLSPackager
import VODKit

/// The origin's errors and their HTTP answers, all in one place.
extension MediaCatalog.LookupError: HTTPResponseError {
    public var status: Int {
        switch self {
        case .invalidID: return 400
        case .notFound, .outsideRoot: return 404
        case .badManifest: return 500
        }
    }

    public var clientMessage: String {
        switch self {
        case .invalidID: return "invalid video id"
        case .notFound, .outsideRoot: return "no such video"  // outside the root: never say so
        case .badManifest: return "the video's manifest is broken"
        }
    }
}

extension PackagerError: HTTPResponseError {
    public var status: Int {
        switch self {
        case .noSuchSegment: return 404
        case .noPlayableTrack, .unsupportedCodec: return 415
        case .unreadable, .brokenTrack: return 500
        case .cannotProtect: return 403
        case .keyUnavailable: return 503
        }
    }

    public var clientMessage: String {
        switch self {
        case .noSuchSegment: return "no such segment"
        case .noPlayableTrack: return "the video has no track that can be packaged"
        case .unsupportedCodec(_, let codec): return "codec \(codec) cannot be packaged"
        case .unreadable, .brokenTrack: return "the video cannot be read"
        case .cannotProtect(_, let reason): return reason
        case .keyUnavailable: return "the video's key cannot be had now; try again later"
        }
    }
}
