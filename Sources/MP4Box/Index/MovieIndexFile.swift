#if canImport(Glibc)
import Glibc
#endif

/// A movie's index kept in a file of its own, so that a later load of the MP4 (after a
/// restart, or after the video left memory) reads arrays instead of parsing its `moov`:
/// the `moov` without its sample tables (`MovieSkeleton`), each track's sample index as
/// the indexer made it and its presentation as one run when it is one. It belongs to one
/// version of one source file (size, mtime, inode, device) and one build of the reader
/// (`build`); any other is not used, and the MP4 stays the truth.
///
/// Layout (version 3: a track's flags also say whether it wants a data file, `TrackDataFile`):
/// a 72-byte big-endian header (`VODINDEX`, version, a byte-order mark for the
/// arrays, build, the source's identity, the metadata's length, the track count), the
/// metadata (skeleton, then one fixed-size record a track), then every track's arrays in
/// the machine's byte order, each starting on 8 bytes. Every value is checked when read:
/// a file that is cut off or altered is refused with the reason, never trusted.
public enum MovieIndexFile {
    static let magic = Array("VODINDEX".utf8)
    static let version: UInt32 = 3
    static let byteOrderMark: UInt32 = 0x0102_0304
    static let headerSize = 72
    static let trackRecordSize = 112
    /// The metadata (skeleton and records) is a few KB; a larger figure is not believed.
    static let maxMetadata = 64 << 20

    /// What makes a source file the same file: an index made of one is used only for it.
    public struct SourceIdentity: Equatable, Sendable {
        public var size: Int64
        public var modifiedSeconds: Int64
        public var modifiedNanoseconds: Int64
        public var inode: UInt64
        public var device: UInt64

        public init(size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64, inode: UInt64, device: UInt64) {
            self.size = size
            self.modifiedSeconds = modifiedSeconds
            self.modifiedNanoseconds = modifiedNanoseconds
            self.inode = inode
            self.device = device
        }

        /// The identity of the file at `path` now (nil when it cannot be stat'ed).
        public init?(path: String) {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            self.init(st)
        }

        init(_ st: stat) {
            self.init(size: Int64(st.st_size), modifiedSeconds: Int64(st.st_mtim.tv_sec), modifiedNanoseconds: Int64(st.st_mtim.tv_nsec),
                      inode: UInt64(st.st_ino), device: UInt64(st.st_dev))
        }
    }

    // MARK: Writing

    /// The index file of the MP4 at `path`, or nil when it has none to keep (a fragmented
    /// file: its samples come from `moof` boxes) or the file changed while it was read.
    public static func make(path: String, build: UInt64, limits: ParseLimits = .default) throws(MP4Error) -> [UInt8]? {
        guard let identity = SourceIdentity(path: path) else { return nil }
        return try make(path: path, movie: try Movie.read(path: path, limits: limits), identity: identity, build: build, limits: limits)
    }

    /// The same for a movie already read from `path`, whose identity was taken before it was
    /// read (nil when the file is no longer that one): only its `moov` is read again.
    public static func make(path: String, movie: Movie, identity: SourceIdentity, build: UInt64, limits: ParseLimits = .default) throws(MP4Error) -> [UInt8]? {
        guard !movie.isFragmented, movie.fileSize == identity.size, let moov = movie.topLevelBoxes.first(where: { $0.type == "moov" }),
              moov.size <= limits.maxMetadataBoxSize else { return nil }
        let source = try FileByteSource(path: path)
        let skeleton = try MovieSkeleton.strip(moov: try source.read(at: moov.offset, count: Int(moov.size)))
        guard SourceIdentity(path: path) == identity else { return nil }
        return bytes(movie: movie, skeleton: skeleton, identity: identity, build: build)
    }

    /// The file's bytes for `movie` (read from a file with `identity`; `skeleton` its stripped `moov`).
    public static func bytes(movie: Movie, skeleton: [UInt8], identity: SourceIdentity, build: UInt64) -> [UInt8] {
        var meta = ByteWriter(capacity: skeleton.count + 4 + movie.tracks.count * trackRecordSize)
        meta.u32(UInt32(skeleton.count))
        meta.append(skeleton)
        for track in movie.tracks {
            let s = track.indexed
            let c = s.columns
            let run = PresentationTimeline(track: track, movieTimescale: movie.timescale).presentedRun()
            meta.i64(Int64(c.offsets.count))
            meta.u32(c.uniform)
            meta.u8((c.decodeTimes.isEmpty ? 0 : 1) | (c.compositionOffsets.isEmpty ? 0 : 2) | (s.hasCompositionTable ? 4 : 0) | (run == nil ? 0 : 8)
                    | (TrackDataFile.wants(track) ? 16 : 0))
            meta.zeros(3)
            meta.i64(Int64(c.timeRuns.count))
            meta.i64(c.endDTS); meta.i64(s.compositionShift); meta.i64(Int64(s.compositionCoverage)); meta.i64(Int64(s.samplesPastEnd))
            let r = run ?? PresentedRun(samples: 0..<0, dtsShift: 0, offsetShift: 0, offsetCoverage: 0, discardedBefore: 0, discardedAfter: 0)
            for v in [Int64(r.samples.lowerBound), Int64(r.samples.upperBound), r.dtsShift, r.offsetShift,
                      Int64(r.offsetCoverage), Int64(r.discardedBefore), Int64(r.discardedAfter)] { meta.i64(v) }
        }
        var out = ByteWriter(capacity: headerSize + meta.count + movie.tracks.reduce(0) { $0 + $1.samples.memoryBytes + 32 })
        out.append(magic)
        out.u32(version)
        out.append(withUnsafeBytes(of: byteOrderMark) { Array($0) })
        out.u64(build)
        out.i64(identity.size); out.i64(identity.modifiedSeconds); out.i64(identity.modifiedNanoseconds)
        out.u64(identity.inode); out.u64(identity.device)
        out.u32(UInt32(meta.count))
        out.u32(UInt32(movie.tracks.count))
        out.append(meta.bytes)
        func column<T>(_ values: [T]) {
            guard !values.isEmpty else { return }
            out.zeros((8 - out.count % 8) % 8)
            values.withUnsafeBytes { out.append(Array($0)) }
        }
        for track in movie.tracks {
            let c = track.indexed.columns
            column(c.offsets); column(c.sizeAndSync); column(c.decodeTimes); column(c.compositionOffsets)
            column(c.timeRuns.map { Int64($0.first) }); column(c.timeRuns.map(\.dts)); column(c.timeRuns.map(\.delta))
        }
        return out.bytes
    }

    // MARK: Reading

    /// The movie from the index file at `indexPath` for the source at `sourcePath`: nil when
    /// there is none for this version of the source and this build (absent, made of another
    /// file or by another build: make it again); throws when there is one that cannot be used.
    public static func read(indexPath: String, sourcePath: String, build: UInt64, limits: ParseLimits = .default) throws(MP4Error) -> Movie? {
        guard let identity = SourceIdentity(path: sourcePath) else { return nil }
        return try read(indexPath: indexPath, identity: identity, build: build, limits: limits)
    }

    /// The same for a source whose identity was just taken.
    public static func read(indexPath: String, identity: SourceIdentity, build: UInt64, limits: ParseLimits = .default) throws(MP4Error) -> Movie? {
        let fd = open(indexPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return try read(FileBytes(fd: fd, size: Int64(st.st_size)), identity: identity, build: build, limits: limits)
    }

    /// The same from bytes in memory; `identity` nil accepts the identity the bytes name (fuzzing).
    public static func read(bytes: [UInt8], identity: SourceIdentity?, build: UInt64, limits: ParseLimits = .default) throws(MP4Error) -> Movie? {
        try read(MemoryBytes(bytes: bytes), identity: identity, build: build, limits: limits)
    }

    private static func read(_ file: some RandomReads, identity: SourceIdentity?, build: UInt64, limits: ParseLimits) throws(MP4Error) -> Movie? {
        guard file.size >= Int64(headerSize) else { return nil }
        var header = ByteReader(try file.bytes(at: 0, count: headerSize), path: "index")
        guard try header.bytes(8) == magic, try header.u32() == version else { return nil }
        guard withUnsafeBytes(of: byteOrderMark, { Array($0) }) == (try header.bytes(4)) else { return nil }
        guard try header.u64() == build else { return nil }
        let stored = SourceIdentity(size: try header.i64(), modifiedSeconds: try header.i64(), modifiedNanoseconds: try header.i64(),
                                    inode: try header.u64(), device: try header.u64())
        guard identity == nil || identity == stored else { return nil }
        let metaSize = Int(try header.u32()), trackCount = Int(try header.u32())
        guard metaSize <= maxMetadata, Int64(headerSize + metaSize) <= file.size, trackCount <= limits.maxTracks else {
            throw MP4Error(.invalid, path: "index", "metadata of \(metaSize) bytes for \(trackCount) tracks does not fit")
        }
        var meta = ByteReader(try file.bytes(at: Int64(headerSize), count: metaSize), path: "index")
        let skeleton = try meta.bytes(Int(try meta.u32()))
        try meta.checkEntries(UInt64(trackCount), of: trackRecordSize, "tracks")
        var position = Int64(headerSize + metaSize)
        /// The next array of `count` values, read straight into its storage.
        func column<T: FixedWidthInteger>(_ count: Int, _ present: Bool = true) throws(MP4Error) -> [T] {
            guard present, count > 0 else { return [] }
            position = (position + 7) / 8 * 8
            let bytes = count * MemoryLayout<T>.size
            guard Int64(bytes) <= file.size - position else { throw MP4Error(.truncated, path: "index", "an array runs past the end of the file") }
            var failure: MP4Error?
            let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                do throws(MP4Error) {
                    try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: position)
                    initialized = count
                } catch { failure = error; initialized = 0 }
            }
            if let failure { throw failure }
            position += Int64(bytes)
            return values
        }
        var samples: [IndexedSamples] = []
        var runs: [PresentedRun?] = []
        var wanted: [Bool] = []
        for _ in 0..<trackCount {
            let count = try meta.i64(), uniform = try meta.u32(), flags = try meta.u8()
            try meta.skip(3)
            let runCount = try meta.i64()
            let endDTS = try meta.i64(), shift = try meta.i64(), coverage = try meta.i64(), pastEnd = try meta.i64()
            var run: [Int64] = []
            for _ in 0..<7 { run.append(try meta.i64()) }
            guard (0...Int64(limits.maxSamplesPerTrack)).contains(count), (0...count).contains(runCount), (0...count).contains(coverage), pastEnd >= 0,
                  (0...count).contains(run[0]), (run[0]...count).contains(run[1]), (0...count).contains(run[4]),
                  run[5] >= 0, run[6] >= 0, run[5] <= count, run[6] <= count else {
                throw MP4Error(.invalid, path: "index", "a track record is out of range")
            }
            let n = Int(count), timeRunCount = Int(runCount)
            let offsets: [Int64] = try column(n), sizes: [UInt32] = try column(n), times: [Int64] = try column(n, flags & 1 != 0)
            let compositionOffsets: [Int32] = try column(n, flags & 2 != 0)
            let runFirsts: [Int64] = try column(timeRunCount), runTimes: [Int64] = try column(timeRunCount), runDeltas: [UInt32] = try column(timeRunCount)
            let timeRuns = (0..<timeRunCount).map { SampleIndex.TimeRun(first: Int(runFirsts[$0]), dts: runTimes[$0], delta: runDeltas[$0]) }
            let columns = IndexedSamples.Columns(offsets: offsets, sizeAndSync: sizes, decodeTimes: times, timeRuns: timeRuns,
                                                 compositionOffsets: compositionOffsets, uniform: uniform, endDTS: endDTS)
            samples.append(try IndexedSamples(columns: columns, compositionShift: shift, compositionCoverage: Int(coverage), hasCompositionTable: flags & 4 != 0,
                                              samplesPastEnd: Int(pastEnd), fileSize: stored.size, limits: limits))
            wanted.append(flags & 16 != 0)
            runs.append(flags & 8 == 0 ? nil : PresentedRun(samples: Int(run[0])..<Int(run[1]), dtsShift: run[2], offsetShift: run[3],
                                                            offsetCoverage: Int(run[4]), discardedBefore: Int(run[5]), discardedAfter: Int(run[6])))
        }
        guard position == file.size else { throw MP4Error(.invalid, path: "index", "\(file.size - position) bytes after the last array") }
        var movie = try MovieSkeleton.movie(skeleton: skeleton, fileSize: stored.size, samples: samples, limits: limits)
        for (i, run) in runs.enumerated() {
            movie.tracks[i].knownRun = run
            movie.tracks[i].dataFileWanted = wanted[i]
        }
        return movie
    }
}

/// Reads at offsets of an index file (a descriptor, or bytes in memory when fuzzing).
private protocol RandomReads {
    var size: Int64 { get }
    /// Fills `buffer` from `offset`, or throws when the bytes are not there.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(MP4Error)
}

extension RandomReads {
    func bytes(at offset: Int64, count: Int) throws(MP4Error) -> [UInt8] {
        var failure: MP4Error?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(MP4Error) { try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset); initialized = count } catch { failure = error; initialized = 0 }
        }
        if let failure { throw failure }
        return bytes
    }
}

private struct FileBytes: RandomReads {
    let fd: Int32
    let size: Int64

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(MP4Error) {
        guard let base = buffer.baseAddress else { return }
        prefault(buffer)
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw MP4Error(.truncated, path: "index", "the index file ends early") }
            done += n
        }
    }
}

private struct MemoryBytes: RandomReads {
    let bytes: [UInt8]
    var size: Int64 { Int64(bytes.count) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(MP4Error) {
        guard offset >= 0, offset <= size, Int64(buffer.count) <= size - offset else { throw MP4Error(.truncated, path: "index", "the index ends early") }
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[Int(offset)..<Int(offset) + buffer.count])) }
    }
}
