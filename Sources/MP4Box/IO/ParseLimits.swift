/// Bounds on what a file may make the parser do. A file over a limit is refused
/// with `.limitExceeded`; nothing is allocated from a count before it is checked
/// against the bytes that hold it.
public struct ParseLimits: Sendable {
    /// Largest `moov` (or `moof`) read into memory.
    public var maxMetadataBoxSize: Int64 = 1 << 30
    /// Deepest box nesting followed.
    public var maxDepth: Int = 16
    /// Most tracks in one movie.
    public var maxTracks: Int = 256
    /// Most samples in one track (2^28 is 100+ hours at 600 fps).
    public var maxSamplesPerTrack: Int = 1 << 28
    /// Largest single sample (FFmpeg refuses above 0x3FFFFFFF too).
    public var maxSampleSize: UInt32 = 0x3FFF_FFFF
    /// Most top-level boxes walked (a file of millions of tiny boxes is an attack, not a movie).
    public var maxTopLevelBoxes: Int = 1_000_000

    public init() {}
    public static let `default` = ParseLimits()
}
