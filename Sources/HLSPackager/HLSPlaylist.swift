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

    static func extinf(_ duration: Double) -> String { "#EXTINF:" + DecimalText.fixed(duration, digits: 6) + ",\n" }

    /// The relative URL of a track's CMAF directory from a document `depth` levels under the
    /// root at `/<kind>/<video>/…`; a clip's `video` (`<id>/clip/0-5000`) goes deeper.
    static func cmafBase(_ track: SegmentedTrack, video: String, depth: Int) -> String {
        String(repeating: "../", count: depth + video.utf8.count { $0 == UInt8(ascii: "/") }) + "cmaf/\(video)/\(track.track.name)/"
    }

    /// The media playlist of one track: exact durations, target duration the ceiling of the longest.
    public static func media(_ track: SegmentedTrack, video: String, protection: Protection? = nil) -> String {
        let base = cmafBase(track, video: video, depth: 3)
        let durations = track.plan.durations
        // AES-128: the MAP before any key, so the init segment is clear; CENC: the key tags first.
        var extra = ["#EXT-X-MAP:URI=\"\(base)init.mp4\""]
        if let protection, protection.scheme != .aes128 { extra = KeySignalling.sampleKeyTags(protection, video: video, depth: 3) + extra }
        var out = mediaHeader(version: version, durations: durations, extra: extra)
        for (n, duration) in durations.enumerated() {
            if let protection, protection.scheme == .aes128 {
                out += KeySignalling.segmentKeyTag(protection, video: video, depth: 3, iv: protection.segmentIV(set: video, track: track.track.name, segment: n))
            }
            out += extinf(duration) + "\(base)\(n + 1).m4s\n"
        }
        return out + "#EXT-X-ENDLIST\n"
    }

    /// The I-frame playlist of a video track (`iframes.m3u8` beside its `index.m3u8`):
    /// each segment's opening keyframe as a byte range of that segment, for trick play.
    public static func iFrames(_ track: SegmentedTrack, video: String) -> String {
        let base = cmafBase(track, video: video, depth: 3)
        let durations = track.plan.durations
        var out = mediaHeader(version: version, durations: durations, extra: ["#EXT-X-I-FRAMES-ONLY", "#EXT-X-MAP:URI=\"\(base)init.mp4\""])
        for (n, duration) in durations.enumerated() {
            out += extinf(duration) + "#EXT-X-BYTERANGE:\(track.leadingKeyframeLength(n))@0\n\(base)\(n + 1).m4s\n"
        }
        return out + "#EXT-X-ENDLIST\n"
    }

    /// The multivariant playlist: a variant per video rendition and audio group, audio as
    /// `EXT-X-MEDIA` renditions (a group per audio codec, since a variant's CODECS must
    /// cover every rendition of its group), subtitles as a `SUBTITLES` group; or the audio
    /// alone for an audio-only video. `base` goes before every URI (`../../` for a
    /// selection of tracks at `/hls/<video>/tracks/<choice>/master.m3u8`, whose media
    /// playlists are the video's own).
    public static func multivariant(_ set: MediaSet, base: String = "") -> String {
        var out = "#EXTM3U\n#EXT-X-VERSION:\(version)\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        let groups = audioGroups(set)
        if !set.videos.isEmpty {
            for group in groups {
                for (k, audio) in group.members.enumerated() { out += "#EXT-X-MEDIA:" + audioAttributes(audio, group: group.id, isDefault: k == 0, in: set, base: base) + "\n" }
            }
        }
        out += subtitleMedia(set.subtitles, base: base)
        let subtitles = set.subtitles.isEmpty ? "" : ",SUBTITLES=\"subs\""
        for video in set.videos {
            for group in groups.isEmpty ? [AudioGroup(id: "", codec: nil, members: [])] : groups {
                // Peak and average over the group's largest member (what a player may fetch beside the video).
                let audioSizes: [Int64] = largest(group.members.map(\.segmentSizes))
                let sizes: [Int64] = video.segmentSizes
                var peak = 0.0
                for n in 0..<video.segmentCount {
                    let audioBytes: Int64 = n < audioSizes.count ? audioSizes[n] : 0
                    let bytes = Double(sizes[n] + audioBytes)
                    peak = max(peak, bytes * 8 / max(video.plan.duration(n), 0.001))
                }
                let total = Double(sizes.reduce(0, +) + audioSizes.reduce(0, +))
                let seconds = max(video.plan.durations.reduce(0, +), 0.001)
                var attributes = ["BANDWIDTH=\(SafeTime.int(peak.rounded(.up)))", "AVERAGE-BANDWIDTH=\(SafeTime.int((total * 8 / seconds).rounded(.up)))"]
                let codecs = [video.track.codec] + (group.codec.map { [$0] } ?? [])
                attributes.append("CODECS=\"\(codecs.joined(separator: ","))\"")
                if let visual = video.track.track.sampleEntry?.visual { attributes.append("RESOLUTION=\(visual.width)x\(visual.height)") }
                attributes += rangeAttributes(video.track.track.sampleEntry)
                attributes.append("FRAME-RATE=\(String(format: "%.3f", Double(video.track.count) / seconds))")
                if group.codec != nil { attributes.append("AUDIO=\"\(group.id)\"") }
                out += "#EXT-X-STREAM-INF:" + attributes.joined(separator: ",") + subtitles + "\n\(base)\(video.track.name)/index.m3u8\n"
            }
        }
        // I-frame byte ranges are those of clear segments: a protected video has none.
        for video in set.videos where set.protection == nil {
            var peak = 0.0
            for n in 0..<video.segmentCount {
                peak = max(peak, Double(video.leadingKeyframeLength(n)) * 8 / max(video.plan.duration(n), 0.001))
            }
            var attributes = ["BANDWIDTH=\(SafeTime.int(peak.rounded(.up)))", "CODECS=\"\(video.track.codec)\""]
            if let visual = video.track.track.sampleEntry?.visual { attributes.append("RESOLUTION=\(visual.width)x\(visual.height)") }
            attributes += rangeAttributes(video.track.track.sampleEntry)
            attributes.append("URI=\"\(base)\(video.track.name)/iframes.m3u8\"")
            out += "#EXT-X-I-FRAME-STREAM-INF:" + attributes.joined(separator: ",") + "\n"
        }
        if set.videos.isEmpty {
            for audio in set.audios {
                let audioSizes = audio.segmentSizes
                let total = Double(audioSizes.reduce(0, +))
                let seconds = max(audio.plan.durations.reduce(0, +), 0.001)
                var peak = 0.0
                for n in 0..<audio.segmentCount { peak = max(peak, Double(audioSizes[n]) * 8 / max(audio.plan.duration(n), 0.001)) }
                out += "#EXT-X-STREAM-INF:BANDWIDTH=\(SafeTime.int(peak.rounded(.up))),AVERAGE-BANDWIDTH=\(SafeTime.int((total * 8 / seconds).rounded(.up))),"
                    + "CODECS=\"\(audio.track.codec)\"\(subtitles)\n\(base)\(audio.track.name)/index.m3u8\n"
            }
        }
        return out
    }

    /// The list with the largest sum (sizes of the group member that weighs most).
    static func largest(_ lists: [[Int64]]) -> [Int64] {
        var best: [Int64] = [], bestSum: Int64 = -1
        for list in lists {
            let sum = list.reduce(0, +)
            if sum > bestSum { best = list; bestSum = sum }
        }
        return best
    }

    /// Audio renditions grouped by codec, in the order of their first member: `audio` for
    /// the default track's codec, `audio-2`, `audio-3`… for the others.
    struct AudioGroup {
        var id: String
        var codec: String?
        var members: [SegmentedTrack]
    }

    static func audioGroups(_ set: MediaSet) -> [AudioGroup] {
        var groups: [AudioGroup] = []
        for audio in set.audios {
            if let k = groups.firstIndex(where: { $0.codec == audio.track.codec }) { groups[k].members.append(audio); continue }
            groups.append(AudioGroup(id: groups.isEmpty ? "audio" : "audio-\(groups.count + 1)", codec: audio.track.codec, members: [audio]))
        }
        return groups
    }

    /// The attributes of an audio rendition: its language, a NAME unique in the set
    /// (language and channel layout), CHANNELS.
    static func audioAttributes(_ audio: SegmentedTrack, group: String, isDefault: Bool, in set: MediaSet, base: String, uri: Bool = true) -> String {
        let language = Language.tag(audio.track.track.language)
        var attributes = ["TYPE=AUDIO", "GROUP-ID=\"\(group)\"", "NAME=\"\(audioName(audio, in: set))\""]
        if let language { attributes.append("LANGUAGE=\"\(language)\"") }
        attributes += ["AUTOSELECT=YES", "DEFAULT=\(isDefault ? "YES" : "NO")"]
        if let channels = audio.track.track.sampleEntry?.channelCount { attributes.append("CHANNELS=\"\(channels)\"") }
        if uri { attributes.append("URI=\"\(base)\(audio.track.name)/index.m3u8\"") }
        return attributes.joined(separator: ",")
    }

    /// The track's title when it has one (`Commentary`), else its language (`English`, `audio`
    /// when the source names none), with the layout beyond stereo (`English 5.1`); unique within the set.
    public static func audioName(_ audio: SegmentedTrack, in set: MediaSet) -> String {
        func base(_ t: SegmentedTrack) -> String {
            let language = TrackTitle.of(t.track.track.handler.name) ?? Language.tag(t.track.track.language).map(Language.name) ?? "audio"
            let channels = t.track.track.sampleEntry?.channelCount ?? 2
            return channels > 2 ? "\(language) \(channels == 6 ? "5.1" : channels == 8 ? "7.1" : "\(channels) ch")" : language
        }
        let mine = base(audio)
        let same = set.audios.filter { base($0) == mine }
        guard same.count > 1, let k = same.firstIndex(where: { $0.track.name == audio.track.name }) else { return mine }
        return k == 0 ? mine : "\(mine) \(k + 1)"
    }

    /// The `SUBTITLES` group: a rendition per subtitle track, none on by default (FORCED ones are
    /// shown when nothing else is), each playlist at `<track>/index.m3u8`.
    static func subtitleMedia(_ subtitles: [SubtitleTrack], base: String = "") -> String {
        subtitles.map { t in
            var attributes = ["TYPE=SUBTITLES", "GROUP-ID=\"subs\"", "NAME=\"\(subtitleName(t, among: subtitles))\""]
            if let language = t.language { attributes.append("LANGUAGE=\"\(language)\"") }
            attributes += ["DEFAULT=NO", "AUTOSELECT=YES", "FORCED=\(t.forced ? "YES" : "NO")", "URI=\"\(base)\(t.name)/index.m3u8\""]
            return "#EXT-X-MEDIA:" + attributes.joined(separator: ",") + "\n"
        }.joined()
    }

    /// The track's label, with ` (forced)` and a number when another track has the same.
    public static func subtitleName(_ track: SubtitleTrack, among subtitles: [SubtitleTrack]) -> String {
        func base(_ t: SubtitleTrack) -> String { t.label + (t.forced ? " (forced)" : "") }
        let mine = base(track)
        let same = subtitles.filter { base($0) == mine }
        guard same.count > 1, let k = same.firstIndex(where: { $0.name == track.name }) else { return mine }
        return k == 0 ? mine : "\(mine) \(k + 1)"
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
