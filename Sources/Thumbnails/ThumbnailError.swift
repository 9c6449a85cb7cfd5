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

    /// Runs `body`, turning any libav or other failure into a `ThumbnailError` naming `file`.
    static func naming<T>(_ file: String, _ body: () throws -> T) throws(ThumbnailError) -> T {
        do { return try body() } catch let error as ThumbnailError {
            throw error
        } catch {
            throw ThumbnailError("\(file): \(error)")
        }
    }

    public var description: String { reason }
}
