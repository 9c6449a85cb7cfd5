/// WebVTT text as players read it (W3C WebVTT; RFC 8216 §3.5 for segments).
enum WebVTTWriter {
    /// `hh:mm:ss.ttt` (hours as wide as needed); negative times are written as 0.
    static func timestamp(_ ms: Int64) -> String {
        let t = max(0, ms)
        let hours = t / 3_600_000, minutes = t / 60_000 % 60, seconds = t / 1000 % 60, millis = t % 1000
        func pad(_ v: Int64, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(v).count)) + String(v) }
        return "\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2)).\(pad(millis, 3))"
    }

    /// A WebVTT document of `cues` moved by `shift` ms, with an `X-TIMESTAMP-MAP` header
    /// when `mpegts` is given (LOCAL 0 is that 90 kHz time in the media segments).
    static func document(_ cues: some Sequence<TextCue>, shift: Int64 = 0, mpegts: Int64? = nil) -> String {
        var out = "WEBVTT\n"
        if let mpegts { out += "X-TIMESTAMP-MAP=MPEGTS:\(mpegts),LOCAL:00:00:00.000\n" }
        out += "\n"
        for cue in cues {
            let start = cue.start &+ shift, end = cue.end &+ shift
            guard end > max(start, 0), !cue.text.isEmpty else { continue }
            out += "\(timestamp(start)) --> \(timestamp(end))\(cue.settings.isEmpty ? "" : " " + cue.settings)\n\(cue.text)\n\n"
        }
        return out
    }
}
