import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import TranscodeService
@testable import VODKit

/// A spool with the status and upload listener in front of it (no transcoding).
final class UploadFixture: @unchecked Sendable {
    let dir: String
    let spool: Spool
    let store: UploadStore
    let server: HTTPServer
    static let token = "upload-token"

    init(limits: UploadLimits = UploadLimits(maxBytes: 10 << 20, expirySeconds: 3600, maxActive: 10, maxPerToken: 5), tokens: [String] = [token]) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("uploads-\(UUID().uuidString)").path
        spool = try Spool(root: dir, worker: "test", log: { _ in })
        store = try UploadStore(spool: spool, limits: limits, log: { _ in })
        var c = HTTPServer.Config()
        c.port = 0
        c.loops = 1
        c.shutdownGraceSeconds = 0.5  // event streams never end by themselves
        server = try HTTPServer(config: c, handler: StatusHandler(spool: spool, uploads: TusHandler(store: store, tokens: tokens)))
        server.start()
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func request(_ method: String, _ target: String, _ headers: [(String, String)] = [], body: [UInt8] = [], token: String? = token,
                 tus: Bool = true) throws -> HTTPClientConnection.Response {
        var all = headers
        if let token { all.append(("Authorization", "Bearer \(token)")) }
        if tus { all.append(("Tus-Resumable", "1.0.0")) }
        return try HTTPClientConnection(host: "127.0.0.1", port: server.port, timeoutSeconds: 10).request(method, target, headers: all, body: body)
    }

    func create(length: Int, filename: String = "movie.mp4") throws -> String {
        let r = try request("POST", "/api/uploads", [("Upload-Length", String(length)), ("Upload-Metadata", "filename \(Data(filename.utf8).base64EncodedString())")])
        #expect(r.status == 201, "\(r.status) \(String(decoding: r.body, as: UTF8.self))")
        return r.headers["Location"] ?? ""
    }

    func patch(_ location: String, offset: Int, _ bytes: [UInt8], _ extra: [(String, String)] = []) throws -> HTTPClientConnection.Response {
        try request("PATCH", location, [("Upload-Offset", String(offset)), ("Content-Type", "application/offset+octet-stream")] + extra, body: bytes)
    }

    func offset(_ location: String) throws -> Int? { try request("HEAD", location).headers["Upload-Offset"].flatMap { Int($0) } }

    /// Waits for a complete upload to be queued (hashed and renamed into incoming/).
    func queued(_ location: String) -> UploadStatus? {
        for _ in 0..<200 {
            if let r = try? request("GET", location, tus: false), let status = APIJSON.decode(UploadStatus.self, r.body), status.job != nil { return status }
            usleep(20_000)
        }
        return nil
    }
}

@Suite struct UploadProtocolTests {
    static let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13 ^ ($0 >> 7)) }

    @Test func anUploadInChunksLandsInIncomingWhole() throws {
        let f = try UploadFixture()
        let options = try f.request("OPTIONS", "/api/uploads", token: nil, tus: false)
        #expect(options.status == 204 && options.headers["Tus-Version"] == "1.0.0" && options.headers["Tus-Max-Size"] == String(10 << 20))
        #expect(options.headers["Tus-Extension"]?.contains("creation-with-upload") == true && options.headers["Tus-Checksum-Algorithm"] == "sha1,sha256")
        let location = try f.create(length: Self.bytes.count, filename: "../../etc/\u{1}evil\n.mp4")
        #expect(try f.offset(location) == 0)
        let head = try f.request("HEAD", location)
        #expect(head.status == 200 && head.headers["Upload-Length"] == String(Self.bytes.count) && head.headers["Cache-Control"] == "no-store")
        var offset = 0
        for size in [100_000, 150_000, 50_000] {
            let chunk = Array(Self.bytes[offset..<(offset + size)])
            let r = try f.patch(location, offset: offset, chunk)
            #expect(r.status == 204 && r.headers["Upload-Offset"] == String(offset + size) && r.headers["Tus-Resumable"] == "1.0.0")
            offset += size
        }
        let status = try #require(f.queued(location))
        // The name is made safe: no directories, no control characters, not hidden.
        #expect(status.state == .queued && status.job?.count == 20)
        let name = try #require(FileManager.default.contentsOfDirectory(atPath: f.spool.incoming).first)
        #expect(name == "evil.mp4", "\(name)")
        #expect(FileManager.default.contents(atPath: "\(f.spool.incoming)/\(name)") == Data(Self.bytes))
        #expect(status.job == String(SHA256.hex(SHA256.hash(Self.bytes)).prefix(20)))
    }

    @Test func everyRefusalHasItsStatus() throws {
        let f = try UploadFixture()
        let metadata = ("Upload-Metadata", "filename \(Data("a.mp4".utf8).base64EncodedString())")
        #expect(try f.request("POST", "/api/uploads", [("Upload-Length", "10"), metadata], tus: false).status == 412)
        #expect(try f.request("POST", "/api/uploads", [("Upload-Length", "10"), metadata], token: nil).status == 401)
        #expect(try f.request("POST", "/api/uploads", [("Upload-Length", "10"), metadata], token: "wrong").status == 401)
        #expect(try f.request("POST", "/api/uploads", [("Upload-Length", String(11 << 20)), metadata]).status == 413)
        #expect(try f.request("POST", "/api/uploads", [metadata]).status == 400)  // no length
        #expect(try f.request("POST", "/api/uploads", [("Upload-Length", "10")]).status == 400)  // no file name
        let location = try f.create(length: 10)
        #expect(try f.request("PATCH", location, [("Upload-Offset", "0"), ("Content-Type", "text/plain")], body: [1]).status == 415)
        #expect(try f.patch(location, offset: 3, [1, 2]).status == 409)
        #expect(try f.patch(location, offset: 0, Array(repeating: 1, count: 11)).status == 400)  // past Upload-Length
        // A checksum that does not match: 460, and the chunk is not kept.
        let wrong = Data(repeating: 0, count: 20).base64EncodedString()
        #expect(try f.patch(location, offset: 0, [1, 2, 3], [("Upload-Checksum", "sha1 \(wrong)")]).status == 460)
        #expect(try f.offset(location) == 0)
        #expect(try f.patch(location, offset: 0, [1, 2, 3], [("Upload-Checksum", "md5 \(wrong)")]).status == 400)
        // Matching checksums in both algorithms are taken.
        var d = MessageDigest(.sha1)
        [UInt8]([1, 2, 3]).withUnsafeBytes { d.update($0) }
        let digest = d.finish()
        // SHA-1 of 01 02 03, as `printf '\x01\x02\x03' | sha1sum` gives it.
        #expect(SHA256.hex(digest) == "7037807198c22a7d2b0807371d763779a84fdfcf")
        #expect(try f.patch(location, offset: 0, [1, 2, 3], [("Upload-Checksum", "sha1 \(Data(digest).base64EncodedString())")]).status == 204)
        let sha256 = Data(SHA256.hash([4, 5])).base64EncodedString()
        #expect(try f.patch(location, offset: 3, [4, 5], [("Upload-Checksum", "sha256 \(sha256)")]).status == 204)
        #expect(try f.offset(location) == 5)
        // Termination: gone, then unknown.
        #expect(try f.request("DELETE", location).status == 204)
        #expect(try f.request("HEAD", location).status == 404)
        #expect(try f.request("HEAD", "/api/uploads/not-an-id").status == 404)
        // Uploads switched off.
        let off = try UploadFixture(tokens: [])
        #expect(try off.request("POST", "/api/uploads", [("Upload-Length", "10"), metadata]).status == 403)
    }

    @Test func expiredUploadsAreGoneAndCapsHold() throws {
        let f = try UploadFixture(limits: UploadLimits(maxBytes: 1 << 20, expirySeconds: 0.3, maxActive: 3, maxPerToken: 2))
        let first = try f.create(length: 100)
        _ = try f.create(length: 100)
        // A third unfinished upload for the same token is refused (the cap), as is a fourth in all.
        let metadata = ("Upload-Metadata", "filename \(Data("a.mp4".utf8).base64EncodedString())")
        #expect(try f.request("POST", "/api/uploads", [("Upload-Length", "100"), metadata]).status == 429)
        usleep(400_000)
        #expect(try f.request("HEAD", first).status == 410)
        #expect(try f.request("HEAD", first).status == 404)
        #expect(try f.request("POST", "/api/uploads", [("Upload-Length", "100"), metadata]).status == 201)  // expired ones do not count
    }

    @Test func creationWithUploadAndTwoPatchesAtOnce() throws {
        let f = try UploadFixture()
        let metadata = ("Upload-Metadata", "filename \(Data("b.mp4".utf8).base64EncodedString())")
        let r = try f.request("POST", "/api/uploads", [("Upload-Length", "200000"), metadata, ("Content-Type", "application/offset+octet-stream")],
                              body: Array(repeating: 7, count: 1000))
        #expect(r.status == 201 && r.headers["Upload-Offset"] == "1000")
        let location = try #require(r.headers["Location"])
        // A PATCH that sends its head and part of its body, then waits: a second one is refused.
        let slow = try HTTPClientConnection(host: "127.0.0.1", port: f.server.port)
        slow.send("PATCH \(location) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(UploadFixture.token)\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 1000\r\n"
                  + "Content-Type: application/offset+octet-stream\r\nContent-Length: 199000\r\n\r\n")
        slow.send(Array(repeating: 8, count: 5000))
        usleep(200_000)
        #expect(try f.patch(location, offset: 1000, [9]).status == 423)
        slow.send(Array(repeating: 8, count: 194_000))
        #expect(try slow.readResponse().status == 204)
        #expect(try f.offset(location) == 200_000)
    }

    @Test func aCutPatchKeepsWhatArrived() throws {
        let f = try UploadFixture()
        let location = try f.create(length: 100_000)
        do {
            let c = try HTTPClientConnection(host: "127.0.0.1", port: f.server.port)
            c.send("PATCH \(location) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(UploadFixture.token)\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                   + "Content-Type: application/offset+octet-stream\r\nContent-Length: 100000\r\n\r\n")
            c.send(Array(repeating: 5, count: 30_000))
            usleep(200_000)
        }  // the connection closes midway
        var kept: Int?
        for _ in 0..<100 where kept != 30_000 {
            kept = try f.offset(location)
            usleep(20_000)
        }
        #expect(kept == 30_000)
        #expect(try f.patch(location, offset: 30_000, Array(repeating: 6, count: 70_000)).status == 204)
        _ = try #require(f.queued(location))
    }
}

/// `/api/jobs/events`: Server-Sent Events for every change in the spool, resumable with Last-Event-ID.
@Suite struct JobEventsTests {
    struct Enough: Error {}

    /// Reads the event stream until `done` says so (or 10 s pass); returns the text read.
    func read(_ f: UploadFixture, lastEventID: Int? = nil, until done: @escaping (String) -> Bool) throws -> (head: HTTPClientConnection.Head, text: String) {
        let c = try HTTPClientConnection(host: "127.0.0.1", port: f.server.port, timeoutSeconds: 10)
        c.send("GET", "/api/jobs/events", headers: lastEventID.map { [("Last-Event-ID", String($0))] } ?? [])
        let head = try c.readHead()
        var text = ""
        do {
            try c.readBody(head) { bytes in
                text += String(decoding: bytes, as: UTF8.self)
                if done(text) { throw Enough() }
            }
        } catch is Enough {}
        return (head, text)
    }

    @Test func changesArriveAsEventsAndReconnectsResume() throws {
        let f = try UploadFixture()
        let first = try f.create(length: 10)
        let id = String(first.split(separator: "/").last ?? "")
        // A new subscriber gets the state now: the upload, receiving.
        let (head, snapshot) = try read(f) { $0.contains("\"key\":\"upload:\(id)\"") }
        #expect(head.headers["Content-Type"] == "text/event-stream" && head.chunked)
        #expect(snapshot.hasPrefix("retry: 2000\n\n") && snapshot.contains("\"state\":\"receiving\""))
        let lastID = Int(snapshot.components(separatedBy: "id: ").last?.prefix { $0.isNumber } ?? "") ?? 0
        // Bytes arrive and the upload completes: events say so, in order, to a subscriber that resumes.
        #expect(try f.patch(first, offset: 0, Array(repeating: 1, count: 10)).status == 204)
        let (_, later) = try read(f, lastEventID: lastID) { $0.contains("\"state\":\"queued\"") && $0.contains("\"job\":") }
        #expect(!later.contains("\"state\":\"receiving\",") || later.contains("\"offset\":10"), "\(later)")
        #expect(later.contains("\"key\":\"incoming:movie.mp4\""), "\(later)")
        let ids = later.components(separatedBy: "\n").compactMap { $0.hasPrefix("id: ") ? Int($0.dropFirst(4)) : nil }
        #expect(!ids.isEmpty && ids.allSatisfy { $0 > lastID } && ids == ids.sorted(), "\(ids) after \(lastID): \(later)")
    }
}

@Suite struct StatusListenerTests {
    @Test func stoppingEndsEventStreamsAtOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("listener-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = TranscoderConfig()
        config.spool = dir
        config.listen = "127.0.0.1:0"
        let listener = try #require(try StatusListener.serve(config, worker: try TranscodeWorker(config: config, log: { _ in })))
        let c = try HTTPClientConnection(host: "127.0.0.1", port: listener.server.port, timeoutSeconds: 10)
        c.send("GET", "/api/jobs/events")
        let head = try c.readHead()
        #expect(head.status == 200)
        let reader = Thread {
            // The stream ends properly (its last chunk), not by a reset.
            #expect((try? c.readBody(head) { _ in }) != nil)
        }
        reader.start()
        Thread.sleep(forTimeInterval: 0.2)
        let start = Date()
        listener.stop()
        // It once waited out the whole shutdown grace (10 s) for every open stream.
        #expect(Date().timeIntervalSince(start) < 2)
    }
}
