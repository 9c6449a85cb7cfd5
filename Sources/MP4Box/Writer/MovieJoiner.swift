#if canImport(Glibc)
import Glibc
#endif

/// Joins MP4 files that each hold one track cut from the same encode (chunks of one
/// rendition, one after the other in time) into one progressive MP4 with the index at
/// the front, by their sample tables: every sample is copied byte for byte, nothing is
/// decoded or re-encoded. The parts must agree on what a player sees once per track:
/// media type, timescale, sample description (codec configuration) and the decoder
/// delay its edit list hides; the joined track keeps all of them.
public enum MovieJoiner {
    public struct Part: Sendable {
        public var path: String
        /// Where the part starts on the joined timeline, in the track's timescale; nil:
        /// right after the previous part. Given, the last sample of the previous part is
        /// stretched or shortened to meet it (a variable frame rate leaves a gap or an
        /// overlap between what the chunk's own durations add up to and the next chunk).
        public var start: Int64?
        public init(path: String, start: Int64? = nil) { self.path = path; self.start = start }
    }

    public struct JoinError: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// What a join produced: sample count, duration in the track's timescale, bytes written.
    public struct Result: Equatable, Sendable {
        public var samples: Int
        public var duration: Int64
        public var timescale: UInt32
        public var bytes: Int64
    }

    public static func join(_ parts: [Part], into output: String) throws(JoinError) -> Result {
        guard !parts.isEmpty else { throw JoinError("nothing to join") }
        var tracks: [Track] = []
        for part in parts {
            let movie: Movie
            do { movie = try Movie.read(path: part.path) } catch { throw JoinError("\(part.path): \(error)") }
            guard movie.tracks.count == 1, let track = movie.tracks.first, !track.samples.isEmpty else {
                throw JoinError("\(part.path): not one track with samples (\(movie.tracks.count) tracks)")
            }
            tracks.append(track)
        }
        let (header, result) = try layout(tracks, starts: parts.map(\.start), names: parts.map(\.path))
        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JoinError("cannot create \(output): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeAll(fd, header, output)
        for (track, part) in zip(tracks, parts) { try copySamples(of: track, from: part.path, to: fd, output) }
        guard fsync(fd) == 0 else { throw JoinError("cannot write \(output): \(String(cString: strerror(errno)))") }
        return result
    }

    /// The joined file's `ftyp`, `moov` and `mdat` header (the samples follow, part by part)
    /// for tracks read from the parts; `names` name the parts in errors. No I/O: fuzzed.
    public static func layout(_ tracks: [Track], starts: [Int64?], names: [String]) throws(JoinError) -> (header: [UInt8], result: Result) {
        guard let first = tracks.first, starts.count == tracks.count, names.count == tracks.count else { throw JoinError("nothing to join") }
        let description = comparable(first.sampleDescription)
        let delay = mediaTime(first.editList)
        for (name, track) in zip(names, tracks).dropFirst() {
            guard track.mediaType == first.mediaType, track.timescale == first.timescale else {
                throw JoinError("\(name): \(track.mediaType) at \(track.timescale) Hz, not \(first.mediaType) at \(first.timescale) Hz like the first part")
            }
            guard comparable(track.sampleDescription) == description else {
                throw JoinError("\(name): its codec configuration (sample description) differs from the first part's")
            }
            guard mediaTime(track.editList) == delay else {
                throw JoinError("\(name): its decoder delay (\(mediaTime(track.editList))) differs from the first part's (\(delay))")
            }
        }
        let durations = try lastDurationsMeetingStarts(starts, names, tracks)
        return header(tracks, durations: durations, delay: delay)
    }

    /// Each part's sample durations, the last one adjusted to reach the next part's start.
    private static func lastDurationsMeetingStarts(_ starts: [Int64?], _ names: [String], _ tracks: [Track]) throws(JoinError) -> [[UInt32]] {
        var all: [[UInt32]] = tracks.map { t in (0..<t.samples.count).map { t.samples.duration(at: $0) } }
        var position: Int64 = starts[0] ?? 0
        for k in all.indices {
            let span = all[k].reduce(Int64(0)) { $0 &+ Int64($1) }
            guard k + 1 < starts.count, let next = starts[k + 1], let lastDuration = all[k].last else {
                position &+= span
                continue
            }
            let (gap, overflow) = next.subtractingReportingOverflow(position &+ span)
            let last = Int64(lastDuration) &+ gap
            guard !overflow, last > 0, last <= Int64(UInt32.max) else {
                throw JoinError("\(names[k + 1]) starts at \(next), which part \(k) (\(position) + \(span)) cannot meet")
            }
            all[k][all[k].count - 1] = UInt32(last)
            position = next
        }
        return all
    }

    private static func header(_ tracks: [Track], durations: [[UInt32]], delay: Int64) -> (header: [UInt8], result: Result) {
        let first = tracks[0]
        let total = durations.joined().reduce(Int64(0)) { $0 &+ Int64($1) }
        let sizes = tracks.flatMap { t in (0..<t.samples.count).map { t.samples.size(at: $0) } }
        let partBytes = tracks.map { t in (0..<t.samples.count).reduce(Int64(0)) { $0 &+ Int64(t.samples.size(at: $1)) } }
        // The moov's size does not depend on the offsets (always 64-bit): lay it out once to learn it.
        var offsets = [UInt64](repeating: 0, count: tracks.count)
        let headerSize = Int64(head(first, tracks, durations, sizes, offsets: offsets, total: total, delay: delay).count) + 16
        var position = UInt64(headerSize)
        for k in tracks.indices {
            offsets[k] = position
            position &+= UInt64(partBytes[k])
        }
        var header = head(first, tracks, durations, sizes, offsets: offsets, total: total, delay: delay)
        var mdat = ByteWriter(capacity: 16)
        mdat.u32(1)
        mdat.fourCC("mdat")
        mdat.u64(position &- UInt64(headerSize) &+ 16)
        header += mdat.bytes
        return (header, Result(samples: sizes.count, duration: total, timescale: first.timescale, bytes: Int64(clamping: position)))
    }

    /// `ftyp` and `moov`: one track whose samples are the parts' in order, one chunk per part.
    private static func head(_ first: Track, _ tracks: [Track], _ durations: [[UInt32]], _ sizes: [UInt32], offsets: [UInt64],
                             total: Int64, delay: Int64) -> [UInt8] {
        var w = ByteWriter(capacity: 64 + sizes.count * 12)
        w.write(FileTypeBox(brands: Brands(major: "isom", minorVersion: 512, compatible: ["isom", "iso2", "mp41"])))
        let timescale = first.timescale
        let shown = UInt64(max(0, total))  // the edit shows every sample: from `delay` on, for the whole of their durations
        w.box("moov") { moov in
            moov.write(MovieHeaderBox(timescale: timescale, duration: shown, nextTrackID: 2))
            moov.box("trak") { trak in
                var tkhd = first.header
                tkhd.trackID = 1
                tkhd.duration = shown
                tkhd.flags = 3
                trak.write(tkhd)
                if first.editList != nil {
                    trak.box("edts") { $0.write(EditListBox(entries: [.init(segmentDuration: shown, mediaTime: delay)])) }
                }
                trak.box("mdia") { mdia in
                    var mdhd = first.mediaHeader
                    mdhd.duration = UInt64(max(0, total))
                    mdia.write(mdhd)
                    mdia.write(first.handler)
                    mdia.box("minf") { minf in
                        minf.mediaHeaderAndSelfReference(for: first.mediaType)
                        minf.box("stbl") { stbl in sampleTables(tracks, durations, sizes, offsets: offsets, into: &stbl) }
                    }
                }
            }
        }
        return w.bytes
    }

    private static func sampleTables(_ tracks: [Track], _ durations: [[UInt32]], _ sizes: [UInt32], offsets: [UInt64], into w: inout ByteWriter) {
        let total = durations.joined().reduce(Int64(0)) { $0 + Int64($1) }
        let bits = Double(sizes.reduce(Int64(0)) { $0 + Int64($1) }) * 8
        let seconds = Double(max(1, total)) / Double(max(1, tracks[0].timescale))
        w.write(description(tracks, averageBitrate: UInt32(clamping: Int64(bits / seconds))))
        w.write(TimeToSampleBox(entries: runs(durations.joined()).map { .init(count: $0.count, delta: $0.value) }))
        let composition = tracks.flatMap { t in (0..<t.samples.count).map { t.samples.compositionOffset(at: $0) } }
        if composition.contains(where: { $0 != 0 }) {
            w.write(CompositionOffsetBox(entries: runs(composition).map { .init(count: $0.count, offset: $0.value) }))
        }
        var sync: [UInt32] = []
        var number: UInt32 = 0
        for t in tracks {
            for i in 0..<t.samples.count {
                number &+= 1
                if t.samples.isSync(at: i) { sync.append(number) }
            }
        }
        if sync.count < sizes.count { w.write(SyncSampleBox(sampleNumbers: sync)) }
        var chunks: [SampleToChunkBox.Entry] = []
        for (k, t) in tracks.enumerated() where chunks.last?.samplesPerChunk != UInt32(clamping: t.samples.count) {
            chunks.append(.init(firstChunk: UInt32(clamping: k + 1), samplesPerChunk: UInt32(clamping: t.samples.count), sampleDescriptionIndex: 1))
        }
        w.write(SampleToChunkBox(entries: chunks))
        w.write(SampleSizeBox(sizes: sizes))
        w.write(ChunkLargeOffsetBox(offsets: offsets))
    }

    private static func runs<T: Equatable>(_ values: some Sequence<T>) -> [(count: UInt32, value: T)] {
        var out: [(count: UInt32, value: T)] = []
        for v in values {
            if let last = out.last, last.value == v, last.count < UInt32.max { out[out.count - 1].count += 1 } else { out.append((1, v)) }
        }
        return out
    }

    /// Copies a part's samples in order, reading runs of adjacent samples at once.
    private static func copySamples(of track: Track, from path: String, to fd: Int32, _ output: String) throws(JoinError) {
        let source: FileByteSource
        do { source = try FileByteSource(path: path) } catch { throw JoinError("\(error)") }
        var i = 0
        let n = track.samples.count
        while i < n {
            let start = track.samples.offset(at: i)
            var length = Int64(track.samples.size(at: i))
            var j = i + 1
            while j < n, track.samples.offset(at: j) == start + length, length < 8 << 20 {
                length += Int64(track.samples.size(at: j))
                j += 1
            }
            let bytes: [UInt8]
            do { bytes = try source.read(at: start, count: Int(length)) } catch { throw JoinError("\(path): \(error)") }
            try writeAll(fd, bytes, output)
            i = j
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ output: String) throws(JoinError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { b in b.baseAddress.map { write(fd, $0 + done, b.count - done) } ?? 0 }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw JoinError("cannot write \(output): \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    /// A sample description as far as decoding goes: every parsed field and configuration
    /// box, without the bytes as stored and without `btrt` (each chunk's muxer writes the
    /// bitrates of its own chunk there).
    private static func comparable(_ box: SampleDescriptionBox) -> [SampleEntry] {
        box.entries.map { entry in
            var e = entry
            e.raw = []
            e.btrt = nil
            return e
        }
    }

    /// The first part's sample description with its `btrt` (if any) made true of the whole:
    /// the largest buffer and peak of the parts, the average of the joined track.
    static func description(_ tracks: [Track], averageBitrate: UInt32) -> SampleDescriptionBox {
        var box = tracks[0].sampleDescription
        guard var entry = box.entries.first, entry.btrt != nil, let at = bitrateOffset(entry) else { return box }
        let parts = tracks.compactMap { $0.sampleEntry?.btrt }
        let btrt = BitRateBox(bufferSize: parts.map(\.bufferSize).max() ?? 0, maxBitrate: max(parts.map(\.maxBitrate).max() ?? 0, averageBitrate),
                              averageBitrate: averageBitrate)
        var w = ByteWriter(capacity: 12)
        btrt.writePayload(to: &w)
        entry.raw.replaceSubrange(at..<at + 12, with: w.bytes)
        entry.btrt = btrt
        box.entries[0] = entry
        return box
    }

    /// Where the payload of the entry's top-level `btrt` child starts in its raw bytes.
    private static func bitrateOffset(_ entry: SampleEntry) -> Int? {
        let raw = entry.raw
        func u32(_ i: Int) -> Int { raw[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        var at: Int
        if entry.visual != nil { at = 86 } else if entry.audio != nil, raw.count >= 26 {
            let version = Int(raw[24]) << 8 | Int(raw[25])
            at = 36 + (version == 1 ? 16 : version == 2 ? 36 : 0)
        } else { return nil }
        while at + 8 <= raw.count {
            let size = u32(at)
            guard size >= 8, at + size <= raw.count else { return nil }
            if raw[at + 4..<at + 8].elementsEqual("btrt".utf8) { return size >= 20 ? at + 8 : nil }
            at += size
        }
        return nil
    }

    /// The media time of the edit that shows the samples (the decoder delay it hides).
    private static func mediaTime(_ edits: EditListBox?) -> Int64 { edits?.entries.last { $0.mediaTime >= 0 }?.mediaTime ?? 0 }
}
