/// How playlists and MPDs tell players a video is protected and where its key is. Key and
/// licence URLs are relative (`../../../key/<video>/<kid>.key`), so a token in the path
/// (`/t/<token>/…`) reaches them as it reaches the segments.
enum KeySignalling {
    /// The relative URL of `path` (under the root) from a document `depth` levels under it.
    static func relative(_ path: String, video: String, depth: Int) -> String {
        String(repeating: "../", count: depth + video.utf8.count { $0 == UInt8(ascii: "/") }) + path
    }

    /// The video id of a set name (a clip's name is `<id>/clip/<range>`).
    static func videoID(_ setName: String) -> String { String(setName.prefix { $0 != "/" }) }

    static func hex(_ bytes: [UInt8]) -> String { "0x" + ContentKey.hex(bytes) }

    /// The EXT-X-KEY tags of a CMAF media playlist of a CENC video: the raw key (`identity`)
    /// and the W3C ClearKey licence (for EME players).
    static func sampleKeyTags(_ protection: Protection, video: String, depth: Int) -> [String] {
        let method = protection.scheme == .cbcs ? "SAMPLE-AES" : "SAMPLE-AES-CTR"
        let id = videoID(video)
        let key = relative(Protection.keyPath(video: id, key: protection.key), video: video, depth: depth)
        let licence = relative(Protection.licencePath(video: id), video: video, depth: depth)
        return ["#EXT-X-KEY:METHOD=\(method),URI=\"\(key)\",KEYFORMAT=\"identity\",KEYFORMATVERSIONS=\"1\"",
                "#EXT-X-KEY:METHOD=\(method),URI=\"\(licence)\",KEYID=\(hex(protection.key.id)),KEYFORMAT=\"org.w3.clearkey\",KEYFORMATVERSIONS=\"1\""]
    }

    /// The EXT-X-KEY tag before segment `n` of an AES-128 playlist: its own IV.
    static func segmentKeyTag(_ protection: Protection, video: String, depth: Int, iv: [UInt8]) -> String {
        let key = relative(Protection.keyPath(video: videoID(video), key: protection.key), video: video, depth: depth)
        return "#EXT-X-KEY:METHOD=AES-128,URI=\"\(key)\",IV=\(hex(iv))\n"
    }

    /// The ContentProtection elements of an AdaptationSet (ISO 23009-1 5.8.5.2, DASH-IF IOP):
    /// the scheme with `cenc:default_KID`, the W3C common system, and ClearKey with its licence URL.
    static func contentProtection(_ protection: Protection, video: String, base: String) -> String {
        let licence = base + relative(Protection.licencePath(video: videoID(video)), video: video, depth: 2)
        return """
                  <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="\(protection.scheme.rawValue)" cenc:default_KID="\(protection.key.uuid)"/>
                  <ContentProtection schemeIdUri="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b" value="ClearKey1.0"/>
                  <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"><dashif:Laurl>\(licence)</dashif:Laurl></ContentProtection>

            """
    }
}
