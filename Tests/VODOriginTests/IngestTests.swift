import Foundation
import Testing
@testable import VODKit
@testable import VODOrigin

/// `PUT /ingest/<video>/<file>` and `DELETE /ingest/<video>` against a live origin.
@Suite(.serialized) struct IngestTests {
    func manifest(_ o: OriginFixture, _ renditions: [(String, String)]) throws -> String {
        let path = o.dir.appendingPathComponent("manifest-\(UUID().uuidString).json").path
        let list = renditions.map { #"{"file": "\#($0.0)", "type": "\#($0.1)"}"# }.joined(separator: ", ")
        try Data(#"{"renditions": [\#(list)]}"#.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func leftovers(_ o: OriginFixture, _ video: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: o.media.appendingPathComponent(video).path)) ?? []).filter { $0.hasPrefix(".") }
    }

    @Test func aVideoBecomesVisibleOnlyWhenItsManifestArrivesLast() throws {
        let o = try OriginFixture()
        let video = fixture("h264_bframes_aac.mp4"), audio = fixture("audio_only.m4a")
        #expect(try o.put("/ingest/fresh/video_320.mp4", file: video).status == 201)
        let stored = o.media.appendingPathComponent("fresh/video_320.mp4").path
        #expect(FileManager.default.contents(atPath: stored) == FileManager.default.contents(atPath: video))
        // Not a video yet: no manifest.
        #expect(try o.get("/hls/fresh/master.m3u8").status == 404)
        #expect(!String(decoding: try o.get("/api/videos").body, as: UTF8.self).contains("fresh"))
        // A manifest naming a file not sent yet is refused and not kept.
        let full = try manifest(o, [("video_320.mp4", "video"), ("audio.mp4", "audio")])
        #expect(try o.put("/ingest/fresh/manifest.json", file: full).status == 409)
        #expect(try o.get("/hls/fresh/master.m3u8").status == 404)
        #expect(try o.put("/ingest/fresh/audio.mp4", file: audio).status == 201)
        #expect(try o.put("/ingest/fresh/manifest.json", file: full).status == 201)
        let master = try o.get("/hls/fresh/master.m3u8")
        #expect(master.status == 200 && String(decoding: master.body, as: UTF8.self).contains("audio/index.m3u8"))
        // Sending a file again replaces it (200).
        #expect(try o.put("/ingest/fresh/audio.mp4", file: audio).status == 200)
        #expect(leftovers(o, "fresh").isEmpty)
    }

    /// The Bearer scheme is case-insensitive (RFC 9110 11.1); an empty file with Content-Length: 0
    /// is an upload like any other (was 411).
    @Test func bearerSchemeCaseAndEmptyFiles() throws {
        let o = try OriginFixture()
        let digest = SHA256.hex(SHA256.hash([]))
        let r = try HTTPClientConnection(host: "127.0.0.1", port: o.server.port)
            .request("PUT", "/ingest/e/notes.txt", headers: [("Authorization", "bEARER \(OriginFixture.token)"), (Ingest.checksumHeader, digest)])
        #expect(r.status == 201, "\(r.status) \(String(decoding: r.body, as: UTF8.self))")
        #expect((try? FileManager.default.attributesOfItem(atPath: o.media.appendingPathComponent("e/notes.txt").path)[.size] as? Int) == 0)
        let wrong = try HTTPClientConnection(host: "127.0.0.1", port: o.server.port)
            .request("PUT", "/ingest/e/bad.txt", headers: [("Authorization", "Bearer \(OriginFixture.token)"),
                                                        (Ingest.checksumHeader, String(repeating: "0", count: 64))])
        #expect(wrong.status == 422)
    }

    @Test func tokensAreChecked() throws {
        let o = try OriginFixture()
        let video = fixture("video_only.mp4")
        let missing = try HTTPClientConnection(host: "127.0.0.1", port: o.server.port)
            .request("PUT", "/ingest/x/v.mp4", headers: [(Ingest.checksumHeader, String(repeating: "0", count: 64))], file: video)
        #expect(missing.status == 401 && missing.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try o.put("/ingest/x/v.mp4", file: video, token: "wrong").status == 401)
        #expect(try o.put("/ingest/x/v.mp4", file: video, token: OriginFixture.token + "x").status == 401)
        let delete = try HTTPClientConnection(host: "127.0.0.1", port: o.server.port).request("DELETE", "/ingest/demo", headers: [("Authorization", "Bearer nope")])
        #expect(delete.status == 401)
        #expect(!FileManager.default.fileExists(atPath: o.media.appendingPathComponent("x").path))
        #expect(try o.get("/hls/demo/master.m3u8").status == 200)
        let off = try OriginFixture(token: "")
        #expect(try off.put("/ingest/x/v.mp4", file: video, token: "").status == 403)
    }

    @Test func aWrongChecksumKeepsNothing() throws {
        let o = try OriginFixture()
        let video = fixture("video_only.mp4")
        let r = try o.put("/ingest/bad/video.mp4", file: video, sha256: String(repeating: "ab", count: 32))
        #expect(r.status == 422)
        #expect(!FileManager.default.fileExists(atPath: o.media.appendingPathComponent("bad/video.mp4").path))
        #expect(leftovers(o, "bad").isEmpty)
        #expect(try o.put("/ingest/bad/video.mp4", file: video, sha256: "not-hex").status == 400)
    }

    @Test func namesOutsideTheRulesAreRefused() throws {
        let o = try OriginFixture()
        let video = fixture("video_only.mp4")
        for target in ["/ingest/../escape/v.mp4", "/ingest/.hidden/v.mp4", "/ingest/v/.x.mp4", "/ingest/v/..", "/ingest/a%2fb/v.mp4",
                       "/ingest/v/a/b.mp4", "/ingest/v\\x/v.mp4", "/ingest//v.mp4", "/ingest/linkdir/v.mp4"] {
            let status = try o.put(target, file: video).status
            #expect(status == 400 || status == 500, "\(target): \(status)")
        }
        #expect(!FileManager.default.fileExists(atPath: o.dir.appendingPathComponent("escape").path))
        #expect(!FileManager.default.fileExists(atPath: o.dir.appendingPathComponent("outside/v.mp4.part").path))
        #expect(try String(contentsOf: o.dir.appendingPathComponent("outside/manifest.json"), encoding: .utf8).contains("v.mp4"))
    }

    @Test func largeUploadsStreamAndAbandonedOnesLeaveNothing() throws {
        let o = try OriginFixture()
        let big = o.dir.appendingPathComponent("big.bin").path
        var bytes = [UInt8](repeating: 0, count: 12 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 131 &+ i >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: big))
        #expect(try o.put("/ingest/large/video_1080.mp4", file: big).status == 201)
        #expect(FileManager.default.contents(atPath: o.media.appendingPathComponent("large/video_1080.mp4").path)?.count == bytes.count)
        // A client that leaves halfway: its temporary file goes.
        let c = try HTTPClientConnection(host: "127.0.0.1", port: o.server.port)
        c.send("PUT /ingest/large/audio.mp4 HTTP/1.1\r\nHost: o\r\nAuthorization: Bearer \(OriginFixture.token)\r\n\(Ingest.checksumHeader): \(String(repeating: "0", count: 64))\r\nContent-Length: 1000000\r\n\r\n")
        c.send(Array(bytes[0..<300_000]))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(leftovers(o, "large").count == 1)
        _ = consume c
        Thread.sleep(forTimeInterval: 0.2)
        #expect(leftovers(o, "large").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: o.media.appendingPathComponent("large/audio.mp4").path))
    }

    @Test func deleteRemovesAVideo() throws {
        let o = try OriginFixture()
        func delete(_ video: String) throws -> Int {
            try HTTPClientConnection(host: "127.0.0.1", port: o.server.port)
                .request("DELETE", "/ingest/\(video)", headers: [("Authorization", "Bearer \(OriginFixture.token)")]).status
        }
        #expect(try o.get("/hls/ladder/master.m3u8").status == 200)
        #expect(try delete("ladder") == 204)
        #expect(try o.get("/hls/ladder/master.m3u8").status == 404)
        #expect(!FileManager.default.fileExists(atPath: o.media.appendingPathComponent("ladder").path))
        #expect(try delete("demo") == 204)
        #expect(try o.get("/mp4/demo/demo.mp4").status == 404)
        #expect(try delete("demo") == 404)
        #expect(try delete("..") == 400)
        #expect(FileManager.default.fileExists(atPath: o.dir.appendingPathComponent("outside/secret.mp4").path))
    }
}
