/// What a track carries, from its handler.
public enum MediaType: String, Sendable {
    case video, audio, subtitle, data, other

    init(handler: FourCC) {
        switch handler {
        case "vide": self = .video
        case "soun": self = .audio
        case "text", "subt", "sbtl", "clcp": self = .subtitle
        case "meta", "tmcd", "hint": self = .data
        default: self = .other
        }
    }
}

/// One `trak` with its sample index.
public struct Track: Sendable {
    public var header: TrackHeaderBox
    public var mediaHeader: MediaHeaderBox
    public var handler: HandlerBox
    public var editList: EditListBox?
    public var sampleDescription: SampleDescriptionBox
    public var samples: SampleIndex
    /// The largest negated composition offset (FFmpeg's `dts_shift`): decode times
    /// are shifted back by it so that no presentation time comes before its decode time.
    public var compositionShift: Int64 = 0
    /// How many samples `ctts` covers (a short table leaves the rest with pts = dts).
    public var compositionCoverage: Int = 0
    /// Whether the track had a `ctts` table (changes how FFmpeg applies edit lists).
    public var hasCompositionTable = false
    /// Samples came from `moof` fragments: FFmpeg then applies no edit list and
    /// adds `compositionShift` to presentation times only, not to decode times.
    public var samplesFromFragments = false
    /// Samples the index places past the end of the file (an upload or a recording cut
    /// off): they and the samples after them are left out, and the rest is served.
    public var samplesPastEnd = 0
    /// The presentation as one run of stored samples, known ahead (kept in an index file):
    /// laying the track out then skips building its timeline. Nil: worked out from the edit list.
    public var knownRun: PresentedRun?
    /// From an index file: whether the track is interleaved so that it wants a data file of
    /// its own (`TrackDataFile.wants`, worked out when the index file was made). False otherwise.
    public var dataFileWanted = false
    /// Children of `trak` that are not interpreted (`tref`, `udta`, …), as file ranges.
    public var otherBoxes: [OpaqueBox] = []

    /// The sample index with the facts about its composition table, as one value (an index file stores it).
    public var indexed: IndexedSamples {
        get {
            IndexedSamples(index: samples, compositionShift: compositionShift, compositionCoverage: compositionCoverage,
                           hasCompositionTable: hasCompositionTable, samplesPastEnd: samplesPastEnd)
        }
        set {
            samples = newValue.index
            compositionShift = newValue.compositionShift
            compositionCoverage = newValue.compositionCoverage
            hasCompositionTable = newValue.hasCompositionTable
            samplesPastEnd = newValue.samplesPastEnd
        }
    }

    public var id: UInt32 { header.trackID }
    public var timescale: UInt32 { mediaHeader.timescale }
    public var mediaType: MediaType { MediaType(handler: handler.handlerType) }
    public var sampleEntry: SampleEntry? { sampleDescription.entries.first }
    public var codecString: String { sampleEntry?.codecString ?? "none" }
    /// An `elng` box's BCP 47 tag (`pt-BR`), for languages `mdhd`'s three letters cannot say.
    public var extendedLanguage: String?
    /// The track's language: `elng` when present, else `mdhd`'s ISO 639-2 code.
    public var language: String { extendedLanguage ?? mediaHeader.language }

    /// `text` when it has the shape of a BCP 47 tag (letters, digits, `-`; at most 35), else nil.
    static func languageTag(_ text: String) -> String? {
        guard !text.isEmpty, text.count <= 35, text.first?.isLetter == true,
              text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
        return text
    }
}
