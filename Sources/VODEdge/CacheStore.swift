import Synchronization
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit
import MP4Box

/// The edge's disk cache: one file per object under `<dir>/<2 hex>/<SHA-256 of key>`,
/// a fixed 4 KiB JSON header (key, status, response headers, body length and SHA-256,
/// when it was stored and for how long it is fresh) and then the body, which goes out
/// with `sendfile`. Objects are written under `tmp/` and renamed when whole, so a crash
/// never leaves a half object in place; a body whose length or checksum does not match
/// its header (a torn write, a damaged disk) is dropped, never served.
///
/// The index lives in memory and is rebuilt from the files at start-up on a background
/// thread; until it is done, a key not yet indexed is looked up on disk directly (on a
/// worker), so a warm restart serves hits at once. A hit is a dictionary lookup under the
/// lock, with no I/O: recency moves at most once per `recencyInterval` per object (as
/// Varnish's `lru_interval`), in O(1) (`RecencyQueues`), and reaches the files' mtimes (so
/// it survives restarts) from a timer, off the event loops. Eviction happens before a new
/// object is written, so the byte and file budgets are never exceeded; objects used only
/// once go before objects used again (a scan of cold objects does not push out the hot ones). Free space on the filesystem is a second
/// budget: at least `minFreeBytes` stay free, by evicting or else by not caching.
///
/// A write that fails (disk full, read-only, I/O error) is the cache's own fault, never the
/// origin's: the object being written goes on to its players from memory, is not kept,
/// is counted in `writeErrors`, and the cache takes no new objects for `retrySeconds`.
public final class CacheStore: Sendable {
    public static let headerSize = 4096
    static let magic = "VODEDGE1\n"

    public struct Object: Sendable {
        public let key: String
        public let path: String
        public let status: Int
        public let headers: [[String]]
        public let length: Int64
        public let sha256: String
        /// When the object was stored or last revalidated (Unix seconds).
        public var stored: Double
        /// Seconds it is fresh for after `stored`.
        public let freshFor: Double
        /// The body was checked against its checksum since this process started (or written by it).
        var verified = false
        var lastUse: Double = 0
        /// The body, when it is in the memory tier (set by `lookup`): sent from memory.
        public internal(set) var body: [UInt8]?

        public func age(now: Double) -> Double { max(0, now - stored) }
        public func isFresh(now: Double) -> Bool { age(now: now) < freshFor }
    }

    struct Header: Codable {
        var key: String
        var status: Int
        var headers: [[String]]
        var length: Int64
        var sha256: String
        var stored: Double
        var freshFor: Double
    }

    public let dir: String
    public let maxBytes: Int64
    public let maxObjects: Int
    /// Larger bodies are streamed through uncached: one would evict most of the cache.
    public let maxObjectBytes: Int64
    /// The largest body the memory tier takes (0 when it is off).
    public let memoryObjectBytes: Int64
    /// Free bytes the cache leaves on its filesystem.
    public let minFreeBytes: Int64
    /// How long the cache takes no new objects after a write failed.
    public let retrySeconds: Double
    let log: @Sendable (String) -> Void
    /// A hit moves an object in the eviction order at most this often (seconds).
    static let recencyInterval = 2.0
    /// Objects whose file is kept open for every response that sends it (the most recently
    /// used): a hit costs no `open`, and many clients of one object hold one descriptor.
    static let maxOpenFiles = 1024

    /// Everything that changes, behind one lock.
    private struct Index {
        var objects: [String: Object] = [:]
        var queues = RecencyQueues()
        /// Objects used since their file's mtime was last set (written out by `flushRecency`).
        var recencyChanged: Set<String> = []
        var bytes: Int64 = 0
        /// Bytes of objects being written (not indexed yet), counted against the budget too.
        var reserved: Int64 = 0
        var indexing = true
        var evictions = 0
        var writeErrors = 0
        var writableAgainAt = 0.0
        var skippedForSpace = 0
        /// The recency flush is scheduled.
        var flushing = false
        var openFiles: [String: OpenFile] = [:]
        var openOrder = RecencyQueues()
        var memory: MemoryTier

        mutating func add(_ object: Object) {
            dropOpenFile(object.key)
            memory.drop(object.key)
            if let old = objects[object.key] { bytes -= old.length + Int64(CacheStore.headerSize) }
            objects[object.key] = object
            queues.insert(object.key)
            bytes += object.length + Int64(CacheStore.headerSize)
        }

        mutating func dropOpenFile(_ key: String) {
            openFiles[key] = nil
            openOrder.remove(key)
        }

        mutating func remove(_ key: String) -> Object? {
            dropOpenFile(key)
            memory.drop(key)
            queues.remove(key)
            recencyChanged.remove(key)
            guard let old = objects.removeValue(forKey: key) else { return nil }
            bytes -= old.length + Int64(CacheStore.headerSize)
            return old
        }
    }
    private let index: Mutex<Index>

    public var evictions: Int { index.withLock { $0.evictions } }
    public var writeErrors: Int { index.withLock { $0.writeErrors } }
    /// False for `retrySeconds` after a write failed (disk full, read-only): the edge then proxies without caching.
    public var writable: Bool { index.withLock { $0.writableAgainAt <= Date().timeIntervalSince1970 } }
    /// Objects not cached because the filesystem had too little free space.
    public var skippedForSpace: Int { index.withLock { $0.skippedForSpace } }

    /// `memoryBytes`: the memory tier's budget (0: off), for bodies up to `memoryObjectBytes`.
    public init(dir: String, maxBytes: Int64, maxObjects: Int, maxObjectBytes: Int64? = nil, minFreeBytes: Int64 = 0, retrySeconds: Double = 30,
                memoryBytes: Int64 = 0, memoryObjectBytes: Int64 = 8 << 20, log: @escaping @Sendable (String) -> Void) {
        let memory = MemoryTier(maxBytes: memoryBytes, maxObjectBytes: memoryObjectBytes)
        index = Mutex(Index(memory: memory))
        self.memoryObjectBytes = memory.maxObjectBytes
        self.dir = dir
        self.minFreeBytes = minFreeBytes
        self.retrySeconds = retrySeconds
        self.maxBytes = maxBytes
        self.maxObjectBytes = maxObjectBytes ?? max(1, maxBytes / 8)
        self.maxObjects = maxObjects
        self.log = log
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: "\(dir)/tmp", withIntermediateDirectories: true)
            for leftover in try fm.contentsOfDirectory(atPath: "\(dir)/tmp") { try? fm.removeItem(atPath: "\(dir)/tmp/\(leftover)") }
        } catch {
            let until = Date().timeIntervalSince1970 + retrySeconds
            index.withLock { $0.writableAgainAt = until }
            log("cache dir \(dir) unusable (\(error)): proxying without caching")
        }
    }

    /// Reads every object's header into the index (call on a background thread).
    public func rebuildIndex() {
        let fm = FileManager.default
        var found: [Object] = []
        defer { startRecencyTimer() }
        for sub in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where sub.count == 2 {
            for name in (try? fm.contentsOfDirectory(atPath: "\(dir)/\(sub)")) ?? [] {
                let path = "\(dir)/\(sub)/\(name)"
                if let object = Self.readObject(path) { found.append(object) } else {
                    unlink(path)
                    log("cache: dropped unreadable object \(sub)/\(name)")
                }
            }
        }
        let bytes = index.withLock { index in
            // Oldest use first, so the queue's order is the files' mtimes.
            for object in found.sorted(by: { $0.lastUse < $1.lastUse }) where index.objects[object.key] == nil { index.add(object) }
            index.indexing = false
            return index.bytes
        }
        log("cache: index rebuilt, \(found.count) objects, \(bytes) bytes")
        evictIfNeeded(incoming: 0)
    }

    public var usage: (objects: Int, bytes: Int64, indexing: Bool) { index.withLock { ($0.objects.count, $0.bytes, $0.indexing) } }
    public var memoryUsage: (objects: Int, bytes: Int64) { index.withLock { ($0.memory.count, $0.memory.bytes) } }

    func path(for key: String) -> String {
        let hex = SHA256.hex(SHA256.hash(Array(key.utf8)))
        return "\(dir)/\(hex.prefix(2))/\(hex)"
    }

    /// The indexed object for `key`, with its body when that is in the memory tier: no I/O
    /// (the event loops call it on every hit). A use makes it the newest of the used-again
    /// queues, at most once per `recencyInterval`.
    public func lookup(_ key: String) -> Object? {
        let now = Date().timeIntervalSince1970
        return index.withLock { index in
            guard var object = index.objects[key] else { return nil }
            let body = index.memory.body(key, sha256: object.sha256)
            if !index.queues.isReused(key) || now - object.lastUse >= Self.recencyInterval {
                index.queues.touch(key)
                if body != nil { index.memory.touch(key) }
                object.lastUse = now
                index.objects[key] = object
                index.recencyChanged.insert(key)
            }
            object.body = body
            return object
        }
    }

    /// After a hit served from disk: reads the body into the memory tier on `pool` when
    /// `MemoryTier.shouldLoad` says so. One lock, no I/O here.
    public func readIntoMemory(_ object: Object, on pool: WorkerPool) {
        guard object.body == nil, object.verified, object.length <= memoryObjectBytes,
              index.withLock({ $0.memory.shouldLoad(object.key, length: object.length) }) else { return }
        pool.submit { [self] in
            let body = Self.readBody(object)
            index.withLock { $0.memory.admit(object.key, sha256: object.sha256, body: body, current: $0.objects[object.key]?.sha256) }
        }
    }

    /// An object's body read from its file (`FileByteSource`, the packager's reader), nil
    /// unless it is whole. Not checked against its SHA-256 again (as a hit sent from disk is
    /// not): it was when written or first served.
    static func readBody(_ object: Object) -> [UInt8]? {
        guard let count = Int(exactly: object.length) else { return nil }
        return try? FileByteSource(path: object.path).read(at: Int64(headerSize), count: count)
    }

    /// The object's file, open and shared by every response that sends it while the object is
    /// among the `maxOpenFiles` most recently sent; nil if it cannot be opened (or was replaced
    /// meanwhile: the caller then names the file by its path).
    public func openFile(for object: Object) -> OpenFile? {
        let known = index.withLock { i -> OpenFile? in
            guard let file = i.openFiles[object.key], i.objects[object.key]?.sha256 == object.sha256 else { return nil }
            i.openOrder.touch(object.key)
            return file
        }
        if let known { return known }
        guard let file = OpenFile(path: object.path) else { return nil }
        var st = stat()
        guard fstat(file.fd, &st) == 0, Int64(st.st_size) == object.length + Int64(Self.headerSize) else { return nil }
        index.withLock { i in
            guard i.objects[object.key]?.sha256 == object.sha256, i.openFiles[object.key] == nil else { return }
            i.openFiles[object.key] = file
            i.openOrder.insert(object.key)
            while i.openFiles.count > Self.maxOpenFiles, let victim = i.openOrder.victim() { i.dropOpenFile(victim) }
        }
        return file
    }

    /// While the index is being rebuilt: the object for `key` read from its file (I/O: call
    /// on a worker). Nil once the index is complete (`lookup` knows everything then).
    public func lookupOnDisk(_ key: String) -> Object? {
        guard isIndexing, let found = Self.readObject(path(for: key)), found.key == key else { return lookup(key) }
        index.withLock { if $0.objects[key] == nil { $0.add(found) } }
        return lookup(key)
    }

    public var isIndexing: Bool { index.withLock { $0.indexing } }

    /// Sets the mtime of every object used since the last call to its last use (a restart
    /// rebuilds the eviction order from them). Runs on a timer, never on an event loop.
    func flushRecency() {
        let changed = index.withLock { index -> [(String, Double)] in
            defer { index.recencyChanged = [] }
            return index.recencyChanged.compactMap { key in index.objects[key].map { ($0.path, $0.lastUse) } }
        }
        for (path, used) in changed {
            var times = [timespec(tv_sec: Int(used), tv_nsec: 0), timespec(tv_sec: Int(used), tv_nsec: 0)]
            utimensat(AT_FDCWD, path, &times, 0)
        }
    }

    /// Flushes recency every 30 s from a utility queue for as long as the store exists.
    private func startRecencyTimer() {
        guard index.withLock({ i in defer { i.flushing = true }; return !i.flushing }) else { return }
        scheduleRecencyFlush()
    }

    private func scheduleRecencyFlush() {
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + 30) { [weak self] in
            self?.flushRecency()
            self?.scheduleRecencyFlush()
        }
    }

    /// Checks the body against its SHA-256 (the first time an object written by an earlier
    /// process is served); a damaged object is removed.
    public func verify(_ object: Object) -> Bool {
        guard let digest = FileDigest.sha256(path: object.path, from: Int64(Self.headerSize)),
              digest.bytes == object.length, digest.hex == object.sha256 else {
            log("cache: \(object.key) fails its checksum: dropped and refetched")
            remove(object.key)
            return false
        }
        index.withLock { $0.objects[object.key]?.verified = true }
        return true
    }

    /// Stores a response held in memory; nil (and the edge proxies without caching) when it cannot be written.
    public func store(key: String, status: Int, headers: [[String]], body: [UInt8], freshFor: Double) -> Object? {
        guard let writer = begin(key: key, status: status, headers: headers, length: Int64(body.count), freshFor: freshFor) else { return nil }
        body.withUnsafeBytes { writer.write($0) }
        return writer.commit()
    }

    /// An object being written as it arrives from an origin; readers follow it through `file`.
    /// `@unchecked Sendable`: it wraps a file descriptor and is used by the one worker that
    /// fetches the object (players read through `file`, which is thread-safe).
    public final class Writer: @unchecked Sendable {
        let store: CacheStore
        let header: Header
        let temporary: String
        let writeFD: Int32
        public let file: GrowingFile
        var hash: SHA256? = SHA256()
        var received: Int64 = 0
        var done = false
        /// Why writing to disk stopped (the rest goes to the players from memory; nothing is kept).
        var localFailure: String?
        /// Streamed to players only: not kept, not counted against the budget.
        let passThrough: Bool

        init(store: CacheStore, header: Header, temporary: String, writeFD: Int32, file: GrowingFile, passThrough: Bool = false) {
            self.passThrough = passThrough
            self.store = store
            self.header = header
            self.temporary = temporary
            self.writeFD = writeFD
            self.file = file
        }

        deinit { if !done { abort() } }

        /// Appends body bytes: to the file, or (once a write to it failed) to the players from memory.
        public func write(_ bytes: UnsafeRawBufferPointer) {
            guard localFailure == nil, let base = bytes.baseAddress else { return file.appendInMemory(bytes) }
            var offset = 0
            while offset < bytes.count {
                let n = pwrite(writeFD, base + offset, bytes.count - offset, off_t(Int64(CacheStore.headerSize) + received + Int64(offset)))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    localFailure = n < 0 ? String(cString: strerror(errno)) : "nothing written"
                    store.writeFailed(header.key, localFailure ?? "")
                    // What reached the file is read from it; the rest from memory.
                    file.advance(Int64(offset))
                    return file.appendInMemory(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                }
                offset += n
            }
            hash?.update(bytes)
            received += Int64(bytes.count)
            file.advance(Int64(bytes.count))
        }

        /// The body is complete: header with its checksum, rename into place.
        public func commit() -> Object? {
            done = true
            if passThrough { close(writeFD); return nil }  // its readers keep the unlinked file open
            if localFailure != nil {  // its readers keep the file open and have the rest in memory
                close(writeFD)
                unlink(temporary)
                store.release(header.length + Int64(CacheStore.headerSize))
                return nil
            }
            var final = header
            final.sha256 = SHA256.hex(hash.take()!.finish())
            defer { close(writeFD) }
            guard received == header.length, let block = CacheStore.headerBlock(final),
                  block.withUnsafeBytes({ pwrite(writeFD, $0.baseAddress, $0.count, 0) }) == CacheStore.headerSize,
                  rename(temporary, store.path(for: header.key)) == 0 else {
                unlink(temporary)
                store.release(header.length + Int64(CacheStore.headerSize))
                store.writeFailed(header.key, "cannot finish the object")
                return nil
            }
            return store.indexed(final, path: store.path(for: header.key))
        }

        /// The origin stopped midway: readers are cut off, nothing is kept.
        public func abort() {
            done = true
            if !passThrough { store.release(header.length + Int64(CacheStore.headerSize)) }
            file.fail()
            close(writeFD)
            if !passThrough { unlink(temporary) }
        }
    }

    /// Starts an object of `length` body bytes that is written as it arrives; nil when the cache cannot take it.
    public func begin(key: String, status: Int, headers: [[String]], length: Int64, freshFor: Double) -> Writer? {
        guard length <= maxObjectBytes, writable else { return nil }
        let header = Header(key: key, status: status, headers: headers, length: length, sha256: "", stored: Date().timeIntervalSince1970, freshFor: freshFor)
        guard Self.fits(header) else { return nil }
        guard evictIfNeeded(incoming: length + Int64(Self.headerSize), replacing: key, reserve: true) else {
            index.withLock { $0.skippedForSpace += 1 }
            return nil
        }
        let temporary = "\(dir)/tmp/\(UInt64.random(in: 0...UInt64.max)).tmp"
        try? FileManager.default.createDirectory(atPath: (path(for: key) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let writeFD = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        let readFD = writeFD >= 0 ? open(temporary, O_RDONLY | O_CLOEXEC) : -1
        guard writeFD >= 0, readFD >= 0, ftruncate(writeFD, off_t(Int64(Self.headerSize))) == 0 else {
            if writeFD >= 0 { close(writeFD); unlink(temporary) }
            if readFD >= 0 { close(readFD) }
            release(length + Int64(Self.headerSize))
            writeFailed(key, String(cString: strerror(errno)))
            return nil
        }
        return Writer(store: self, header: header, temporary: temporary, writeFD: writeFD,
                      file: GrowingFile(fd: readFD, total: Int64(Self.headerSize) + length, alreadyWritten: Int64(Self.headerSize)))
    }

    /// A body over `maxObjectBytes`, streamed to its players through a file that is unlinked at
    /// once: never indexed, never counted against the budget, gone when the last reader is done.
    public func beginPassThrough(key: String, status: Int, headers: [[String]], length: Int64) -> Writer? {
        guard writable, let free = freeBytes(), free - length >= minFreeBytes else { return nil }
        let header = Header(key: key, status: status, headers: headers, length: length, sha256: "", stored: Date().timeIntervalSince1970, freshFor: 0)
        let temporary = "\(dir)/tmp/\(UInt64.random(in: 0...UInt64.max)).pass"
        let writeFD = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        let readFD = writeFD >= 0 ? open(temporary, O_RDONLY | O_CLOEXEC) : -1
        unlink(temporary)
        guard writeFD >= 0, readFD >= 0, ftruncate(writeFD, off_t(Int64(Self.headerSize))) == 0 else {
            if writeFD >= 0 { close(writeFD) }
            if readFD >= 0 { close(readFD) }
            return nil
        }
        log("\(key): \(length) bytes exceed maxObjectMB (\(maxObjectBytes >> 20) MiB): streamed through, not cached")
        return Writer(store: self, header: header, temporary: temporary, writeFD: writeFD,
                      file: GrowingFile(fd: readFD, total: Int64(Self.headerSize) + length, alreadyWritten: Int64(Self.headerSize)), passThrough: true)
    }

    func release(_ count: Int64) { index.withLock { $0.reserved -= count } }

    /// Whether `header` will fit in its block once its checksum is in. It is encoded only when
    /// it may not: JSON writes a character as at most six (`\u001f`), so texts under a sixth of
    /// the room fit without a look (every response an origin sends; this was an encode per miss).
    static func fits(_ header: Header) -> Bool {
        let texts = header.key.utf8.count + header.headers.reduce(0) { $0 + $1.reduce(2) { $0 + $1.utf8.count + 3 } }
        if texts * 6 + 320 <= headerSize - magic.utf8.count - 1 { return true }
        var withChecksum = header
        withChecksum.sha256 = String(repeating: "0", count: 64)
        return headerBlock(withChecksum) != nil
    }

    static func headerBlock(_ header: Header) -> Data? {
        guard let json = try? JSONEncoder().encode(header), json.count + magic.utf8.count + 1 < headerSize else { return nil }
        var block = Data(magic.utf8) + json + Data("\n".utf8)
        block += Data(repeating: 0x20, count: headerSize - block.count)
        return block
    }

    /// A local write failure: counted, logged, and no new objects for `retrySeconds`.
    func writeFailed(_ key: String, _ why: String) {
        let now = Date().timeIntervalSince1970
        let first = index.withLock { index in
            index.writeErrors += 1
            defer { index.writableAgainAt = now + retrySeconds }
            return index.writableAgainAt <= now
        }
        if first { log("cache: cannot write \(key) (\(why)): a local disk error, not the origin's; proxying without caching for \(Int(retrySeconds)) s") }
    }

    /// Bytes free for unprivileged use on the cache's filesystem (nil if it cannot be told).
    func freeBytes() -> Int64? {
        var fs = statvfs()
        guard statvfs(dir, &fs) == 0 else { return nil }
        return Int64(clamping: UInt64(fs.f_bavail).multipliedReportingOverflow(by: UInt64(fs.f_frsize)).partialValue)
    }

    /// Puts a just-written object into the index.
    func indexed(_ header: Header, path: String) -> Object {
        var object = Object(key: header.key, path: path, status: header.status, headers: header.headers, length: header.length, sha256: header.sha256,
                            stored: header.stored, freshFor: header.freshFor)
        object.verified = true
        object.lastUse = header.stored
        index.withLock { index in
            // Its reservation becomes indexed bytes in one step, so the budget never sees it twice or not at all.
            index.reserved -= object.length + Int64(Self.headerSize)
            index.add(object)
        }
        return object
    }

    /// After a 304 from the origin: fresh again from now (the header is rewritten in place).
    public func refresh(_ object: Object) -> Object {
        var header = Header(key: object.key, status: object.status, headers: object.headers, length: object.length, sha256: object.sha256,
                            stored: Date().timeIntervalSince1970, freshFor: object.freshFor)
        if let head = Self.headerBlock(header), let handle = FileHandle(forWritingAtPath: object.path) {
            try? handle.write(contentsOf: head)
            try? handle.close()
        } else { header.stored = object.stored }
        var updated = object
        updated.stored = header.stored
        index.withLock { $0.objects[object.key]?.stored = header.stored }
        return updated
    }

    public func remove(_ key: String) {
        let path = path(for: key)
        _ = index.withLock { $0.remove(key) }
        unlink(path)
    }

    /// Removes every object whose key satisfies `matches`; returns how many.
    public func removeAll(where matches: (String) -> Bool) -> Int {
        let keys = index.withLock { $0.objects.keys.filter(matches) }
        keys.forEach(remove)
        return keys.count
    }

    /// Makes room for `incoming` bytes and one more file, under the budgets and with `minFreeBytes`
    /// left free on the filesystem: objects used once go first, oldest first. With `reserve`, the
    /// room is taken in the same step, so concurrent writers never overbook. False (nothing
    /// reserved) when even evicting everything leaves too little free space.
    @discardableResult
    private func evictIfNeeded(incoming: Int64, replacing: String? = nil, reserve: Bool = false) -> Bool {
        var victims: [String] = []
        // Bytes being written are not on the disk yet: they count against its free space too.
        let free = incoming > 0 ? freeBytes() : nil
        let fits = index.withLock { index -> Bool in
            let replaced = replacing.flatMap { index.objects[$0] }.map { $0.length + Int64(Self.headerSize) } ?? 0
            var projected = index.bytes + index.reserved - replaced + incoming
            var count = index.objects.count + (incoming > 0 && replaced == 0 ? 1 : 0)
            var shortfall = free.map { minFreeBytes - ($0 - index.reserved - incoming) } ?? 0
            defer { if reserve && shortfall <= 0 { index.reserved += incoming } }
            guard projected > maxBytes || count > maxObjects || shortfall > 0 else { return true }
            // Space that evicting every object would not free is not worth a flushed cache.
            if shortfall > index.bytes - replaced { return false }
            while projected > maxBytes || count > maxObjects || shortfall > 0, let key = index.queues.victim(except: replacing),
                  let object = index.remove(key) {
                victims.append(object.path)
                projected -= object.length + Int64(Self.headerSize)
                shortfall -= object.length + Int64(Self.headerSize)
                count -= 1
            }
            index.evictions += victims.count
            return shortfall <= 0
        }
        for path in victims { unlink(path) }
        return fits
    }

    /// An object's header from its file, if the file is whole.
    static func readObject(_ path: String) -> Object? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let block = try? handle.read(upToCount: headerSize), block.count == headerSize,
              block.starts(with: Data(magic.utf8)) else { return nil }
        let json = block.dropFirst(magic.utf8.count).prefix { $0 != 0x0A }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(json)) else { return nil }
        var st = stat()
        guard stat(path, &st) == 0, Int64(st.st_size) == header.length + Int64(headerSize) else { return nil }
        var object = Object(key: header.key, path: path, status: header.status, headers: header.headers, length: header.length,
                            sha256: header.sha256, stored: header.stored, freshFor: header.freshFor)
        object.lastUse = Double(st.st_mtim.tv_sec)
        return object
    }
}
