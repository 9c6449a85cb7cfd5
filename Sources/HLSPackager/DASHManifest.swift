import Foundation
import MP4Box

/// A static DASH MPD (ISO/IEC 23009-1) over the CMAF segments: one
/// AdaptationSet for the audio and one per video codec (a player switches between
/// the Representations of one set, which must share a codec; it picks the set it
/// decodes), a Representation per rendition, and a
/// SegmentTemplate with `$Number$` and an exact SegmentTimeline. It lives at
/// `/dash/<video>/manifest.mpd` and names `/cmaf/<video>/<track>/…` relatively.
public enum DASHManifest {
    /// `base` goes before every segment URL (`../../` for an MPD two levels deeper than
    /// `/dash/<video>/`: a selection of tracks or a clip); the subtitle files are beside it.
    public static func mpd(_ set: MediaSet, base: String = "") -> String {
        let duration = set.tracks.map { Double($0.plan.end - $0.plan.start(0)) / Double($0.plan.timescale) }.max() ?? 0
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <MPD xmlns="urn:mpeg:dash:schema:mpd:2011"\(set.videos.contains { $0.track.track.sampleEntry?.supplementalCodec != nil }
                ? " xmlns:scte214=\"urn:scte:dash:scte214-extensions\"" : "")\(set.protection == nil ? "" : " xmlns:cenc=\"urn:mpeg:cenc:2013\" xmlns:dashif=\"https://dashif.org/CPS\"") type="static" \
            profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019" \
            mediaPresentationDuration="\(iso8601(duration))" minBufferTime="\(iso8601(min(set.targetDuration, 4)))">
              <Period id="0" start="PT0S">

            """
        // Videos by codec family (`avc1`, `hvc1`, `av01`, …) in the order they come; the first set is the main one.
        var families: [(family: Substring, videos: [SegmentedTrack])] = []
        for video in set.videos {
            let family = video.track.codec.prefix { $0 != "." }
            if let k = families.firstIndex(where: { $0.family == family }) { families[k].videos.append(video) } else { families.append((family, [video])) }
        }
        for (k, group) in families.enumerated() {
            out += "    <AdaptationSet id=\"\(k == 0 ? 0 : k + 1)\" contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\" startWithSAP=\"1\">\n"
            if k == 0 { out += mainRole }
            if let protection = set.protection { out += KeySignalling.contentProtection(protection, video: set.name, base: base) }
            for video in group.videos {
                var attributes = ["id=\"\(video.track.name)\"", "codecs=\"\(video.track.codec)\"",
                                  "bandwidth=\(quote(peakBandwidth(video, extra: [])))"]
                if let visual = video.track.track.sampleEntry?.visual {
                    attributes += ["width=\"\(visual.width)\"", "height=\"\(visual.height)\""]
                }
                attributes.append("frameRate=\"\(frameRate(video.track))\"")
                let entry = video.track.track.sampleEntry
                if let supplemental = entry?.supplementalCodec {
                    attributes.append("scte214:supplementalCodecs=\"\(supplemental.codec)\"")
                    if let brand = supplemental.brand { attributes.append("scte214:supplementalProfiles=\"\(brand)\"") }
                }
                out += "      <Representation \(attributes.joined(separator: " "))>\n"
                out += colourProperties(entry)
                out += segmentTemplate(video, video: set.name, base: base)
                out += "      </Representation>\n"
            }
            out += "    </AdaptationSet>\n"
        }
        // An AdaptationSet per audio track (a language or a channel layout each), the default marked main.
        for (k, audio) in set.audios.enumerated() {
            let t = audio.track.track
            let lang = Language.tag(t.language).map { " lang=\"\($0)\"" } ?? ""
            out += "    <AdaptationSet id=\"\(k == 0 ? 1 : 100 + k)\" contentType=\"audio\" mimeType=\"audio/mp4\"\(lang) segmentAlignment=\"true\" startWithSAP=\"1\">\n"
            out += k == 0 ? mainRole : role("alternate")
            if let protection = set.protection { out += KeySignalling.contentProtection(protection, video: set.name, base: base) }
            out += "      <Label>\(xml(HLSPlaylist.audioName(audio, in: set)))</Label>\n"
            var attributes = ["id=\"\(audio.track.name)\"", "codecs=\"\(audio.track.codec)\"",
                              "bandwidth=\(quote(peakBandwidth(audio, extra: [])))"]
            if let rate = t.sampleEntry?.sampleRate { attributes.append("audioSamplingRate=\"\(rate)\"") }
            out += "      <Representation \(attributes.joined(separator: " "))>\n"
            if let channels = t.sampleEntry?.channelCount {
                out += "        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"\(channels)\"/>\n"
            }
            out += segmentTemplate(audio, video: set.name, base: base)
            out += "      </Representation>\n    </AdaptationSet>\n"
        }
        // Subtitles as whole WebVTT files beside the MPD (`<track>.vtt`), which dash.js, shaka and video.js read.
        for (k, text) in set.subtitles.enumerated() {
            let lang = text.language.map { " lang=\"\($0)\"" } ?? ""
            out += "    <AdaptationSet id=\"\(200 + k)\" contentType=\"text\" mimeType=\"text/vtt\"\(lang)>\n"
            out += role(text.forced ? "forced-subtitle" : "subtitle")
            out += "      <Label>\(xml(HLSPlaylist.subtitleName(text, among: set.subtitles)))</Label>\n"
            out += "      <Representation id=\"\(text.name)\" bandwidth=\"256\">\n        <BaseURL>\(text.name).vtt</BaseURL>\n      </Representation>\n"
            out += "    </AdaptationSet>\n"
        }
        out += "  </Period>\n</MPD>\n"
        return out
    }

    /// The CICP colour of a PQ or HLG video (DASH-IF IOP: `urn:mpeg:mpegB:cicp:…`), as
    /// SupplementalProperty so a player that does not know them still plays the Representation.
    static func colourProperties(_ entry: SampleEntry?) -> String {
        guard let entry, let range = entry.videoRange, range != .sdr else { return "" }
        var values: [(String, Int)] = [("TransferCharacteristics", entry.transferCharacteristics ?? (range == .pq ? 16 : 18))]
        if let colr = entry.colr, colr.colourType == "nclx" || colr.colourType == "nclc" {
            values = [("ColourPrimaries", Int(colr.primaries))] + values + [("MatrixCoefficients", Int(colr.matrix))]
        }
        return values.map { "        <SupplementalProperty schemeIdUri=\"urn:mpeg:mpegB:cicp:\($0.0)\" value=\"\($0.1)\"/>\n" }.joined()
    }

    /// The default adaptation set of its type (ISO/IEC 23009-1 5.8.5.5): players such as
    /// video.js take the audio codec of the set marked main, and assume AAC otherwise.
    static let mainRole = role("main")

    static func role(_ value: String) -> String { "      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"\(value)\"/>\n" }

    /// Text escaped for an XML element or attribute.
    static func xml(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func segmentTemplate(_ track: SegmentedTrack, video: String, base: String = "") -> String {
        let base = base + HLSPlaylist.cmafBase(track, video: video, depth: 2)
        // The period starts at the first segment: its media time is the presentation time offset.
        var out = "        <SegmentTemplate timescale=\"\(track.plan.timescale)\" presentationTimeOffset=\"\(max(0, track.plan.start(0)))\" "
            + "initialization=\"\(base)init.mp4\" media=\"\(base)$Number$.m4s\" startNumber=\"1\">\n          <SegmentTimeline>\n"
        var n = 0
        while n < track.segmentCount {
            let d = track.plan.end(n) - track.plan.start(n)
            var repeats = 0
            while n + repeats + 1 < track.segmentCount && track.plan.end(n + repeats + 1) - track.plan.start(n + repeats + 1) == d { repeats += 1 }
            let t = n == 0 ? " t=\"\(track.plan.start(0))\"" : ""
            out += "            <S\(t) d=\"\(d)\"\(repeats > 0 ? " r=\"\(repeats)\"" : "")/>\n"
            n += repeats + 1
        }
        return out + "          </SegmentTimeline>\n        </SegmentTemplate>\n"
    }

    static func peakBandwidth(_ track: SegmentedTrack, extra: [Int64], sizes: [Int64]? = nil) -> Int {
        let sizes = sizes ?? track.segmentSizes
        var peak = 0.0
        for n in 0..<track.segmentCount { peak = max(peak, Double(sizes[n]) * 8 / max(track.plan.duration(n), 0.001)) }
        return SafeTime.int(peak.rounded(.up))
    }

    /// Frame rate as a ratio when every frame lasts the same, else to three decimals.
    static func frameRate(_ track: PackagedTrack) -> String {
        let samples = track.track.samples
        let first = samples.duration(at: 0)
        if first > 0 && (0..<samples.count - 1).allSatisfy({ samples.duration(at: $0) == first }) {
            let g = gcd(Int(track.timescale), Int(first))
            return g == Int(first) ? "\(Int(track.timescale) / g)" : "\(Int(track.timescale) / g)/\(Int(first) / g)"
        }
        let seconds = Double(track.endTime - track.firstPresentationTime) / Double(track.timescale)
        return String(format: "%.3f", Double(track.count) / max(seconds, 0.001))
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    static func quote(_ n: Int) -> String { "\"\(n)\"" }
    static func iso8601(_ seconds: Double) -> String { "PT" + String(format: "%.3f", seconds) + "S" }
}
