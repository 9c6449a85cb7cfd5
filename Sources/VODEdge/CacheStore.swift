import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

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
public final class CacheStore: @unchecked Sendable {
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
    /// Free bytes the cache leaves on its filesystem.
    public let minFreeBytes: Int64
    /// How long the cache takes no new objects after a write failed.
    public let retrySeconds: Double
    let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var objects: [String: Object] = [:]
    private var queues = RecencyQueues()
    /// Objects used since their file's mtime was last set (written out by `flushRecency`).
    private var recencyChanged: Set<String> = []
    /// A hit moves an object in the eviction order at most this often (seconds).
    static let recencyInterval = 2.0
    private var recencyTimer: DispatchSourceTimer?
    private var bytes: Int64 = 0
    /// Bytes of objects being written (not indexed yet), counted against the budget too.
    private var reserved: Int64 = 0
    private var indexing = true
    public private(set) var evictions = 0
    public private(set) var writeErrors = 0
    /// False for `retrySeconds` after a write failed (disk full, read-only): the edge then proxies without caching.
    public var writable: Bool { lock.withLock { writableAgainAt <= Date().timeIntervalSince1970 } }
    private var writableAgainAt = 0.0
    /// Objects not cached because the filesystem had too little free space.
    public private(set) var skippedForSpace = 0

    public init(dir: String, maxBytes: Int64, maxObjects: Int, maxObjectBytes: Int64? = nil, minFreeBytes: Int64 = 0, retrySeconds: Double = 30,
                log: @escaping @Sendable (String) -> Void) {
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
            writableAgainAt = Date().timeIntervalSince1970 + retrySeconds
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
        lock.withLock {
            // Oldest use first, so the queue's order is the files' mtimes.
            for object in found.sorted(by: { $0.lastUse < $1.lastUse }) where objects[object.key] == nil { add(object) }
            indexing = false
        }
        log("cache: index rebuilt, \(found.count) objects, \(bytes) bytes")
        evictIfNeeded(incoming: 0)
    }

    public var usage: (objects: Int, bytes: Int64, indexing: Bool) { lock.withLock { (objects.count, bytes, indexing) } }

    func path(for key: String) -> String {
        let hex = SHA256.hex(SHA256.hash(Array(key.utf8)))
        return "\(dir)/\(hex.prefix(2))/\(hex)"
    }

    /// The indexed object for `key`: memory only, no I/O (the event loops call it on every
    /// hit). A use makes it the newest of the used-again queue, at most once per `recencyInterval`.
    public func lookup(_ key: String) -> Object? {
        let now = Date().timeIntervalSince1970
        return lock.withLock {
            guard var object = objects[key] else { return nil }
            if !queues.isReused(key) || now - object.lastUse >= Self.recencyInterval {
                queues.touch(key)
                object.lastUse = now
                objects[key] = object
                recencyChanged.insert(key)
            }
            return object
        }
    }

    /// While the index is being rebuilt: the object for `key` read from its file (I/O: call
    /// on a worker). Nil once the index is complete (`lookup` knows everything then).
    public func lookupOnDisk(_ key: String) -> Object? {
        guard lock.withLock({ indexing }), let found = Self.readObject(path(for: key)), found.key == key else { return lookup(key) }
        lock.withLock { if objects[key] == nil { add(found) } }
        return lookup(key)
    }

    public var isIndexing: Bool { lock.withLock { indexing } }

    /// Indexes `object` (the lock is held).
    private func add(_ object: Object) {
        if let old = objects[object.key] { bytes -= old.length + Int64(Self.headerSize) }
        objects[object.key] = object
        queues.insert(object.key)
        bytes += object.length + Int64(Self.headerSize)
    }

    /// Sets the mtime of every object used since the last call to its last use (a restart
    /// rebuilds the eviction order from them). Runs on a timer, never on an event loop.
    func flushRecency() {
        let changed = lock.withLock { () -> [(String, Double)] in
            defer { recencyChanged = [] }
            return recencyChanged.compactMap { key in objects[key].map { ($0.path, $0.lastUse) } }
        }
        for (path, used) in changed {
            var times = [timespec(tv_sec: Int(used), tv_nsec: 0), timespec(tv_sec: Int(used), tv_nsec: 0)]
            utimensat(AT_FDCWD, path, &times, 0)
        }
    }

    private func startRecencyTimer() {
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + 30, repeating: 30)
        timer.setEventHandler { [weak self] in self?.flushRecency() }
        timer.resume()
        lock.withLock { recencyTimer = timer }
    }

    deinit { recencyTimer?.cancel() }

    /// Checks the body against its SHA-256 (the first time an object written by an earlier
    /// process is served); a damaged object is removed.
    public func verify(_ object: Object) -> Bool {
        guard let digest = FileDigest.sha256(path: object.path, from: Int64(Self.headerSize)),
              digest.bytes == object.length, digest.hex == object.sha256 else {
            log("cache: \(object.key) fails its checksum: dropped and refetched")
            remove(object.key)
            return false
        }
        lock.withLock { objects[object.key]?.verified = true }
        return true
    }

    /// Stores a response held in memory; nil (and the edge proxies without caching) when it cannot be written.
    public func store(key: String, status: Int, headers: [[String]], body: [UInt8], freshFor: Double) -> Object? {
        guard let writer = begin(key: key, status: status, headers: headers, length: Int64(body.count), freshFor: freshFor) else { return nil }
        body.withUnsafeBytes { writer.write($0) }
        return writer.commit()
    }

    /// An object being written as it arrives from an origin; readers follow it through `file`.
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
        guard Self.headerBlock(header) != nil else { return nil }
        guard evictIfNeeded(incoming: length + Int64(Self.headerSize), replacing: key, reserve: true) else {
            lock.withLock { skippedForSpace += 1 }
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

    func release(_ count: Int64) { lock.withLock { reserved -= count } }

    static func headerBlock(_ header: Header) -> Data? {
        guard let json = try? JSONEncoder().encode(header), json.count + magic.utf8.count + 1 < headerSize else { return nil }
        var block = Data(magic.utf8) + json + Data("\n".utf8)
        block += Data(repeating: 0x20, count: headerSize - block.count)
        return block
    }

    /// A local write failure: counted, logged, and no new objects for `retrySeconds`.
    func writeFailed(_ key: String, _ why: String) {
        let now = Date().timeIntervalSince1970
        let first = lock.withLock {
            writeErrors += 1
            defer { writableAgainAt = now + retrySeconds }
            return writableAgainAt <= now
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
        lock.withLock {
            // Its reservation becomes indexed bytes in one step, so the budget never sees it twice or not at all.
            reserved -= object.length + Int64(Self.headerSize)
            add(object)
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
        lock.withLock { objects[object.key]?.stored = header.stored }
        return updated
    }

    public func remove(_ key: String) {
        let path = path(for: key)
        lock.withLock {
            if let old = objects.removeValue(forKey: key) { bytes -= old.length + Int64(Self.headerSize) }
            queues.remove(key)
            recencyChanged.remove(key)
        }
        unlink(path)
    }

    /// Removes every object whose key satisfies `matches`; returns how many.
    public func removeAll(where matches: (String) -> Bool) -> Int {
        let keys = lock.withLock { objects.keys.filter(matches) }
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
        let fits = lock.withLock { () -> Bool in
            let replaced = replacing.flatMap { objects[$0] }.map { $0.length + Int64(Self.headerSize) } ?? 0
            var projected = bytes + reserved - replaced + incoming
            var count = objects.count + (incoming > 0 && replaced == 0 ? 1 : 0)
            var shortfall = free.map { minFreeBytes - ($0 - reserved - incoming) } ?? 0
            defer { if reserve && shortfall <= 0 { reserved += incoming } }
            guard projected > maxBytes || count > maxObjects || shortfall > 0 else { return true }
            // Space that evicting every object would not free is not worth a flushed cache.
            if shortfall > bytes - replaced { return false }
            while projected > maxBytes || count > maxObjects || shortfall > 0, let key = queues.victim(except: replacing), let object = objects[key] {
                victims.append(object.path)
                objects[key] = nil
                queues.remove(key)
                recencyChanged.remove(key)
                bytes -= object.length + Int64(Self.headerSize)
                projected -= object.length + Int64(Self.headerSize)
                shortfall -= object.length + Int64(Self.headerSize)
                count -= 1
            }
            evictions += victims.count
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
