import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// What uploads may do (transcoder config keys of the same names).
public struct UploadLimits: Sendable, Equatable {
    public var maxBytes: Int64
    public var expirySeconds: Double
    public var maxActive: Int
    public var maxPerToken: Int
    /// Profiles an upload may name (`profile` in its metadata), and the one it gets otherwise.
    public var profiles: [String]
    public var defaultProfile: String
    public init(maxBytes: Int64, expirySeconds: Double, maxActive: Int, maxPerToken: Int, profiles: [String] = [Profile.defaultName],
                defaultProfile: String = Profile.defaultName) {
        self.profiles = profiles
        self.defaultProfile = defaultProfile
        self.maxBytes = maxBytes
        self.expirySeconds = expirySeconds
        self.maxActive = maxActive
        self.maxPerToken = maxPerToken
    }
}

/// Resumable uploads in the spool: `uploads/<id>/data.part` and `info.json` beside it.
/// Every acknowledged offset is durable (data fsynced, then the record rewritten and
/// fsynced); a PATCH cut off midway keeps what arrived. When the last byte is in, the file
/// is hashed (its job id), and renamed into `incoming/` under its uploader's file name made
/// safe, where the watcher takes it as any dropped file, unless a video of the same content
/// is already published (then the upload is that video's duplicate and its bytes go).
public final class UploadStore: Sendable {
    public let root: String
    let spool: Spool
    public let limits: UploadLimits
    let log: @Sendable (String) -> Void
    /// Uploads being finished (hashed and queued) by this process.
    private let finishing = Mutex<Set<String>>([])

    public init(spool: Spool, limits: UploadLimits, log: @escaping @Sendable (String) -> Void) throws {
        self.spool = spool
        self.limits = limits
        self.log = log
        root = "\(spool.root)/uploads"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func dir(_ id: String) -> String { "\(root)/\(id)" }
    func dataPath(_ id: String) -> String { "\(root)/\(id)/data.part" }

    /// 32 lowercase hex digits.
    static func isValidID(_ id: Substring) -> Bool { id.utf8.count == 32 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } }

    // MARK: Creating and reading

    public func create(length: Int64, metadata: String, tokenTag: String, now: Double = Date().timeIntervalSince1970) throws(UploadError) -> UploadRecord {
        guard length >= 0 else { throw .badRequest("Upload-Length must be a non-negative integer") }
        guard length <= limits.maxBytes else { throw .tooLarge(max: limits.maxBytes) }
        let fields = TusHeaders.metadata(metadata)
        guard let filename = fields["filename"], !filename.isEmpty else { throw .badRequest("Upload-Metadata must name the file (filename)") }
        let profile = fields["profile"] ?? limits.defaultProfile
        guard limits.profiles.contains(profile) else {
            throw .badRequest("unknown profile \"\(profile)\" in Upload-Metadata (known: \(limits.profiles.joined(separator: ", ")))")
        }
        let active = unfinished(now: now)
        guard active.count < limits.maxActive else { throw .tooMany("too many unfinished uploads (\(limits.maxActive)); finish or delete some") }
        guard active.filter({ $0.tokenTag == tokenTag }).count < limits.maxPerToken else {
            throw .tooMany("too many unfinished uploads for this token (\(limits.maxPerToken))")
        }
        let id = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max)) }.joined()
        guard mkdir(dir(id), 0o755) == 0 else { throw .storage("cannot create \(id): \(String(cString: strerror(errno)))") }
        let fd = open(dataPath(id), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .storage("cannot create \(id)/data.part") }
        close(fd)
        var record = UploadRecord(id: id, length: length, offset: 0, metadata: metadata, filename: filename, title: fields["title"], tokenTag: tokenTag,
                                  created: now, expires: now + limits.expirySeconds)
        record.profile = profile
        try save(record)
        Self.syncDirectory(root)
        log("upload \(id): created for \(TusHeaders.safeFileName(filename)) (\(length) bytes)")
        return record
    }

    /// The upload's record; 404 for an unknown id, 410 (and removed) for an expired one.
    public func record(_ id: Substring, now: Double = Date().timeIntervalSince1970) throws(UploadError) -> UploadRecord {
        guard Self.isValidID(id), let record = JSONDecoder.read(UploadRecord.self, at: "\(dir(String(id)))/info.json") else { throw .notFound }
        if !record.isComplete && record.expires < now {
            remove(record.id)
            throw .expired
        }
        return record
    }

    /// Rewrites the record durably: a temporary file, fsync, rename, fsync of the directory.
    func save(_ record: UploadRecord) throws(UploadError) {
        let path = "\(dir(record.id))/info.json", temporary = "\(dir(record.id))/.info.json.tmp"
        let data = JSONEncoder.spoolDocument(record)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .storage("cannot write the record of \(record.id)") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, path) == 0 else { throw .storage("cannot write the record of \(record.id)") }
        Self.syncDirectory(dir(record.id))
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    public func remove(_ id: String) {
        try? FileManager.default.removeItem(atPath: dir(id))
    }

    /// Every upload not yet complete and not expired.
    func unfinished(now: Double) -> [UploadRecord] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { id in
            guard let r = JSONDecoder.read(UploadRecord.self, at: "\(dir(id))/info.json"), !r.isComplete, r.expires >= now else { return nil }
            return r
        }
    }

    /// Removes unfinished uploads past their expiry, and finishes complete ones a crash left unqueued.
    public func sweep(now: Double = Date().timeIntervalSince1970) {
        for id in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            guard let r = JSONDecoder.read(UploadRecord.self, at: "\(dir(id))/info.json") else {
                // A directory without a record (a crash while creating it) older than a minute.
                var st = stat()
                if stat(dir(id), &st) == 0, now - Double(st.st_mtim.tv_sec) > 60 { remove(id) }
                continue
            }
            if !r.isComplete && r.expires < now {
                remove(id)
                log("upload \(id): expired unfinished at \(r.offset) of \(r.length) bytes: removed")
            } else if r.isComplete && r.job == nil {
                finish(id)
            }
        }
    }

    // MARK: Appending

    /// The data file opened for writing at the record's offset, locked against any other
    /// writer (in this process or another sharing the spool): 423 while one is at work.
    func openForAppend(_ record: UploadRecord) throws(UploadError) -> Int32 {
        let fd = open(dataPath(record.id), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .notFound }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .locked
        }
        // Bytes past the acknowledged offset (a PATCH cut off by a kill) are not the uploader's: drop them.
        guard ftruncate(fd, off_t(record.offset)) == 0 else {
            close(fd)
            throw .storage("cannot truncate \(record.id)")
        }
        return fd
    }

    /// Makes `offset` durable: the data fsynced, then the record. Pushes the expiry back.
    func acknowledge(_ record: UploadRecord, offset: Int64, fd: Int32, now: Double = Date().timeIntervalSince1970) throws(UploadError) -> UploadRecord {
        guard fsync(fd) == 0 else { throw .storage("fsync of \(record.id) failed: \(String(cString: strerror(errno)))") }
        var updated = record
        updated.offset = offset
        updated.expires = now + limits.expirySeconds
        try save(updated)
        return updated
    }

    // MARK: Finishing

    /// Hashes a complete upload, then queues it in `incoming/` (or records it as the duplicate
    /// of a published video). Runs off the request path: the last 204 does not wait for it.
    public func finish(_ id: String) {
        guard finishing.withLock({ $0.insert(id).inserted }) else { return }
        defer { _ = finishing.withLock { $0.remove(id) } }
        guard var record = JSONDecoder.read(UploadRecord.self, at: "\(dir(id))/info.json"), record.isComplete, record.job == nil else { return }
        guard let digest = FileDigest.sha256(path: dataPath(id)) else { return log("upload \(id): cannot read its data to hash it") }
        let profile = record.profile ?? Profile.defaultName
        let job = Profile.jobID(sha256: digest.hex, profile: profile)
        record.job = job
        record.finishedAt = Date().timeIntervalSince1970
        if FileManager.default.fileExists(atPath: "\(spool.done)/\(job).json") {
            record.duplicateOf = job
            unlink(dataPath(id))
            log("upload \(id): same content as published video \(job): not transcoded again")
        } else {
            // Another profile's uploads go to its sub-folder of incoming/, where the spool reads the profile from.
            let folder = profile == limits.defaultProfile ? spool.incoming : "\(spool.incoming)/\(profile)"
            if folder != spool.incoming { mkdir(folder, 0o755) }
            let name = (folder == spool.incoming ? "" : "\(profile)/") + uniqueIncomingName(TusHeaders.safeFileName(record.filename), id: id, in: folder)
            guard rename(dataPath(id), "\(spool.incoming)/\(name)") == 0 else { return log("upload \(id): cannot move into incoming/: \(String(cString: strerror(errno)))") }
            Self.syncDirectory(folder)
            record.queuedAs = name
            log("upload \(id): complete (\(record.length) bytes, job \(job)): queued as incoming/\(name)")
        }
        try? save(record)
    }

    func uniqueIncomingName(_ name: String, id: String, in folder: String) -> String {
        guard FileManager.default.fileExists(atPath: "\(folder)/\(name)") else { return name }
        let ext = (name as NSString).pathExtension, stem = (name as NSString).deletingPathExtension
        return "\(stem)-\(id.prefix(8))" + (ext.isEmpty ? "" : ".\(ext)")
    }
}
