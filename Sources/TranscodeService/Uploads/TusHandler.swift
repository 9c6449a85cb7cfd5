import Foundation
import VODKit

/// `/api/uploads/`: resumable uploads by tus 1.0.0 (tus.io) with the extensions creation,
/// creation-with-upload, termination, expiration and checksum (sha1, sha256), behind a
/// bearer token (`uploadTokens`). `GET /api/uploads/<id>` (not part of tus) tells the
/// uploader what became of the upload: receiving, queued, transcoding, publishing, done,
/// failed or duplicate.
public struct TusHandler: Sendable {
    public static let prefix = "/api/uploads"
    static let version = "1.0.0"
    static let extensions = "creation,creation-with-upload,termination,expiration,checksum"
    static let contentType = "application/offset+octet-stream"

    public let store: UploadStore
    let tokens: [String]

    public init(store: UploadStore, tokens: [String]) {
        self.store = store
        self.tokens = tokens.filter { !$0.isEmpty }
    }

    public static func handles(_ path: Substring) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }

    /// `/api/uploads` → nil; `/api/uploads/<id>` → id.
    static func uploadID(_ path: Substring) -> Substring?? {
        if path == prefix { return .some(nil) }
        let rest = path.dropFirst(prefix.count + 1)
        return rest.contains("/") || rest.isEmpty ? nil : .some(rest)
    }

    // MARK: Answers

    /// A tus response: `Tus-Resumable`, and what browsers may read of it.
    func response(_ status: Int, body: [UInt8] = []) -> HTTPResponse {
        var r = HTTPResponse(status: status, body: body.isEmpty ? [] : [.bytes(body)])
        r.headers.append("Tus-Resumable", Self.version)
        r.headers.append("Access-Control-Allow-Origin", "*")
        r.headers.append("Access-Control-Expose-Headers",
                         "Location, Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm")
        r.headers.append("Cache-Control", "no-store")
        return r
    }

    func response(error: UploadError) -> HTTPResponse {
        var r = response(error.status, body: Array((error.clientMessage + "\n").utf8))
        r.headers.append("Content-Type", "text/plain; charset=utf-8")
        if error == .versionNotSupported { r.headers.append("Tus-Version", Self.version) }
        if error == .unauthorized { r.headers.append("WWW-Authenticate", "Bearer") }
        return r
    }

    /// Uploads on, a valid token, tus 1.0.0: else the refusal. Returns the token's tag.
    func admit(_ head: HTTPRequestHead) throws(UploadError) -> String {
        guard !tokens.isEmpty else { throw .uploadsOff }
        guard let token = tokens.first(where: { BearerToken.presented(in: head.headers, equals: $0) }) else { throw .unauthorized }
        // GET (the status) is not a tus request and needs no Tus-Resumable.
        if head.method != "GET" && head.headers["Tus-Resumable"] != Self.version { throw .versionNotSupported }
        return String(SHA256.hex(SHA256.hash(Array(token.utf8))).prefix(16))
    }

    /// `Upload-Checksum: <algorithm> <base64>`.
    static func checksum(_ head: HTTPRequestHead) throws(UploadError) -> (MessageDigest.Algorithm, [UInt8])? {
        guard let value = head.headers["Upload-Checksum"] else { return nil }
        guard let (name, digest) = TusHeaders.checksum(value) else { throw .badRequest("Upload-Checksum must be '<algorithm> <base64>'") }
        guard let algorithm = MessageDigest.Algorithm(rawValue: name) else { throw .unsupportedChecksum(name) }
        return (algorithm, digest)
    }

    // MARK: Requests with a body (PATCH, POST with creation-with-upload)

    public func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        do throws(UploadError) {
            let tag = try admit(head)
            guard let target = Self.uploadID(head.path) else { throw .notFound }
            switch (head.method, target) {
            case ("PATCH", .some(let id)):
                let record = try store.record(id)
                return .stream(try sink(head, record: record, status: 204))
            case ("POST", nil):
                let record = try create(head, tag: tag)
                guard head.headers["Content-Type"] == Self.contentType else { return .reject(created(record)) }  // a body that is not upload data: ignored
                return .stream(try sink(head, record: record, status: 201))
            default:
                throw .badRequest("\(head.method) carries no body here")
            }
        } catch {
            return .reject(response(error: error))
        }
    }

    func sink(_ head: HTTPRequestHead, record: UploadRecord, status: Int) throws(UploadError) -> QueuedBodySink {
        guard head.headers["Content-Type"] == Self.contentType else { throw .wrongContentType }
        if status == 204 {
            guard let offset = TusHeaders.integer(head.headers["Upload-Offset"]) else { throw .badRequest("Upload-Offset is required") }
            guard offset == record.offset else { throw .offsetMismatch(expected: record.offset) }
        }
        if case .contentLength(let n) = head.framing, n > record.length - record.offset {
            throw .badRequest("the body goes past Upload-Length (\(record.length))")
        }
        let checksum = try Self.checksum(head)
        let fd = try store.openForAppend(record)
        return UploadSink.make(store: store, tus: self, record: record, fd: fd, checksum: checksum, status: status)
    }

    func create(_ head: HTTPRequestHead, tag: String) throws(UploadError) -> UploadRecord {
        if head.headers["Upload-Defer-Length"] != nil { throw .badRequest("Upload-Defer-Length is not supported: send Upload-Length") }
        guard let length = TusHeaders.integer(head.headers["Upload-Length"]) else { throw .badRequest("Upload-Length is required") }
        return try store.create(length: length, metadata: head.headers["Upload-Metadata"] ?? "", tokenTag: tag)
    }

    func created(_ record: UploadRecord) -> HTTPResponse {
        var r = response(201)
        r.headers.append("Location", "\(Self.prefix)/\(record.id)")
        r.headers.append("Upload-Offset", String(record.offset))
        r.headers.append("Upload-Expires", HTTPDate.format(Int(record.expires)))
        return r
    }

    // MARK: Requests without a body

    public func reply(to request: HTTPRequest) -> HTTPReply {
        let head = request.head
        if head.method == "OPTIONS" { return .response(options()) }
        return .deferred { [self] in  // reads and writes the spool: on a worker
            do throws(UploadError) {
                let tag = try admit(head)
                guard let target = Self.uploadID(head.path) else { throw .notFound }
                switch (head.method, target) {
                case ("POST", nil):
                    return created(try create(head, tag: tag))
                case ("HEAD", .some(let id)):
                    let record = try store.record(id)
                    var r = response(200)
                    r.headers.append("Upload-Offset", String(record.offset))
                    r.headers.append("Upload-Length", String(record.length))
                    if !record.metadata.isEmpty { r.headers.append("Upload-Metadata", record.metadata) }
                    if !record.isComplete { r.headers.append("Upload-Expires", HTTPDate.format(Int(record.expires))) }
                    return r
                case ("PATCH", .some(let id)):  // no body: nothing to append
                    let record = try store.record(id)
                    guard head.headers["Content-Type"] == Self.contentType else { throw .wrongContentType }
                    guard TusHeaders.integer(head.headers["Upload-Offset"]) == record.offset else { throw .offsetMismatch(expected: record.offset) }
                    var r = response(204)
                    r.headers.append("Upload-Offset", String(record.offset))
                    return r
                case ("DELETE", .some(let id)):
                    let record = try store.record(id)
                    let fd = try store.openForAppend(record)  // not while a PATCH writes
                    store.remove(record.id)
                    close(fd)
                    store.log("upload \(record.id): terminated by the uploader")
                    return response(204)
                case ("GET", .some(let id)):
                    var r = HTTPResponse(status: 200, body: [.bytes(APIJSON.encode(UploadStatus(try store.record(id), spool: store.spool)))])
                    r.headers.append("Content-Type", "application/json")
                    r.headers.append("Cache-Control", "no-store")
                    return r
                default:
                    var r = response(405)
                    r.headers.append("Allow", target == nil ? "POST, OPTIONS" : "HEAD, PATCH, DELETE, GET, OPTIONS")
                    return r
                }
            } catch {
                return response(error: error)
            }
        }
    }

    /// tus discovery, and the CORS preflight of a browser on another origin.
    func options() -> HTTPResponse {
        var r = response(204)
        r.headers.append("Tus-Version", Self.version)
        r.headers.append("Tus-Extension", Self.extensions)
        r.headers.append("Tus-Max-Size", String(store.limits.maxBytes))
        r.headers.append("Tus-Checksum-Algorithm", MessageDigest.Algorithm.allCases.map(\.rawValue).joined(separator: ","))
        r.headers.append("Access-Control-Allow-Methods", "POST, GET, HEAD, PATCH, DELETE, OPTIONS")
        r.headers.append("Access-Control-Allow-Headers",
                         "Authorization, Content-Type, Upload-Length, Upload-Offset, Upload-Metadata, Upload-Checksum, Upload-Defer-Length, Tus-Resumable")
        r.headers.append("Access-Control-Max-Age", "86400")
        return r
    }
}
