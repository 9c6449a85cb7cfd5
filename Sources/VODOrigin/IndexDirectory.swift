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
    }
    private let contents = Mutex(Contents())
    static let maxPending = 256
    static let suffix = ".vodindex"

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
            guard name.hasSuffix(Self.suffix), let attributes = try? FileManager.default.attributesOfItem(atPath: full) else { continue }
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

    /// The movie of the MP4 at `source` from its index file, or nil when there is none for
    /// this version of it (blocking: call it on a worker).
    func movie(source: String) -> Movie? {
        let name = Self.fileName(source)
        do throws(MP4Error) {
            guard let movie = try MovieIndexFile.read(indexPath: path + "/" + name, sourcePath: source, build: build) else { return nil }
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
    /// from it when it had `identity` (the file is not parsed again; only its `moov` is read).
    func make(source: String, movie: Movie, identity: MovieIndexFile.SourceIdentity) {
        let queued = contents.withLock { c in
            guard c.pending.count < Self.maxPending, !c.pending.contains(source) else { return false }
            c.pending.insert(source)
            return true
        }
        guard queued else { return }
        queue.async {
            defer { _ = self.contents.withLock { $0.pending.remove(source) } }
            self.makeFile(source: source, movie: movie, identity: identity)
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
        contents.withLock { c in
            c.clock += 1
            if let old = c.files.updateValue((bytes.count, c.clock), forKey: name) { c.bytes -= old.size }
            c.bytes += bytes.count
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

    /// Removes the least recently used files until the directory is within `maxBytes`.
    private func trim() {
        while let victim = contents.withLock({ c -> String? in
            guard c.bytes > maxBytes else { return nil }
            return c.files.min { $0.value.used < $1.value.used }?.key
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
    static func fileName(_ source: String) -> String {
        SHA256.hex(Array(SHA256.hash(Array(source.utf8)).prefix(16))) + suffix
    }

    /// This executable's size and mtime: a new build makes its index files anew (its
    /// indexer or lay-out may differ from the one that wrote them).
    public static func buildStamp() -> UInt64 {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return 0 }
        let digest = SHA256.hash(Array("\(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)".utf8))
        return digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
