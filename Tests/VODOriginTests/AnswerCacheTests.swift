import Foundation
import Testing
import VODKit
@testable import VODOrigin

/// Answers remembered by request target (`AnswerCache`) are what the origin would answer
/// afresh: per-request parts (conditional, range, HEAD, coding) still apply, an ingest or
/// delete is seen at once, and a signed-only video is never answered to a request without a
/// valid token because one with a token was (also `ProtectionTests` in VODEdgeTests).
@Suite(.serialized) struct AnswerCacheTests {
    @Test func rememberedAnswersAreTheAnswersMadeAfresh() throws {
        let o = try OriginFixture()
        let target = "/hls/demo/video/index.m3u8"
        let first = try o.get(target)  // loaded on a worker
        let fresh = try o.get(target)  // answered on a loop, remembered
        #expect(first.status == 200 && fresh.status == 200 && fresh.body == first.body)
        for _ in 0..<3 {
            let again = try o.get(target)
            #expect(again.status == 200 && again.body == fresh.body && again.headers["ETag"] == fresh.headers["ETag"])
            #expect(again.headers.values("Access-Control-Allow-Origin").count == 1 && again.headers.values("Accept-Ranges") == ["bytes"])
        }
        // Coded for a client that takes gzip, plain for one that does not, whichever came first.
        // Coded for a client that takes gzip, plain for one that does not, whichever came first
        // (the MPD: playlists under 1 KB are not coded).
        let mpd = "/dash/demo/manifest.mpd"
        let plainMPD = try o.get(mpd), firstCoded = try o.get(mpd, [("Accept-Encoding", "gzip")])
        #expect(plainMPD.headers["Content-Encoding"] == nil && firstCoded.headers["Content-Encoding"] == "gzip" && firstCoded.body.starts(with: [0x1f, 0x8b]))
        for _ in 0..<3 {
            let coded = try o.get(mpd, [("Accept-Encoding", "gzip")])
            #expect(coded.status == 200 && coded.headers["Content-Encoding"] == "gzip" && coded.body == firstCoded.body)
            let plain = try o.get(mpd)
            #expect(plain.headers["Content-Encoding"] == nil && plain.body == plainMPD.body)
        }
        let etag = try #require(fresh.headers["ETag"])
        #expect(try o.get(target, [("If-None-Match", etag)]).status == 304)
        let range = try o.get(target, [("Range", "bytes=0-9")])
        #expect(range.status == 206 && range.body == Array(fresh.body.prefix(10)) && range.headers["Content-Range"] == "bytes 0-9/\(fresh.body.count)")
        let head = try HTTPClientConnection(host: "127.0.0.1", port: o.server.port).request("HEAD", target)
        #expect(head.status == 200 && head.body.isEmpty && head.headers["Content-Length"] == String(fresh.body.count))
        #expect(try o.get(target).body == fresh.body)
        // Not-founds too; each request is still counted.
        for _ in 0..<3 { #expect(try o.get("/hls/demo/nosuch/index.m3u8").status == 404) }
        let metrics = String(decoding: try o.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"vod_http_requests_total{route="hls",status="404"} 3"#))
        #expect(metrics.contains(#"vod_http_requests_total{route="hls",status="304"} 1"#))
    }

    @Test func anIngestOrDeleteIsSeenAtOnce() throws {
        let o = try OriginFixture()
        func delete(_ video: String) throws -> Int {
            try HTTPClientConnection(host: "127.0.0.1", port: o.server.port)
                .request("DELETE", "/ingest/\(video)", headers: [("Authorization", "Bearer \(OriginFixture.token)")]).status
        }
        for _ in 0..<3 { #expect(try o.get("/hls/demo/master.m3u8").status == 200) }
        for _ in 0..<3 { #expect(try o.get("/hls/fresh/master.m3u8").status == 404) }
        #expect(try delete("demo") == 204)
        #expect(try o.get("/hls/demo/master.m3u8").status == 404)
        let manifest = o.dir.appendingPathComponent("fresh-manifest.json")
        try Data(#"{"video": "fresh", "renditions": [{"file": "video_320.mp4", "type": "video"}]}"#.utf8).write(to: manifest)
        #expect(try o.put("/ingest/fresh/video_320.mp4", file: fixture("h264_bframes_aac.mp4")).status == 201)
        #expect(try o.put("/ingest/fresh/manifest.json", file: manifest.path).status == 201)
        #expect(try o.get("/hls/fresh/master.m3u8").status == 200)
    }

    @Test func answersLastUntilTheirCatalogEntryAndGeneration() {
        let answers = AnswerCache(maxEntries: 2)
        let playlist = HTTPResponse(status: 200, body: [.bytes(Array("#EXTM3U\n".utf8))])
        let plain = AnswerCache.Variant(gzip: false, verified: false)
        answers.remember("/hls/a/master.m3u8", plain, playlist, expires: 10, generation: 1)
        #expect(answers.answer("/hls/a/master.m3u8", plain, generation: 1, now: 9)?.body == playlist.body)
        #expect(answers.answer("/hls/a/master.m3u8", .init(gzip: true, verified: false), generation: 1, now: 9) == nil)
        #expect(answers.answer("/hls/a/master.m3u8", .init(gzip: false, verified: true), generation: 1, now: 9) == nil)
        #expect(answers.answer("/hls/a/master.m3u8", plain, generation: 1, now: 10) == nil)
        #expect(answers.answer("/hls/a/master.m3u8", plain, generation: 2, now: 9) == nil)
        answers.remember("/hls/b/master.m3u8", plain, playlist, expires: 10, generation: 1)
        answers.remember("/hls/c/master.m3u8", plain, playlist, expires: 10, generation: 1)  // full: emptied first
        #expect(answers.answer("/hls/a/master.m3u8", plain, generation: 1, now: 9) == nil)
        #expect(answers.answer("/hls/c/master.m3u8", plain, generation: 1, now: 9) != nil)
        #expect(AnswerCache.keeps(.playlist(video: "a", path: "hls/master.m3u8"), playlist))
        #expect(!AnswerCache.keeps(.cmafSegment(video: "a", track: "video", number: 1), playlist))
        #expect(AnswerCache.keeps(.cmafSegment(video: "a", track: "video", number: 1), .text(404, "no track")))
        #expect(!AnswerCache.keeps(.playlist(video: "a", path: "hls/master.m3u8"), HTTPResponse(status: 304)))
        #expect(!AnswerCache.keeps(.playlist(video: "a", path: "hls/master.m3u8"), .text(503, "key service down")))
        #expect(AnswerCache.serves("hls") && AnswerCache.serves("cmaf") && !AnswerCache.serves("healthz") && !AnswerCache.serves("mp4"))
    }
}
