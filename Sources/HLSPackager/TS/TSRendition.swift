import MP4Box

/// One HLS rendition in MPEG-TS (`/hls-ts/<video>/<rendition>/<n>.ts`): a video
/// track with the audio muxed in, or the audio alone, cut by the same plan as
/// the CMAF segments. Every segment starts with PAT and PMT and a keyframe;
/// timestamps run on from one segment to the next, and so do continuity
/// counters: each segment's starting counters come from the packet counts of
/// the segments before it, computed once from sample sizes.
public struct TSRendition: Sendable {
    public let name: String
    public let video: SegmentedTrack?
    public let audio: SegmentedTrack?
    let videoStream: ElementaryStream?
    let audioStream: ElementaryStream?
    /// Continuity counter of each PID at the start of each segment.
    let videoCC: [UInt8]
    let audioCC: [UInt8]
    /// Exact size of each segment in bytes, when knowable from sizes (else estimated).
    public let segmentSizes: [Int64]
    /// Added to every presentation time (and audio decode time) on the 90 kHz clock: at least
    /// the video's largest negative composition offset, since TS needs PTS ≥ DTS where CMAF
    /// allows negative offsets (`MediaSet.tsOffset90k`). Audio moves with it, so sync is kept.
    let offset90k: UInt64

    /// A TS segment is built in memory: one whose samples add up to more is refused
    /// (a real 6-second segment is a few MB; a hostile index can name the same bytes a million times).
    static let maxSegmentBytes: Int64 = 256 << 20
    /// The most memory reserved for a segment before its samples are read.
    static let maxReservedBytes: Int64 = 16 << 20

    static let videoPID: UInt16 = 0x100
    static let audioPID: UInt16 = 0x101

    public init(name: String, video: SegmentedTrack?, audio: SegmentedTrack?, offset90k offset: UInt64) throws(PackagerError) {
        self.name = name
        self.video = video
        self.audio = audio
        var videoStream = try video.map { v throws(PackagerError) in try ElementaryStream(track: v.track, pid: Self.videoPID) }
        if let v = video?.track, v.count > 0 {
            // Sizes are predicted from what the first access unit carries in band (AUD, SPS/PPS).
            let s = v.sourceIndex(0)
            do {
                let first = try FileByteSource(path: v.sourcePath).read(at: v.track.samples.offset(at: s), count: Int(v.track.samples.size(at: s)))
                videoStream?.learnInBand(from: first[...])
            } catch { throw .unreadable(file: v.sourcePath, error) }
        }
        self.videoStream = videoStream
        audioStream = try audio.map { a throws(PackagerError) in try ElementaryStream(track: a.track, pid: Self.audioPID) }
        let count = (video ?? audio)?.segmentCount ?? 0
        offset90k = offset
        var videoPackets = [Int](repeating: 0, count: count), audioPackets = [Int](repeating: 0, count: count)
        var exact = true
        if let video, let stream = videoStream {
            for n in 0..<count {
                for i in video.samples(of: n) {
                    guard let c = Self.packets(video.track, i, stream, hasPCR: true, offset: offset) else { exact = false; continue }
                    videoPackets[n] += c
                }
            }
        }
        if let audio, let stream = audioStream {
            for n in 0..<min(count, audio.segmentCount) {
                for i in audio.samples(of: n) {
                    guard let c = Self.packets(audio.track, i, stream, hasPCR: video == nil, offset: offset) else { exact = false; continue }
                    audioPackets[n] += c
                }
            }
        }
        // When sizes cannot predict packets (NAL lengths other than 4 bytes), counters restart in each segment.
        func starts(_ packets: [Int]) -> [UInt8] {
            var total = 0
            return packets.map { p in defer { total += p }; return exact ? UInt8(total & 0x0F) : 0 }
        }
        videoCC = starts(videoPackets)
        audioCC = starts(audioPackets)
        segmentSizes = (0..<count).map { Int64(2 + videoPackets[$0] + audioPackets[$0]) * Int64(TSPacketWriter.packetSize) }
    }

    static func packets(_ track: PackagedTrack, _ i: Int, _ stream: ElementaryStream, hasPCR: Bool, offset: UInt64) -> Int? {
        let s = track.sourceIndex(i)
        guard let payload = stream.payloadSize(sampleSize: Int(track.track.samples.size(at: s)), isSync: track.isSync(i)) else { return nil }
        let (pts, dts) = timestamps(track, i, offset: offset)
        return TSPacketWriter.packetCount(pesLength: TSPacketWriter.pesHeaderSize(hasDTS: pts != dts) + payload, firstHasPCR: hasPCR)
    }

    /// PTS and DTS of output sample `i` on the 90 kHz clock, PTS moved by `offset`
    /// (video DTS stays, so PTS ≥ DTS; audio has DTS = PTS).
    static func timestamps(_ track: PackagedTrack, _ i: Int, offset: UInt64) -> (pts: UInt64, dts: UInt64) {
        let scale = Int64(track.timescale)
        // TS clocks are 33 bits and wrap; masking keeps PCR (× 300) and sums far from overflow.
        func to90k(_ t: Int64) -> UInt64 { UInt64(max(0, rescale90k(t, scale))) & clockMask }
        let pts = (to90k(track.presentationTime(i)) + offset) & clockMask
        return (pts, track.kind == .video ? to90k(track.decodeTime(i)) : pts)
    }

    static let clockMask: UInt64 = (1 << 33) - 1

    static func rescale90k(_ t: Int64, _ timescale: Int64) -> Int64 {
        SafeTime.rescale(t, from: timescale, to: 90000, nearest: true)
    }

    public var segmentCount: Int { (video ?? audio)?.segmentCount ?? 0 }

    /// Durations for the playlist: the video's plan, or the audio's.
    public var durations: [Double] { (video ?? audio)?.plan.durations ?? [] }

    public var codecs: [String] { [video?.track.codec, audio?.track.codec].compactMap { $0 } }

    /// One sample of a segment with what writing it takes, found before any byte is read.
    struct SegmentSample {
        var dts: UInt64
        var pts: UInt64
        var audio: Bool
        var sync: Bool
        var offset: Int64
        var size: Int
    }

    /// The samples of segment `n` of both tracks, interleaved by decode time (video first on a tie).
    func segmentSamples(_ n: Int) -> [SegmentSample] {
        var order: [SegmentSample] = []
        for (segmented, audio) in [(video, false), (audio, true)] {
            guard let segmented, n < segmented.segmentCount else { continue }
            let track = segmented.track
            for i in segmented.samples(of: n) {
                let s = track.sourceIndex(i)
                let (pts, dts) = Self.timestamps(track, i, offset: offset90k)
                order.append(SegmentSample(dts: dts, pts: pts, audio: audio, sync: track.isSync(i),
                                           offset: track.track.samples.offset(at: s), size: Int(track.track.samples.size(at: s))))
            }
        }
        order.sort { $0.dts != $1.dts ? $0.dts < $1.dts : (!$0.audio && $1.audio) }
        return order
    }

    /// `<n>.ts` (0-based here), built in one pass: each file's samples read at once, each
    /// sample's bytes copied once, from what was read into its packets.
    public func segment(_ n: Int) throws(PackagerError) -> ResponseBody {
        guard n >= 0 && n < segmentCount else { throw .noSuchSegment(n + 1) }
        let order = segmentSamples(n)
        let sampleBytes = order.reduce(Int64(0)) { $0 + Int64($1.size) }
        guard sampleBytes <= Self.maxSegmentBytes else {
            throw .brokenTrack(file: (video ?? audio)?.track.sourcePath ?? name, reason: "TS segment \(n + 1) would hold \(sampleBytes) bytes of samples")
        }
        // Room for the segment as estimated, at most `maxReservedBytes` ahead: a larger one grows
        // as its samples are read (a file that only claims huge samples fails the read first).
        var writer = TSPacketWriter(capacity: Int(min(segmentSizes[n], Self.maxReservedBytes)) + 4096)
        writer.pat(cc: UInt8(n & 0x0F))
        var streams: [(type: UInt8, pid: UInt16)] = []
        if let v = videoStream { streams.append((v.streamType, v.pid)) }
        if let a = audioStream { streams.append((a.streamType, a.pid)) }
        writer.pmt(cc: UInt8(n & 0x0F), pcrPID: videoStream?.pid ?? Self.audioPID, streams: streams)

        // Audio muxed in the video's file is read with it: one span for both.
        let oneFile = video != nil && audio?.track.sourcePath == video?.track.sourcePath
        let videoBytes = try video.map { v throws(PackagerError) in
            try SegmentBytes(path: v.track.sourcePath, of: oneFile ? order : order.filter { !$0.audio })
        }
        let audioBytes = oneFile ? videoBytes : try audio.map { a throws(PackagerError) in
            try SegmentBytes(path: a.track.sourcePath, of: order.filter { $0.audio })
        }
        var vcc = videoCC.isEmpty ? 0 : videoCC[n], acc = audioCC.isEmpty ? 0 : audioCC[n]
        for item in order {
            guard let stream = item.audio ? audioStream : videoStream, let bytes = item.audio ? audioBytes : videoBytes else { continue }
            try bytes.withSample(offset: item.offset, size: item.size) { (data) throws(PackagerError) in
                let payload = try stream.payload(of: data, isSync: item.sync)
                let carriesPCR = item.audio == (video == nil)
                writer.beginPES(streamID: stream.streamID, pts: item.pts, dts: item.pts == item.dts ? nil : item.dts,
                                payloadLength: payload.length, bounded: item.audio, pid: stream.pid, cc: item.audio ? acc : vcc,
                                pcr: carriesPCR ? item.dts * 300 : nil, randomAccess: !item.audio && item.sync)
                stream.write(data, payload, into: &writer)
                if item.audio { acc = writer.endPES() } else { vcc = writer.endPES() }
            }
        }
        return ResponseBody(writer.bytes)
    }
}

/// The bytes of one file a segment's samples come from: their span read at once when they
/// lie close together (it is not mostly other data), else each sample read on its own.
struct SegmentBytes {
    let path: String
    let source: FileByteSource
    let span: FileSpan?

    init(path: String, of samples: [TSRendition.SegmentSample]) throws(PackagerError) {
        var bounds = FileSpan.Bounds()
        for s in samples { bounds.add(offset: s.offset, length: Int64(s.size)) }
        self.path = path
        do {
            source = try FileByteSource(path: path)
            span = bounds.worthReading(limit: TSRendition.maxSegmentBytes) ? try FileSpan.read(source, bounds) : nil
        } catch { throw .unreadable(file: path, error) }
    }

    func withSample<R>(offset: Int64, size: Int, _ body: (UnsafeRawBufferPointer) throws(PackagerError) -> R) throws(PackagerError) -> R {
        let read: ArraySlice<UInt8>
        if let inSpan = span?.slice(offset: offset, length: size) {
            read = inSpan
        } else {
            do { read = try source.read(at: offset, count: size)[...] } catch { throw .unreadable(file: path, error) }
        }
        return try read.withUnsafeBytes { raw in Result { () throws(PackagerError) in try body(raw) } }.get()
    }
}
