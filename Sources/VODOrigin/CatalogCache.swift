import Synchronization
import Foundation
import VODKit
#if canImport(Glibc)
import Glibc
#endif

/// The files of one video and the key naming this version of them (paths, sizes, mtimes).
public struct VideoFiles: Sendable {
    public let files: [SourceFile]
    /// The `manifest.json` the files were found by, as decoded and as read then (nil: a bare
    /// file, which has none), so that loading the video and checking its access neither read
    /// nor decode it again.
    public let manifest: VideoManifest?
    public let manifestBytes: Data?
    public let key: String
    public init(files: [SourceFile], manifest: VideoManifest? = nil, manifestBytes: Data? = nil) {
        self.files = files
        self.manifest = manifest
        self.manifestBytes = manifestBytes
        key = files.map { "\($0.path)|\($0.size)|\($0.modified)" }.joined(separator: ";")
    }
}

/// Remembers `MediaCatalog.video(_:)` for a short time, so a hot video costs
/// no manifest read, JSON parse, `realpath` or `stat` per request. A replaced
/// or removed file is noticed within `ttl` seconds; its new size or mtime then
/// makes a new media-set key. Failures (an unknown id) are remembered as long, so
/// a storm of requests for a missing video costs one failed lookup a second.
public final class CatalogCache: Sendable {
    public let catalog: MediaCatalog
    private let ttl: Double
    private let entries = Mutex<[Substring: (answer: Result<VideoFiles, MediaCatalog.LookupError>, expires: Double)]>([:])

    public init(catalog: MediaCatalog, ttl: Double = 1) {
        self.catalog = catalog
        self.ttl = ttl
    }

    /// Counts `forget` calls: what was made from an earlier answer may be out of date.
    private let forgotten = Atomic<Int>(0)
    public var generation: Int { forgotten.load(ordering: .acquiring) }

    /// The remembered answer for `id`, if still fresh: memory only (for the event loops).
    public func remembered(_ id: Substring) -> Result<VideoFiles, MediaCatalog.LookupError>? { rememberedUntil(id)?.answer }

    /// The same with the time (`now()`'s clock) until which it is remembered.
    public func rememberedUntil(_ id: Substring) -> (answer: Result<VideoFiles, MediaCatalog.LookupError>, expires: Double)? {
        let now = Self.now()
        guard let hit = entries.withLock({ $0[id] }), hit.expires > now else { return nil }
        return hit
    }

    /// The files of `id`, looked up on disk when not remembered (I/O: call on a worker).
    public func files(of id: Substring) throws(MediaCatalog.LookupError) -> VideoFiles {
        if let known = remembered(id) { return try known.get() }
        let answer: Result<VideoFiles, MediaCatalog.LookupError>
        do { answer = .success(try catalog.video(id)) } catch { answer = .failure(error) }
        let expires = Self.now() + ttl
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }  // bounded: ids come from requests
            entries[id] = (answer, expires)
        }
        return try answer.get()
    }

    /// Drops what is remembered of `id` (after an ingest or delete on this origin).
    public func forget(_ id: Substring) {
        entries.withLock { $0[id] = nil }
        forgotten.add(1, ordering: .releasing)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
