/// The containers a video can be downloaded in (a profile's `downloads`): the file
/// extension is the format's name, and the origin serves each with its media type.
public enum DownloadFormat: String, Codable, Sendable, CaseIterable {
    case mp4, webm, mkv, ogg, avi

    /// `Content-Type` at `/download/<video>/<file>`.
    public var contentType: String {
        switch self {
        case .mp4: return "video/mp4"
        case .webm: return "video/webm"
        case .mkv: return "video/x-matroska"
        case .ogg: return "video/ogg"
        case .avi: return "video/x-msvideo"
        }
    }

    /// The format of a file named `<stem>.<format>`; nil for any other name.
    public init?(fileName: some StringProtocol) {
        guard let dot = fileName.lastIndex(of: ".") else { return nil }
        self.init(rawValue: String(fileName[fileName.index(after: dot)...]))
    }
}
