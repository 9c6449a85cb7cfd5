import Dispatch
import Foundation
import MP4Box
import Synchronization
import VODKit

/// The origin's index files (`indexDir`): for each MP4 it has parsed, the movie's index
/// (`MovieIndexFile`) in a file of its own, named by a hash of the MP4's path, so that
/// after a restart or once the video has left memory a first request reads arrays instead
/// of parsing the `moov` again. The MP4 stays the truth: an index file made of another
/// version of it, or by another build of the origin, is not used (and is made again), and
/// one that cannot be read is removed with the reason logged.
///
/// Files are made after the request that parsed the MP4 was answered, one at a time on a
/// background queue, written to a temporary name, flushed and renamed (a crash leaves
/// none half-written under its name). The directory is kept under `maxBytes`, least
/// recently used first (use as this process saw it; at start-up, as the files' mtimes say).
///
/// Beside an index file, for each track of the MP4 whose samples are interleaved with other
/// tracks' a frame or a few at a time, a track data file (`TrackDataFile`, named by the same
/// hash and the track ID, `.vodtrack`): the track's samples end to end, so that its segments
/// go out as one range with `sendfile` as the transcoder's layout does. Made in the same
/// background pass; a file held by a video in memory is not removed to keep the bound (it
/// would be read by name when its TS segments are made).
public final class IndexDirectory: Sendable {
    public let path: String
    public let maxBytes: Int
    /// The origin build the files belong to (`buildStamp()`); files of another are not read.
    let build: UInt64
    let log: @Sendable (String) -> Void
    private let queue = DispatchQueue(label: "vod-origin.index-files", qos: .utility)

    private struct Contents {
        /// File name → size and last use (a counter: larger is more recent).
        var files: [String: (size: Int, used: Int)] = [:]
        var bytes = 0
        var clock = 0
        /// Movies read from their index files.
        var reads = 0
        /// Sources waiting for their file to be made (at most `maxPending`; more are skipped
        /// and made the next time they are parsed).
        var pending: Set<String> = []
        /// Track data files in use by videos in memory (`TrackData`), by name: never trimmed.
        var pinned: [String: Int] = [:]
        /// Sources whose track data files were made or found needless since start-up.
        var tracksDone: Set<String> = []
    }
    private let contents = Mutex(Contents())
    static let maxPending = 256
    static let suffix = ".vodindex"
    static let trackSuffix = ".vodtrack"

    /// A track's data file, open, held by a video in memory (kept from trimming while it is).
    public final class TrackData: Sendable {
        public let trackID: UInt32
        public let path: String
        public let file: OpenFile
        let name: String
        let directory: IndexDirectory

        init(trackID: UInt32, path: String, file: OpenFile, name: String, directory: IndexDirectory) {
            self.trackID = trackID
            self.path = path
            self.file = file
            self.name = name
            self.directory = directory
            directory.contents.withLock { $0.pinned[name, default: 0] += 1 }
        }

        deinit {
            directory.contents.withLock { c in
                c.pinned[name, default: 1] -= 1
                if c.pinned[name] == 0 { c.pinned[name] = nil }
            }
        }
    }

    /// Opens (creating it if needed) the directory and notes the files in it, oldest first;
    /// temporary files a crash left behind are removed.
    public init(path: String, maxBytes: Int, build: UInt64 = IndexDirectory.buildStamp(), log: @escaping @Sendable (String) -> Void) throws {
        self.path = path
        self.maxBytes = maxBytes
        self.build = build
        self.log = log
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var found: [(name: String, size: Int, modified: Double)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            let full = path + "/" + name
            if name.hasSuffix(".tmp") { try? FileManager.default.removeItem(atPath: full); continue }
            guard name.hasSuffix(Self.suffix) || name.hasSuffix(Self.trackSuffix), let attributes = try? FileManager.default.attributesOfItem(atPath: full) else { continue }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            found.append((name, (attributes[.size] as? NSNumber)?.intValue ?? 0, modified))
        }
        contents.withLock { c in
            for file in found.sorted(by: { $0.modified < $1.modified }) {
                c.clock += 1
                c.files[file.name] = (file.size, c.clock)
                c.bytes += file.size
            }
        }
        queue.async { self.trim() }
    }

    public var stats: (files: Int, bytes: Int, reads: Int) { contents.withLock { ($0.files.count, $0.bytes, $0.reads) } }
    /// Track data files held by videos in memory.
    public var heldTrackFiles: Int { contents.withLock { $0.pinned.count } }

    /// Returns once the files asked for so far are made (blocking).
    func waitForBackgroundWork() { queue.sync {} }

    /// The movie of the MP4 at `source`, whose identity was just taken, from its index file, or
    /// nil when there is none for this version of it (blocking: call it on a worker).
    func movie(source: String, identity: MovieIndexFile.SourceIdentity) -> Movie? {
        let name = Self.fileName(source)
        do throws(MP4Error) {
            guard let movie = try MovieIndexFile.read(indexPath: path + "/" + name, identity: identity, build: build) else { return nil }
            contents.withLock { c in
                c.clock += 1
                c.reads += 1
                c.files[name]?.used = c.clock
            }
            return movie
        } catch {
            log("index file \(name) of \(source) is unusable (\(error)): removed, the MP4 is parsed")
            remove(name)
            return nil
        }
    }

    /// Makes the index file of the MP4 at `source` in the background from `movie`, just parsed
    /// from it when it had `identity` (the file is not parsed again; only its `moov` is read),
    /// then the track data files it needs.
    func make(source: String, movie: Movie, identity: MovieIndexFile.SourceIdentity) {
        inBackground(source) {
            self.makeFile(source: source, movie: movie, identity: identity)
            self.makeTrackData(source: source, movie: movie, identity: identity)
        }
    }

    /// Runs `work` for `source` on the background queue unless work for it is waiting already
    /// or `maxPending` are (then it is done the next time it is asked for).
    private func inBackground(_ source: String, _ work: @escaping @Sendable () -> Void) {
        let queued = contents.withLock { c in
            guard c.pending.count < Self.maxPending, !c.pending.contains(source) else { return false }
            c.pending.insert(source)
            return true
        }
        guard queued else { return }
        queue.async {
            defer { _ = self.contents.withLock { $0.pending.remove(source) } }
            work()
        }
    }

    /// The track data files of `movie`, read from its index file for the MP4 at `source` with
    /// `identity`, that are there for this version of it, open and held (blocking: call it on a
    /// worker). Only tracks the index file says want one are looked for (a parsed movie has
    /// none yet: they are made after its index file). Files of another version or build are
    /// removed; when any is missing it is made in the background (once per source while the
    /// process runs, unless one was removed).
    func trackData(source: String, movie: Movie, identity: MovieIndexFile.SourceIdentity) -> [TrackData] {
        var found: [TrackData] = []
        var missing = false
        for track in Self.playableTracks(movie) where track.dataFileWanted {
            let name = Self.trackFileName(source, track.id), full = path + "/" + name
            guard let file = OpenFile(path: full) else {
                if fits(Self.dataFileSize(track)) { missing = true }
                continue
            }
            guard TrackDataFile.matches(fd: file.fd, track: track, identity: identity, build: build) else {
                remove(name)  // of another version, build or track, or damaged: made again
                _ = contents.withLock { $0.tracksDone.remove(source) }
                missing = true
                continue
            }
            contents.withLock { c in
                c.clock += 1
                c.files[name]?.used = c.clock
            }
            found.append(TrackData(trackID: track.id, path: full, file: file, name: name, directory: self))
        }
        if missing && !contents.withLock({ $0.tracksDone.contains(source) }) {
            inBackground(source) { self.makeTrackData(source: source, movie: movie, identity: identity) }
        }
        return found
    }

    /// The size of `track`'s data file.
    static func dataFileSize(_ track: Track) -> Int64 { Int64(TrackDataFile.headerSize) + TrackDataFile.dataLength(track) }

    /// Whether a data file of `size` bytes takes at most an eighth of the directory's bound.
    func fits(_ size: Int64) -> Bool { size <= Int64(maxBytes / 8) }

    /// The movie's video and audio tracks whose ID no other track has (a data file is named by it).
    static func playableTracks(_ movie: Movie) -> [Track] {
        let ids = movie.tracks.map(\.id)
        return movie.tracks.filter { t in (t.mediaType == .video || t.mediaType == .audio) && ids.count { $0 == t.id } == 1 }
    }

    /// Writes the data file of each track of `movie` that needs one (`TrackDataFile.wants`) and
    /// has none, each to a temporary name, flushed, renamed; not for a track whose data would
    /// take more than an eighth of the directory's bound, nor when the MP4 changed meanwhile.
    private func makeTrackData(source: String, movie: Movie, identity: MovieIndexFile.SourceIdentity) {
        defer { _ = contents.withLock { $0.tracksDone.insert(source) } }
        for track in Self.playableTracks(movie) where TrackDataFile.wants(track) {
            let name = Self.trackFileName(source, track.id), final = path + "/" + name, temporary = final + ".tmp"
            let size = Self.dataFileSize(track)
            guard fits(size) else { continue }
            if let existing = OpenFile(path: final), TrackDataFile.matches(fd: existing.fd, track: track, identity: identity, build: build) { continue }
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { log("track data of \(source) not written: \(String(cString: strerror(errno)))"); return }
            let written = TrackDataFile.write(track, source: source, identity: identity, build: build, to: fd) && fsync(fd) == 0
            close(fd)
            guard written, MovieIndexFile.SourceIdentity(path: source) == identity, rename(temporary, final) == 0 else {
                unlink(temporary)
                return  // the MP4 changed or the disk failed: made again when it is next parsed
            }
            noteWritten(name, size: Int(size))
        }
    }

    /// Waits until every file asked for so far is made (tests, shutdown).
    public func settle() { queue.sync {} }

    private func makeFile(source: String, movie: Movie, identity: MovieIndexFile.SourceIdentity) {
        let name = Self.fileName(source)
        let bytes: [UInt8]
        do throws(MP4Error) {
            guard let made = try MovieIndexFile.make(path: source, movie: movie, identity: identity, build: build) else { return }
            bytes = made
        } catch {
            return  // the request that parsed it reported what is wrong with the MP4
        }
        let final = path + "/" + name, temporary = final + ".tmp"
        guard Self.writeFlushed(bytes, to: temporary), rename(temporary, final) == 0 else {
            log("index file of \(source) not written: \(String(cString: strerror(errno)))")
            unlink(temporary)
            return
        }
        noteWritten(name, size: bytes.count)
    }

    /// Counts a file just written (the newest used) and trims the directory to its bound.
    private func noteWritten(_ name: String, size: Int) {
        contents.withLock { c in
            c.clock += 1
            if let old = c.files.updateValue((size, c.clock), forKey: name) { c.bytes -= old.size }
            c.bytes += size
        }
        trim()
    }

    /// Writes `bytes` to a new file at `path` and flushes it to the disk.
    private static func writeFlushed(_ bytes: [UInt8], to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + done }, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return fsync(fd) == 0
    }

    /// Removes the least recently used files until the directory is within `maxBytes` (`bound`
    /// in tests) or only track data files in use are left.
    func trim(to bound: Int? = nil) {
        while let victim = contents.withLock({ c -> String? in
            guard c.bytes > bound ?? maxBytes else { return nil }
            return c.files.filter { c.pinned[$0.key] == nil }.min { $0.value.used < $1.value.used }?.key
        }) {
            remove(victim)
        }
    }

    private func remove(_ name: String) {
        unlink(path + "/" + name)
        contents.withLock { c in
            if let old = c.files.removeValue(forKey: name) { c.bytes -= old.size }
        }
    }

    /// `<sha-256 of the path, 32 hex digits>.vodindex`.
    static func fileName(_ source: String) -> String { pathHash(source) + suffix }

    /// `<the same hash>-<track ID>.vodtrack`.
    static func trackFileName(_ source: String, _ trackID: UInt32) -> String { pathHash(source) + "-\(trackID)" + trackSuffix }

    private static func pathHash(_ source: String) -> String { SHA256.hex(Array(SHA256.hash(Array(source.utf8)).prefix(16))) }

    /// This executable's size and mtime: a new build makes its index files anew (its
    /// indexer or lay-out may differ from the one that wrote them).
    public static func buildStamp() -> UInt64 {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return 0 }
        let digest = SHA256.hash(Array("\(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)".utf8))
        return digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
