import LibAV

/// Why a thumbnail could not be made: the time lies outside the video (a 404), or the
/// file would not decode (a 500, logged).
public struct ThumbnailError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    /// The time asked for is after the video's last frame.
    public let isOutOfRange: Bool

    public init(_ reason: String, outOfRange: Bool = false) {
        self.reason = reason
        isOutOfRange = outOfRange
    }

    init(_ error: LibAVError, file: String) { self.init("\(file): \(error)") }

    public var description: String { reason }
}
