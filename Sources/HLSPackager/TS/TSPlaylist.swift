import Foundation

/// HLS playlists for the MPEG-TS renditions: `/hls-ts/<video>/master.m3u8`
/// and `/hls-ts/<video>/<rendition>/index.m3u8` with segments `<n>.ts` beside it.
public enum TSPlaylist {
    /// Version 3: floating-point EXTINF, no fMP4.
    static let version = 3

    /// `protection`: every segment is whole-segment AES-128 (whatever the video's CENC scheme), each with its IV.
    public static func media(_ rendition: TSRendition, video: String = "", protection: Protection? = nil) -> String {
        let durations = rendition.durations
        var out = HLSPlaylist.mediaHeader(version: version, durations: durations)
        for (n, d) in durations.enumerated() {
            if let protection { out += KeySignalling.segmentKeyTag(protection, video: video, depth: 3, iv: protection.segmentIV(set: video, track: "ts-" + rendition.name, segment: n)) }
            out += HLSPlaylist.extinf(d) + "\(n + 1).ts\n"
        }
        return out + "#EXT-X-ENDLIST\n"
    }

    /// A variant per video rendition (the default audio muxed in), the other audio tracks as
    /// an `AUDIO` group of audio-only renditions beside the muxed one (which has no URI, as
    /// RFC 8216 has it for audio carried in the variant), and the subtitles as a `SUBTITLES`
    /// group whose playlists carry the TS clock in `X-TIMESTAMP-MAP`.
    public static func multivariant(_ renditions: [TSRendition], subtitles: [SubtitleTrack] = [], of set: MediaSet? = nil) -> String {
        var out = "#EXTM3U\n#EXT-X-VERSION:\(version)\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        let variants = renditions.contains { $0.video != nil } ? renditions.filter { $0.video != nil } : renditions
        let alternates = renditions.filter { r in r.video == nil && !variants.contains { $0.name == r.name } }
        if let set, let muxed = variants.first?.audio, !alternates.isEmpty {
            out += "#EXT-X-MEDIA:" + HLSPlaylist.audioAttributes(muxed, group: "audio", isDefault: true, in: set, base: "", uri: false) + "\n"
            for r in alternates { if let audio = r.audio { out += "#EXT-X-MEDIA:" + HLSPlaylist.audioAttributes(audio, group: "audio", isDefault: false, in: set, base: "") + "\n" } }
        }
        out += HLSPlaylist.subtitleMedia(subtitles)
        for r in variants {
            let durations = r.durations
            var peak = 0.0
            for (n, d) in durations.enumerated() { peak = max(peak, Double(r.segmentSizes[n]) * 8 / max(d, 0.001)) }
            let average = Double(r.segmentSizes.reduce(0, +)) * 8 / max(durations.reduce(0, +), 0.001)
            var attributes = ["BANDWIDTH=\(SafeTime.int(peak.rounded(.up)))", "AVERAGE-BANDWIDTH=\(SafeTime.int(average.rounded(.up)))",
                              "CODECS=\"\(r.codecs.joined(separator: ","))\""]
            if let visual = r.video?.track.track.sampleEntry?.visual { attributes.append("RESOLUTION=\(visual.width)x\(visual.height)") }
            attributes += HLSPlaylist.rangeAttributes(r.video?.track.track.sampleEntry)
            if let video = r.video {
                attributes.append("FRAME-RATE=\(String(format: "%.3f", Double(video.track.count) / max(durations.reduce(0, +), 0.001)))")
            }
            if set != nil && !alternates.isEmpty && r.audio != nil { attributes.append("AUDIO=\"audio\"") }
            if !subtitles.isEmpty { attributes.append("SUBTITLES=\"subs\"") }
            out += "#EXT-X-STREAM-INF:" + attributes.joined(separator: ",") + "\n\(r.name)/index.m3u8\n"
        }
        return out
    }
}

extension MediaSet {
    /// One TS rendition per video rendition with the default audio muxed in (or the audio alone),
    /// then one audio-only rendition per other audio track of the default's codec (the
    /// alternatives a variant's CODECS covers). Every rendition moves its presentation times by the
    /// same `tsOffset90k`, so the alternatives and one subtitle playlist's `X-TIMESTAMP-MAP` fit them all.
    public func tsRenditions() throws(PackagerError) -> [TSRendition] {
        if videos.isEmpty, let audio { return [try TSRendition(name: audio.track.name, video: nil, audio: audio, offset90k: 0)] }
        let offset = tsOffset90k
        // Renditions in a codec MPEG-TS does not carry here (AV1, VP9) are left out of the TS
        // presentation when others are in it (a ladder with H.264 beside AV1); alone, they are the error.
        var result: [TSRendition] = []
        var unsupported: PackagerError?
        for video in videos {
            do { result.append(try TSRendition(name: video.track.name, video: video, audio: audio, offset90k: offset)) } catch {
                guard case .unsupportedCodec = error else { throw error }
                unsupported = unsupported ?? error
            }
        }
        if result.isEmpty, let unsupported { throw unsupported }
        for other in audios.dropFirst() where other.track.codec == audio?.track.codec {
            if let alone = try? TSRendition(name: other.track.name, video: nil, audio: other, offset90k: offset) { result.append(alone) }
        }
        return result
    }
}

extension MediaSet {
    /// What TS presentation times add to the CMAF ones: the largest negative composition
    /// offset among the video renditions (TS needs PTS ≥ DTS; CMAF allows negative offsets).
    public var tsOffset90k: UInt64 {
        videos.map { v in
            let shift = max(0, -Int64(v.track.minimumCompositionOffset))
            return UInt64(max(0, TSRendition.rescale90k(shift, Int64(max(v.track.timescale, 1)))))
        }.max() ?? 0
    }

    /// The 90 kHz time of subtitle cue time 0 in the TS segments.
    public var tsSubtitleTimestamp: Int64 { Int64(truncatingIfNeeded: (UInt64(max(0, presentationDelay90k)) &+ tsOffset90k) & TSRendition.clockMask) }
}
