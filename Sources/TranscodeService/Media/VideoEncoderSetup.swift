import CAVCodec
import LibAV

/// How each codec's encoder is set up so that every rung of every codec has its keyframes
/// at the same presentation times (closed GOPs, no scene-cut keyframes) and its MP4 sample
/// entry is the one players want.
extension VideoCodec {
    /// Encoder options (libavcodec private options) for `preset` (x264's names) and a GOP of `gopFrames`.
    func options(preset: String, gopFrames: Int32) -> [String: String] {
        switch self {
        case .h264:
            return ["preset": preset, "sc_threshold": "0", "forced-idr": "1"]
        case .hevc:
            // Frames the pipeline marks as I become IDRs (forced-idr); x265's own interval is set past the grid.
            return ["preset": preset, "forced-idr": "1",
                    "x265-params": "scenecut=0:open-gop=0:keyint=\(gopFrames * 2):min-keyint=\(gopFrames):log-level=error"]
        case .av1:
            // SVT-AV1 1.4 under libavcodec 5.1 ignores forced keyframes: its own closed interval is the
            // GOP (`gopSize`), which puts keyframes on the grid for a constant frame rate; the verifier
            // refuses a ladder whose keyframes differ (a variable frame rate).
            return ["preset": Self.svtPreset(preset), "svtav1-params": "irefresh-type=2:scd=0"]
        }
    }

    /// The encoder's own keyframe interval: past the grid for encoders that take forced keyframes, the grid for SVT-AV1.
    func gopSize(_ gopFrames: Int32) -> Int32 { self == .av1 ? gopFrames : gopFrames * 2 }

    /// The MP4 sample entry type, when the muxer's default is not it: `hvc1` (parameter sets
    /// only in `hvcC`), which Safari requires, rather than `hev1`.
    var codecTag: UInt32? {
        guard self == .hevc else { return nil }
        return UInt32(UInt8(ascii: "h")) | UInt32(UInt8(ascii: "v")) << 8 | UInt32(UInt8(ascii: "c")) << 16 | UInt32(UInt8(ascii: "1")) << 24
    }

    /// SVT-AV1's preset number (0 slowest … 12 fastest) nearest to an x264 preset name.
    static func svtPreset(_ x264: String) -> String {
        let map = ["ultrafast": "12", "superfast": "11", "veryfast": "10", "faster": "9", "fast": "8", "medium": "7",
                   "slow": "5", "slower": "4", "veryslow": "2", "placebo": "1"]
        return map[x264] ?? "10"
    }
}
