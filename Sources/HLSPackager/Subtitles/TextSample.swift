/// The text of one sample of an MP4 text track.
enum TextSample {
    /// A 3GPP timed-text sample (`tx3g`, 3GPP TS 26.245): a 16-bit length and that
    /// many bytes of UTF-8 (or UTF-16 with a byte-order mark), then style boxes, which
    /// are not kept. Nil for an empty sample.
    static func timedText(_ data: [UInt8]) -> (settings: String, text: String)? {
        guard data.count >= 2 else { return nil }
        let length = Int(data[0]) << 8 | Int(data[1])
        guard length > 0, data.count >= 2 + length else { return nil }
        let body = data[2..<(2 + length)]
        let plain: String
        if body.starts(with: [0xFE, 0xFF]) {
            let units = stride(from: body.startIndex + 2, to: body.endIndex - 1, by: 2).map { UInt16(body[$0]) << 8 | UInt16(body[$0 + 1]) }
            plain = String(decoding: units, as: UTF16.self)
        } else {
            plain = String(decoding: body, as: UTF8.self)
        }
        let text = TextCue.escaping(plain)
        return text.isEmpty ? nil : ("", text)
    }

    /// An ISO 14496-30 WebVTT sample: `vttc` boxes (one cue each, with `sttg` settings and
    /// `payl` text, already WebVTT cue text) or a `vtte` (nothing shown). Malformed boxes end the sample.
    static func webVTT(_ data: [UInt8]) -> [(settings: String, text: String)] {
        var cues: [(String, String)] = []
        for (type, body) in boxes(data[...]) where type == "vttc" {
            var settings = "", text = ""
            for (inner, content) in boxes(body) {
                if inner == "sttg" { settings = String(decoding: content, as: UTF8.self) }
                if inner == "payl" { text = TextCue.withoutEmptyLines(String(decoding: content, as: UTF8.self)) }
            }
            cues.append((settings, text))
        }
        return cues
    }

    /// Consecutive plain boxes (32-bit sizes only) as (type, contents).
    static func boxes(_ data: ArraySlice<UInt8>) -> [(String, ArraySlice<UInt8>)] {
        var result: [(String, ArraySlice<UInt8>)] = []
        var at = data.startIndex
        while data.endIndex - at >= 8 {
            let size = Int(data[at]) << 24 | Int(data[at + 1]) << 16 | Int(data[at + 2]) << 8 | Int(data[at + 3])
            guard size >= 8, size <= data.endIndex - at else { break }
            result.append((String(decoding: data[(at + 4)..<(at + 8)], as: UTF8.self), data[(at + 8)..<(at + size)]))
            at += size
        }
        return result
    }
}
