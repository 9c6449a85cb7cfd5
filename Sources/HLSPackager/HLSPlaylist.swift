import Foundation
import MP4Box

/// HLS playlists (RFC 8216) for CMAF segments. Media playlists live at
/// `/hls/<video>/<track>/index.m3u8` and point at the shared CMAF URLs
/// `/cmaf/<video>/<track>/init.mp4` and `<n>.m4s` (n from 1), so HLS and
/// DASH players fetch, and caches hold, the same bytes.
public enum HLSPlaylist {
    /// Version 7: fMP4 segments with EXT-X-MAP.
    static let version = 7

    /// The opening lines every VOD media playlist shares: target duration the ceiling
    /// of the longest segment, then any `extra` tags (EXT-X-MAP, EXT-X-I-FRAMES-ONLY).
    static func mediaHeader(version: Int, durations: [Double], extra: [String] = []) -> String {
        var lines = ["#EXTM3U", "#EXT-X-VERSION:\(version)", "#EXT-X-TARGETDURATION:\(SafeTime.int((durations.max() ?? 0).rounded(.up)))",
                     "#EXT-X-PLAYLIST-TYPE:VOD"]
        lines += extra.filter { $0 == "#EXT-X-I-FRAMES-ONLY" }
        lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
        lines += extra.filter { $0 != "#EXT-X-I-FRAMES-ONLY" }
        return lines.joined(separator: "\n") + "\n"
    }

    static func extinf(_ duration: Double) -> String { "#EXTINF:\(String(format: "%.6f", duration)),\n" }

    /// The media playlist of one track: exact durations, target duration the ceiling of the longest.
    public static func media(_ track: SegmentedTrack, video: String) -> String {
        let base = "../../../cmaf/\(video)/\(track.track.name)/"
        let durations = track.plan.durations
        var out = mediaHeader(version: version, durations: durations, extra: ["#EXT-X-MAP:URI=\"\(base)init.mp4\""])
        for (n, duration) in durations.enumerated() { out += extinf(duration) + "\(base)\(n + 1).m4s\n" }
        return out + "#EXT-X-ENDLIST\n"
    }

    /// The I-frame playlist of a video track (`iframes.m3u8` beside its `index.m3u8`):
    /// each segment's opening keyframe as a byte range of that segment, for trick play.
    public static func iFrames(_ track: SegmentedTrack, video: String) -> String {
        let base = "../../../cmaf/\(video)/\(track.track.name)/"
        let durations = track.plan.durations
        var out = mediaHeader(version: version, durations: durations, extra: ["#EXT-X-I-FRAMES-ONLY", "#EXT-X-MAP:URI=\"\(base)init.mp4\""])
        for (n, duration) in durations.enumerated() {
            out += extinf(duration) + "#EXT-X-BYTERANGE:\(track.leadingKeyframeLength(n))@0\n\(base)\(n + 1).m4s\n"
        }
        return out + "#EXT-X-ENDLIST\n"
    }

    /// The multivariant playlist: a variant per video rendition with audio as an
    /// `EXT-X-MEDIA` group, or the audio alone for an audio-only video.
    public static func multivariant(_ set: MediaSet) -> String {
        var out = "#EXTM3U\n#EXT-X-VERSION:\(version)\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        let audioSizes = set.audio?.segmentSizes ?? []
        if let audio = set.audio {
            let t = audio.track.track
            let language = t.language
            var attributes = ["TYPE=AUDIO", "GROUP-ID=\"audio\"", "NAME=\"\(language == "und" ? "audio" : language)\""]
            if language != "und" { attributes.append("LANGUAGE=\"\(language)\"") }
            attributes += ["AUTOSELECT=YES", "DEFAULT=YES"]
            if let channels = t.sampleEntry?.channelCount { attributes.append("CHANNELS=\"\(channels)\"") }
            attributes.append("URI=\"\(audio.track.name)/index.m3u8\"")
            if !set.videos.isEmpty { out += "#EXT-X-MEDIA:" + attributes.joined(separator: ",") + "\n" }
        }
        for video in set.videos {
            let sizes = video.segmentSizes
            var peak = 0.0
            for n in 0..<video.segmentCount {
                let bytes = Double(sizes[n] + (n < audioSizes.count ? audioSizes[n] : 0))
                peak = max(peak, bytes * 8 / max(video.plan.duration(n), 0.001))
            }
            let total = Double(sizes.reduce(0, +) + audioSizes.reduce(0, +))
            let seconds = max(video.plan.durations.reduce(0, +), 0.001)
            var attributes = ["BANDWIDTH=\(SafeTime.int(peak.rounded(.up)))", "AVERAGE-BANDWIDTH=\(SafeTime.int((total * 8 / seconds).rounded(.up)))"]
            let codecs = [video.track.codec] + (set.audio.map { [$0.track.codec] } ?? [])
            attributes.append("CODECS=\"\(codecs.joined(separator: ","))\"")
            if let visual = video.track.track.sampleEntry?.visual { attributes.append("RESOLUTION=\(visual.width)x\(visual.height)") }
            attributes += rangeAttributes(video.track.track.sampleEntry)
            attributes.append("FRAME-RATE=\(String(format: "%.3f", Double(video.track.count) / seconds))")
            if set.audio != nil { attributes.append("AUDIO=\"audio\"") }
            out += "#EXT-X-STREAM-INF:" + attributes.joined(separator: ",") + "\n\(video.track.name)/index.m3u8\n"
        }
        for video in set.videos {
            var peak = 0.0
            for n in 0..<video.segmentCount {
                peak = max(peak, Double(video.leadingKeyframeLength(n)) * 8 / max(video.plan.duration(n), 0.001))
            }
            var attributes = ["BANDWIDTH=\(SafeTime.int(peak.rounded(.up)))", "CODECS=\"\(video.track.codec)\""]
            if let visual = video.track.track.sampleEntry?.visual { attributes.append("RESOLUTION=\(visual.width)x\(visual.height)") }
            attributes += rangeAttributes(video.track.track.sampleEntry)
            attributes.append("URI=\"\(video.track.name)/iframes.m3u8\"")
            out += "#EXT-X-I-FRAME-STREAM-INF:" + attributes.joined(separator: ",") + "\n"
        }
        if set.videos.isEmpty, let audio = set.audio {
            let total = Double(audioSizes.reduce(0, +))
            let seconds = max(audio.plan.durations.reduce(0, +), 0.001)
            var peak = 0.0
            for n in 0..<audio.segmentCount { peak = max(peak, Double(audioSizes[n]) * 8 / max(audio.plan.duration(n), 0.001)) }
            out += "#EXT-X-STREAM-INF:BANDWIDTH=\(SafeTime.int(peak.rounded(.up))),AVERAGE-BANDWIDTH=\(SafeTime.int((total * 8 / seconds).rounded(.up))),"
                + "CODECS=\"\(audio.track.codec)\"\n\(audio.track.name)/index.m3u8\n"
        }
        return out
    }

    /// `VIDEO-RANGE` for a video coded as PQ or HLG (its absence means SDR) and
    /// `SUPPLEMENTAL-CODECS` for a Dolby Vision layer beside another codec (`dvh1.08.07/db4h`):
    /// players that decode Dolby Vision take it, the others play the base layer.
    static func rangeAttributes(_ entry: SampleEntry?) -> [String] {
        var attributes: [String] = []
        if let range = entry?.videoRange, range != .sdr { attributes.append("VIDEO-RANGE=\(range.rawValue)") }
        if let supplemental = entry?.supplementalCodec {
            attributes.append("SUPPLEMENTAL-CODECS=\"\(supplemental.codec)\(supplemental.brand.map { "/\($0)" } ?? "")\"")
        }
        return attributes
    }
}
