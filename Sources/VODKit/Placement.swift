/// Where a video lives: the configured origins ranked for it by rendezvous
/// (highest random weight) hashing of (origin, video). The transcoder writes to
/// the first M; edges ask them in this order. Adding an origin moves only the
/// videos that now rank it first; no table is shared.
public enum Placement {
    /// `origins` (their ids, e.g. `http://10.0.0.5:8081`) best first for `video`.
    public static func rank(_ origins: [String], for video: String) -> [String] {
        origins.map { ($0, score($0, video)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// The first 8 bytes of SHA-256(origin, NUL, video) as a big-endian number.
    public static func score(_ origin: String, _ video: String) -> UInt64 {
        SHA256.hash(Array(origin.utf8) + [0] + Array(video.utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
