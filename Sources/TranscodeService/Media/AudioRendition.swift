/// One audio file of a video: a source audio stream encoded to AAC in a channel layout.
/// Every audio stream of the source is kept (each language, commentary, description),
/// always as stereo, and a stream of six channels or more also as AAC 5.1 beside it, so
/// players that can play surround choose it and the others keep stereo.
public struct AudioRendition: Codable, Equatable, Sendable {
    /// `audio.mp4` for the default stream's stereo, then `audio2.mp4`, `audio3.mp4`, …
    public var file: String
    /// The stream's index in the source container.
    public var stream: Int
    /// 2 or 6.
    public var channels: Int
    /// The stream's language tag as the source has it (`eng`), nil when it has none.
    public var language: String?
    /// The stream's title, kept as the output's handler name (what the packager names it by).
    public var title: String?
    /// The stream's duration (what the verifier expects of the file).
    public var duration: Double

    /// The renditions of a source, the default stream's stereo first.
    public static func plan(_ info: SourceInfo) -> [AudioRendition] {
        var result: [AudioRendition] = []
        for audio in info.audioStreams {
            for channels in audio.channels >= 6 ? [2, 6] : [2] {
                result.append(AudioRendition(file: result.isEmpty ? "audio.mp4" : "audio\(result.count + 1).mp4", stream: audio.stream ?? 0,
                                             channels: channels, language: audio.language, title: audio.title, duration: audio.duration))
            }
        }
        return result
    }

    /// The bitrate: the configured stereo rate, three times that for 5.1.
    func kbps(stereo: Int) -> Int { channels > 2 ? stereo * 3 : stereo }
}
