/// A description of a movie for people and tools: what `vod inspect` prints.
public struct MovieReport: Codable, Equatable, Sendable {
    public struct EditEntry: Codable, Equatable, Sendable {
        public var duration: UInt64
        public var mediaTime: Int64
        public var rate: Double
    }

    public struct KeyframeStats: Codable, Equatable, Sendable {
        public var count: Int
        public var minInterval: Double
        public var meanInterval: Double
        public var maxInterval: Double
    }

    public struct SampleRow: Codable, Equatable, Sendable {
        public var offset: Int64
        public var size: UInt32
        public var dts: Int64
        public var pts: Int64
        public var sync: Bool
        public var discard: Bool
    }

    public struct TrackReport: Codable, Equatable, Sendable {
        public var id: UInt32
        public var type: String
        public var handler: String
        public var codec: String
        public var format: String
        public var timescale: UInt32
        public var duration: Double
        public var mediaDuration: UInt64
        public var sampleCount: Int
        public var bytes: Int64
        public var bitrate: Int
        public var language: String
        public var width: Int?
        public var height: Int?
        public var rotation: Int?
        public var frameRate: Double?
        public var channels: Int?
        public var sampleRate: Int?
        public var keyframes: KeyframeStats?
        public var editList: [EditEntry]
        public var indexBytes: Int
        /// Samples the index places past the end of the file, left out (a cut-off file).
        public var samplesPastEnd: Int
        public var samples: [SampleRow]?
    }

    public var fileSize: Int64
    public var majorBrand: String?
    public var compatibleBrands: [String]
    public var fragmented: Bool
    public var timescale: UInt32
    public var duration: Double
    public var tracks: [TrackReport]
    /// Where a fragment cut off by the end of the file starts (it is left out).
    public var droppedFragmentAt: Int64?

    public init(movie: Movie, includeSamples: Bool = false) {
        fileSize = movie.fileSize
        majorBrand = movie.fileType.map { "\($0.brands.major)" }
        compatibleBrands = movie.fileType?.brands.compatible.map { "\($0)" } ?? []
        fragmented = movie.isFragmented
        timescale = movie.timescale
        duration = movie.durationSeconds
        tracks = movie.tracks.map { Self.report(track: $0, movie: movie, includeSamples: includeSamples) }
        droppedFragmentAt = movie.droppedFragmentAt
    }

    static func report(track: Track, movie: Movie, includeSamples: Bool) -> TrackReport {
        let timeline = PresentationTimeline(track: track, movieTimescale: movie.timescale)
        let samples = track.samples
        var bytes: Int64 = 0
        var syncTimes: [Int64] = []
        var t = samples.startDTS
        for i in 0..<samples.count {
            bytes += Int64(samples.size(at: i))
            if samples.isSync(at: i) { syncTimes.append(t) }
            t &+= Int64(samples.duration(at: i))
        }
        let seconds = timeline.durationSeconds
        let entry = track.sampleEntry
        let timescale = Double(max(track.timescale, 1))
        var keyframes: KeyframeStats?
        if track.mediaType == .video && !syncTimes.isEmpty {
            let gaps = zip(syncTimes.dropFirst(), syncTimes).map { Double($0 &- $1) / timescale }
            keyframes = KeyframeStats(count: syncTimes.count, minInterval: gaps.min() ?? 0,
                                      meanInterval: gaps.isEmpty ? 0 : gaps.reduce(0, +) / Double(gaps.count),
                                      maxInterval: gaps.max() ?? 0)
        }
        let mediaSpan = Double(samples.endDTS &- samples.startDTS) / timescale
        var rows: [SampleRow]?
        if includeSamples {
            rows = []
            rows?.reserveCapacity(timeline.count)
            timeline.forEach { p in
                rows?.append(SampleRow(offset: samples.offset(at: p.sampleIndex), size: samples.size(at: p.sampleIndex),
                                       dts: p.dts, pts: p.pts, sync: samples.isSync(at: p.sampleIndex), discard: p.discard))
            }
        }
        let isVideo = track.mediaType == .video, isAudio = track.mediaType == .audio
        return TrackReport(
            id: track.id, type: track.mediaType.rawValue, handler: "\(track.handler.handlerType)",
            codec: track.codecString, format: entry.map { "\($0.format)" } ?? "none",
            timescale: track.timescale, duration: seconds, mediaDuration: track.mediaHeader.duration,
            sampleCount: samples.count, bytes: bytes,
            bitrate: mediaSpan > 0 ? Int(exactly: (Double(bytes) * 8 / mediaSpan).rounded()) ?? 0 : 0,
            language: track.language,
            width: isVideo ? entry?.visual.map { Int($0.width) } : nil,
            height: isVideo ? entry?.visual.map { Int($0.height) } : nil,
            rotation: isVideo ? track.header.matrix.rotationDegrees : nil,
            frameRate: isVideo && mediaSpan > 0 ? (Double(samples.count) / mediaSpan * 1000).rounded() / 1000 : nil,
            channels: isAudio ? entry?.channelCount : nil,
            sampleRate: isAudio ? entry?.sampleRate : nil,
            keyframes: keyframes,
            editList: track.editList?.entries.map {
                EditEntry(duration: $0.segmentDuration, mediaTime: $0.mediaTime, rate: Double($0.rateInteger) + Double($0.rateFraction) / 65536)
            } ?? [],
            indexBytes: samples.memoryBytes,
            samplesPastEnd: track.samplesPastEnd,
            samples: rows)
    }
}
