#if canImport(Glibc)
import Glibc
#endif

/// One track's sample data laid end to end, in decode order, in a file of its own: what the
/// transcoder's layout has and an interleaved MP4 (a range per frame or two) does not. A
/// segment of the track is then one range of this file, sent with one `sendfile` like a
/// static file, instead of a hundred ranges of the MP4 gathered and copied. The origin makes
/// these beside its index files (`IndexDirectory`) for the tracks that need one.
///
/// The file is an 80-byte header — magic `VODTRACK`, version, track ID, the source's
/// identity and the build that wrote it (as an index file has them), the sample count and
/// the data's length — then the data. It belongs to one version of the source, one track
/// and one build; anything else is not used. The MP4 stays the truth.
public enum TrackDataFile {
    static let magic = Array("VODTRACK".utf8)
    static let version: UInt32 = 1
    public static let headerSize = 80

    /// Whether segments of `track` would gather many ranges of its file: its samples are not
    /// one block but broken up more than once per 16 samples (a file interleaved a frame or
    /// a few at a time). A file with a track whose samples lie past its end gets none.
    public static func wants(_ track: Track) -> Bool {
        guard track.samples.count >= 16, track.samplesPastEnd == 0 else { return false }
        return track.samples.layoutBreaks * 16 > track.samples.count
    }

    /// Bytes of sample data of `track` (the file is this plus `headerSize`).
    public static func dataLength(_ track: Track) -> Int64 { track.samples.totalSize }

    /// The header of the file for `track` of a source with `identity`, written by `build`.
    static func header(_ track: Track, identity: MovieIndexFile.SourceIdentity, build: UInt64, dataLength: Int64? = nil) -> [UInt8] {
        var w = ByteWriter(capacity: headerSize)
        w.append(magic)
        w.u32(version); w.u32(track.id)
        w.i64(identity.size); w.i64(identity.modifiedSeconds); w.i64(identity.modifiedNanoseconds)
        w.u64(identity.inode); w.u64(identity.device)
        w.u64(build)
        w.i64(Int64(track.samples.count)); w.i64(dataLength ?? Self.dataLength(track))
        return w.bytes
    }

    /// Writes the file for `track` of the MP4 at `source` (whose identity was `identity`) to
    /// the descriptor `out` from its start: the samples read in runs of adjacent ones, at most
    /// `bufferSize` bytes at a time (written at offsets from 0, whatever the descriptor's
    /// position). False when a read or a write fails or comes up short (the
    /// source changed): the caller discards the file.
    public static func write(_ track: Track, source: String, identity: MovieIndexFile.SourceIdentity, build: UInt64, to out: Int32,
                             bufferSize: Int = 1 << 20) -> Bool {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return false }
        defer { close(input) }
        var buffer = [UInt8](repeating: 0, count: max(bufferSize, 1 << 16))
        var filled = 0
        var written: Int64 = 0
        func flush() -> Bool {
            let ok = writeAll(out, buffer, count: filled, at: &written)
            filled = 0
            return ok
        }
        let head = header(track, identity: identity, build: build)
        guard writeAll(out, head, count: head.count, at: &written) else { return false }
        let s = track.samples
        var i = 0
        while i < s.count {
            // A run of samples that follow each other in the source, read at once (a large one in pieces).
            let start = s.offset(at: i)
            var length = Int64(s.size(at: i))
            i += 1
            while i < s.count, s.offset(at: i) == start + length, length <= Int64(buffer.count) { length += Int64(s.size(at: i)); i += 1 }
            guard start >= 0, length <= identity.size, start <= identity.size - length else { return false }
            var done: Int64 = 0
            while done < length {
                if filled == buffer.count { guard flush() else { return false } }
                let want = Int(min(length - done, Int64(buffer.count - filled)))
                let n = buffer.withUnsafeMutableBytes { b in b.baseAddress.map { pread(input, $0 + filled, want, off_t(start + done)) } ?? -1 }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                filled += n
                done += Int64(n)
            }
        }
        return flush()
    }

    /// The first `count` of `bytes` written at `offset`, which moves past them.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], count: Int, at offset: inout Int64) -> Bool {
        var done = 0
        while done < count {
            let n = bytes.withUnsafeBytes { b in b.baseAddress.map { pwrite(fd, $0 + done, count - done, off_t(offset)) } ?? -1 }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
            offset += Int64(n)
        }
        return true
    }

    /// Whether the file open as `fd` is the data of `track` of the source with `identity`,
    /// written by `build`: its header says so and its length is the header's plus the data's.
    public static func matches(fd: Int32, track: Track, identity: MovieIndexFile.SourceIdentity, build: UInt64) -> Bool {
        let length = dataLength(track)
        var st = stat()
        guard fstat(fd, &st) == 0, Int64(st.st_size) == Int64(headerSize) + length else { return false }
        var stored = [UInt8](repeating: 0, count: headerSize)
        let n = stored.withUnsafeMutableBytes { pread(fd, $0.baseAddress, headerSize, 0) }
        return n == headerSize && stored == header(track, identity: identity, build: build, dataLength: length)
    }

    /// Places `track`'s samples end to end from `headerSize`, as in its data file: the same
    /// samples, read from the data file instead of the source (in place: a long track's
    /// offsets are megabytes, and fresh memory costs a page fault a page).
    public static func place(_ track: inout Track) {
        track.samples.placeEndToEnd(from: Int64(headerSize))
    }
}
