import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HLSPackager
import VODKit

/// The replication target: `PUT /ingest/<video>/<file>`, `PUT /ingest/<video>/subtitles/<file>`
/// (a cue file, `<language>[.forced].vtt|srt`, added to a video at any time: it is read
/// first and refused with the reason if it cannot be) and `DELETE /ingest/<video>`, all with
/// `Authorization: Bearer <token>`.
///
/// A PUT carries the SHA-256 of its body (hex) in `X-Content-SHA256`. The body is
/// streamed into a hidden temporary file beside the target, hashed as it arrives,
/// then (on the worker pool) fsynced, checked, renamed into place and the directory
/// fsynced, so a file is either whole and verified or absent. The catalog only sees a
/// video once its `manifest.json` is there, and a manifest is accepted only when every
/// file it lists is already in place: the uploader sends it last.
public struct Ingest: Sendable {
    public static let checksumHeader = "X-Content-SHA256"
    public let root: String
    /// Empty: ingest is switched off (403).
    let token: String
    let files: CatalogCache
    let log: @Sendable (String) -> Void
    let metrics: Metrics

    init(root: String, token: String, files: CatalogCache, metrics: Metrics, log: @escaping @Sendable (String) -> Void) {
        self.root = root
        self.token = token
        self.files = files
        self.metrics = metrics
        self.log = log
        metrics.describe("vod_ingest_files_total", type: "counter", "Ingested files by result (stored, bad_checksum, refused, failed).")
        metrics.describe("vod_ingest_bytes_total", type: "counter", "Bytes of verified ingested files.")
        removeLeftovers()
    }

    /// `/ingest/<video>/<file>` → (video, file); `/ingest/<video>/subtitles/<cue file>` → (video,
    /// `subtitles/<cue file>`); `/ingest/<video>` → (video, nil); else nil.
    static func target(_ path: Substring) -> (video: Substring, file: Substring?)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard (3...5).contains(parts.count), parts[0].isEmpty, parts[1] == "ingest",
              MediaCatalog.isValidName(parts[2]) else { return nil }
        if parts.count == 3 { return (parts[2], nil) }
        if parts.count == 5 {
            guard MediaCatalog.isSubtitlePath(parts[3...].joined(separator: "/")) else { return nil }
            return (parts[2], parts[3...].joined(separator: "/")[...])
        }
        guard MediaCatalog.isValidName(parts[3]) else { return nil }
        return (parts[2], parts[3])
    }

    /// Decides, from the head alone, whether a PUT's body is taken; refusals never read it.
    public func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        if let refusal = authorize(head) { return .reject(refusal) }
        guard head.method == "PUT" else { return .reject(.text(405, "only PUT carries a body here")) }
        guard let (video, file) = Self.target(head.path), let file else { return .reject(refused(400, "expected /ingest/<video>/<file> or /ingest/<video>/subtitles/<language>.vtt|srt with [A-Za-z0-9._-] names")) }
        guard let expected = head.headers[Self.checksumHeader].flatMap(SHA256.digest(hex:)) else {
            return .reject(refused(400, "missing or malformed \(Self.checksumHeader) header (64 hex digits)"))
        }
        do {
            return .stream(try IngestSink(ingest: self, video: String(video), file: String(file), expected: expected))
        } catch {
            log("ingest \(video)/\(file): \(error)")
            metrics.add("vod_ingest_files_total", [("result", "failed")])
            return .reject(.text(error.errno == ENOSPC ? 507 : 500, "cannot store \(video)/\(file): \(error)"))
        }
    }

    /// Requests to `/ingest/…` without a body: DELETE of a video (a PUT with an empty body comes here too).
    public func reply(to request: HTTPRequest) -> HTTPReply {
        if let refusal = authorize(request.head) { return .response(refusal) }
        guard let (video, file) = Self.target(request.head.path) else { return .response(.text(400, "expected /ingest/<video>[/<file>]")) }
        switch (request.head.method, file) {
        case ("DELETE", nil): return delete(video: String(video))
        case ("PUT", .some) where request.head.headers["Content-Length"] == "0":
            // An empty file: the same checks as any upload, then stored.
            switch bodyHandling(for: request.head) {
            case .stream(let sink): return sink.finish()
            case .reject(let refusal): return .response(refusal)
            case .buffer: return .response(.text(500, "unexpected body handling"))
            }
        case ("PUT", .some): return .response(refused(411, "a PUT needs its body and Content-Length or chunked coding"))
        default:
            var r = HTTPResponse.text(405, "PUT /ingest/<video>/<file> or DELETE /ingest/<video>")
            r.headers.append("Allow", "PUT, DELETE")
            return .response(r)
        }
    }

    /// 401 without the right bearer token, 403 when ingest is switched off; nil when allowed.
    func authorize(_ head: HTTPRequestHead) -> HTTPResponse? {
        guard !token.isEmpty else { return refused(403, "ingest is disabled on this origin (no token configured)") }
        guard BearerToken.presented(in: head.headers, equals: token) else {
            log("ingest: \(head.method) \(head.path) refused: wrong or missing token")
            var r = refused(401, "a valid bearer token is required")
            r.headers.append("WWW-Authenticate", "Bearer realm=\"vod-ingest\"")
            return r
        }
        return nil
    }

    func refused(_ status: Int, _ why: String) -> HTTPResponse {
        metrics.add("vod_ingest_files_total", [("result", "refused")])
        return .text(status, why)
    }

    /// Moves the video out of sight at once (rename), then removes it on the worker pool.
    func delete(video: String) -> HTTPReply {
        let dir = "\(root)/\(video)"
        var removed: [String] = []
        let hidden = "\(root)/.deleting-\(video)-\(UInt64.random(in: 0...UInt64.max))"
        if rename(dir, hidden) == 0 { removed.append(hidden) }
        for ext in MediaCatalog.bareExtensions where unlink("\(root)/\(video).\(ext)") == 0 { removed.append("\(root)/\(video).\(ext)") }
        files.forget(Substring(video))
        guard !removed.isEmpty else { return .response(.text(404, "no video \(video)")) }
        log("ingest: deleted video \(video)")
        return .deferred { [removed] in
            for path in removed { try? FileManager.default.removeItem(atPath: path) }
            return HTTPResponse(status: 204)
        }
    }

    /// Temporary files of uploads cut off by a crash, and half-done deletes.
    func removeLeftovers() {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: root)) ?? [] {
            if name.hasPrefix(".deleting-") { try? fm.removeItem(atPath: "\(root)/\(name)"); continue }
            let dir = "\(root)/\(name)"
            for inner in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where inner.hasPrefix(".") && inner.hasSuffix(".part") {
                try? fm.removeItem(atPath: "\(dir)/\(inner)")
                log("ingest: removed unfinished upload \(name)/\(inner)")
            }
        }
    }
}

/// One upload in progress: a hidden `.part` file beside its target, and the running hash.
final class IngestSink: HTTPBodySink {
    let ingest: Ingest
    let video: String
    let file: String
    let expected: [UInt8]
    let dir: String
    let temporary: String
    private var fd: Int32
    private var hash: SHA256? = SHA256()
    private var received: Int64 = 0

    init(ingest: Ingest, video: String, file: String, expected: [UInt8]) throws(SystemError) {
        self.ingest = ingest
        self.video = video
        self.file = file
        self.expected = expected
        // A cue file goes into the video's `subtitles/` directory, anything else beside the manifest.
        let subdirectory = file.split(separator: "/").dropLast().first.map(String.init)
        let videoDir = "\(ingest.root)/\(video)"
        dir = subdirectory.map { "\(videoDir)/\($0)" } ?? videoDir
        for d in [videoDir, dir] {
            if mkdir(d, 0o755) != 0 && errno != EEXIST { throw SystemError("mkdir \(d)") }
            // A symlinked directory could lead outside the root: refuse anything but a real directory.
            var st = stat()
            guard lstat(d, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw SystemError("\(d) is not a directory", errno: ENOTDIR) }
        }
        temporary = "\(dir)/.\(file.split(separator: "/").last ?? "").\(UInt64.random(in: 0...UInt64.max)).part"
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw SystemError("create \(video)/\(file)") }
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse? {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let error = SystemError("write \(video)/\(file)")
                ingest.log("ingest: \(error)")
                ingest.metrics.add("vod_ingest_files_total", [("result", "failed")])
                return .text(error.errno == ENOSPC ? 507 : 500, "cannot store \(video)/\(file): \(error)")
            }
            done += n
        }
        hash!.update(bytes)
        received += Int64(bytes.count)
        return nil
    }

    func finish() -> HTTPReply {
        let digest = hash.take()!.finish()
        let name = String(file.split(separator: "/").last ?? "")
        let (fd, temporary, dir, target, video, file, ingest, received) = (fd, temporary, dir, "\(dir)/\(name)", video, file, ingest, received)
        self.fd = -1  // the deferred work owns it now
        guard BearerToken.constantTimeEquals(digest, expected) else {
            close(fd)
            unlink(temporary)
            ingest.log("ingest: \(video)/\(file): checksum mismatch (got \(SHA256.hex(digest)), \(received) bytes): discarded")
            ingest.metrics.add("vod_ingest_files_total", [("result", "bad_checksum")])
            return .response(.text(422, "SHA-256 of the body is \(SHA256.hex(digest)), not \(SHA256.hex(expected)): nothing kept"))
        }
        return .deferred {
            defer { close(fd) }
            if file == "manifest.json", let missing = Self.missingRendition(manifest: temporary, dir: dir) {
                unlink(temporary)
                ingest.metrics.add("vod_ingest_files_total", [("result", "refused")])
                return .text(409, "manifest.json refused: \(missing); send every file it lists first")
            }
            if file.hasPrefix("\(MediaCatalog.subtitleDirectory)/"), let problem = Self.unreadableCues(temporary, name: name) {
                unlink(temporary)
                ingest.metrics.add("vod_ingest_files_total", [("result", "refused")])
                return .text(422, "\(file) refused: \(problem)")
            }
            let existed = access(target, F_OK) == 0
            guard fsync(fd) == 0, rename(temporary, target) == 0 else {
                let error = SystemError("store \(video)/\(file)")
                unlink(temporary)
                ingest.log("ingest: \(error)")
                ingest.metrics.add("vod_ingest_files_total", [("result", "failed")])
                return .text(500, "cannot store \(video)/\(file): \(error)")
            }
            let dirFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dirFD >= 0 { fsync(dirFD); close(dirFD) }  // the rename itself survives a crash
            ingest.files.forget(Substring(video))
            ingest.metrics.add("vod_ingest_files_total", [("result", "stored")])
            ingest.metrics.add("vod_ingest_bytes_total", [], Double(received))
            ingest.log("ingest: stored \(video)/\(file) (\(received) bytes, sha256 \(SHA256.hex(digest)))")
            return .text(existed ? 200 : 201, "stored \(video)/\(file) \(received) bytes")
        }
    }

    func cancel() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporary)
    }

    /// Why a cue file cannot be served (nil when it can): refused at the door instead of
    /// being left out of the video later.
    static func unreadableCues(_ path: String, name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return "unreadable" }
        do { _ = try SubtitleTrack.sidecar(fileName: name, bytes: [UInt8](data)) } catch { return error.description }
        return nil
    }

    /// Why a manifest cannot be published yet (unreadable, or a listed file absent), nil if it can.
    static func missingRendition(manifest: String, dir: String) -> String? {
        guard let data = LocalFiles.contents(manifest, limit: MediaCatalog.manifestLimit) else { return "unreadable, or over \(MediaCatalog.manifestLimit) bytes" }
        do {
            for name in try MediaCatalog.listedFiles(inManifest: data) {
                var st = stat()
                guard lstat("\(dir)/\(name)", &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return "\(name) is not here" }
            }
        } catch { return "\(error)" }
        return nil
    }
}
