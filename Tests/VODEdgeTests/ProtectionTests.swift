import Foundation
import Synchronization
import HLSPackager
import TestSupport
import Testing
@testable import VODEdge
@testable import VODKit
@testable import VODOrigin

/// An origin and an edge sharing a signing-keys file, over three videos: `demo` (public,
/// clear), `secret` (`"access": "signed"`, cenc) and `aes` (public, AES-128).
final class ProtectionFixture: @unchecked Sendable {
    let dir: URL
    let origin: HTTPServer
    let originHandler: CountingOrigin
    let edge: HTTPServer
    let keys = SigningKeys(keys: [.init(id: "k1", secret: String(repeating: "ab", count: 32)), .init(id: "k2", secret: String(repeating: "cd", count: 32))])

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("protection-\(UUID().uuidString)")
        let media = dir.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: twelveSeconds, toPath: media.appendingPathComponent("demo.mp4").path)
        for (video, extra) in [("secret", #","access":"signed","encryption":"cenc""#), ("aes", #","encryption":"aes-128""#)] {
            let d = media.appendingPathComponent(video)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: twelveSeconds, toPath: d.appendingPathComponent("video.mp4").path)
            try Data(#"{"video":"\#(video)","renditions":[{"file":"video.mp4","type":"video"}]\#(extra)}"#.utf8).write(to: d.appendingPathComponent("manifest.json"))
        }
        let policy = ProtectionPolicy(keys: try ContentKeys(secretHex: String(repeating: "5a", count: 16), serviceURL: "", cacheSeconds: 60))
        originHandler = CountingOrigin(OriginRouter(catalog: try MediaCatalog(root: media.path), cache: MediaSetCache(capacity: 8, targetDuration: 2, protection: policy),
                                                    signing: URLSigning(keys: keys, trustForwardedFor: true)))
        origin = try TranscoderProxyTests.server(originHandler)
        var config = EdgeConfig()
        config.origins = ["http://127.0.0.1:\(origin.port)"]
        config.cacheDir = dir.appendingPathComponent("cache").path
        let store = CacheStore(dir: config.cacheDir, maxBytes: 64 << 20, maxObjects: 1000, log: { _ in })
        store.rebuildIndex()
        let set = OriginSet(try config.upstreams(), pool: HTTPClientPool(timeoutSeconds: 2, connectTimeoutMilliseconds: 500), downSeconds: 5)
        edge = try TranscoderProxyTests.server(EdgeRouter(config: config, store: store, origins: set, metrics: Metrics(), signingKeys: keys, log: { _ in }))
    }

    deinit {
        edge.stop()
        origin.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    func token(_ scope: String, key: String = "k1", expiresIn: Int64 = 600, ip: String? = nil, secret: String? = nil) -> String {
        let secretBytes = Hex.decode(secret ?? keys.keys.first { $0.id == key }!.secret)!
        return URLToken(keyID: key, expires: Int64(Date().timeIntervalSince1970) + expiresIn, ip: ip, scope: scope).signed(secret: secretBytes)
    }

    func get(_ port: UInt16, _ target: String) throws -> HTTPClientConnection.Response {
        try HTTPClientConnection(host: "127.0.0.1", port: port).request("GET", target)
    }
}

@Suite(.serialized) struct ProtectionTests {
    @Test func tokensAreCheckedOnEdgeAndOrigin() throws {
        let f = try ProtectionFixture()
        let path = "/hls/secret/master.m3u8"
        let cases: [(String, String, Int)] = [
            ("valid", "/t/\(f.token("secret"))\(path)", 200),
            ("query form", "\(path)?token=\(f.token("secret"))", 200),
            ("rotated key", "/t/\(f.token("secret", key: "k2"))\(path)", 200),
            ("bound to this address", "/t/\(f.token("secret", ip: "127.0.0.1"))\(path)", 200),
            ("path prefix", "/t/\(f.token("/hls/secret/"))\(path)", 200),
            ("no token", path, 403),
            ("expired", "/t/\(f.token("secret", expiresIn: -5))\(path)", 403),
            ("wrong secret", "/t/\(f.token("secret", secret: String(repeating: "ef", count: 32)))\(path)", 403),
            ("unknown key", "/t/\(f.token("secret", key: "k9", secret: String(repeating: "ab", count: 32)))\(path)", 403),
            ("another video", "/t/\(f.token("demo"))\(path)", 403),
            ("another address", "/t/\(f.token("secret", ip: "203.0.113.7"))\(path)", 403),
            ("malformed", "/t/not-a-token\(path)", 400),
        ]
        for (name, target, status) in cases {
            let before = f.originHandler.count(path)
            #expect(try f.get(f.edge.port, target).status == status, "edge, \(name)")
            if status != 200 { #expect(f.originHandler.count(path) == before, "edge, \(name): a refused request reached the origin") }
            #expect(try f.get(f.origin.port, target).status == status, "origin, \(name)")
        }
        // Tampering with the video id inside the token breaks its MAC.
        let good = f.token("secret")
        let halves = good.split(separator: ".")
        let message = String(decoding: Base64URL.decode(halves[0])!, as: UTF8.self).replacingOccurrences(of: "|secret", with: "|demo")
        #expect(try f.get(f.edge.port, "/t/\(Base64URL.encode(Array(message.utf8))).\(halves[1])/hls/demo/master.m3u8").status == 403)
        // A public video needs no token; a token for it is still checked.
        #expect(try f.get(f.edge.port, "/hls/demo/master.m3u8").status == 200)
        #expect(try f.get(f.edge.port, "/t/\(f.token("demo", expiresIn: -1))/hls/demo/master.m3u8").status == 403)
        // The refusal says why.
        #expect(String(decoding: try f.get(f.edge.port, "/t/\(f.token("secret", expiresIn: -5))\(path)").body, as: UTF8.self).contains("expired"))
    }

    @Test func aCachedSignedObjectGoesOnlyToSignedRequests() throws {
        let f = try ProtectionFixture()
        let signed = try f.get(f.edge.port, "/t/\(f.token("secret"))/cmaf/secret/video/1.m4s")
        #expect(signed.status == 200)
        #expect(try f.get(f.edge.port, "/t/\(f.token("secret", key: "k2"))/cmaf/secret/video/1.m4s").headers["X-Cache"] == "HIT")
        let unsigned = try f.get(f.edge.port, "/cmaf/secret/video/1.m4s")
        #expect(unsigned.status == 403)
        #expect(unsigned.body != signed.body)
    }

    @Test func keysOnlyWithATokenAndNeverCached() throws {
        let f = try ProtectionFixture()
        let media = String(decoding: try f.get(f.edge.port, "/hls/aes/video/index.m3u8").body, as: UTF8.self)
        let keyLine = try #require(media.split(separator: "\n").first { $0.hasPrefix("#EXT-X-KEY:METHOD=AES-128,URI=\"../../../key/aes/") })
        #expect(keyLine.contains(",IV=0x"))
        #expect(media.range(of: "#EXT-X-MAP")!.lowerBound < media.range(of: "#EXT-X-KEY")!.lowerBound)
        let uri = String(keyLine.split(separator: "\"")[1].dropFirst(9))  // "../../../" → root
        #expect(try f.get(f.edge.port, "/" + uri).status == 403)
        let key = try f.get(f.edge.port, "/t/\(f.token("aes"))/" + uri)
        #expect(key.status == 200 && key.body.count == 16)
        #expect(key.headers["Cache-Control"] == "private, no-store")
        #expect(try f.get(f.edge.port, "/t/\(f.token("aes"))/" + uri).headers["X-Cache"] != "HIT")
        // Whole files and DASH of an AES-128 video are refused; its segments are not the clear ones.
        #expect(try f.get(f.edge.port, "/mp4/aes/video.mp4").status == 403)
        #expect(try f.get(f.edge.port, "/dash/aes/manifest.mpd").status == 403)
        #expect(try f.get(f.edge.port, "/cmaf/aes/video/1.m4s").body != (try f.get(f.edge.port, "/cmaf/demo/video/1.m4s").body))
    }

    /// ffmpeg plays the AES-128 HLS through the edge with a signed URL (it fetches the key),
    /// every frame of the source.
    @Test func ffmpegDecodesAES128HLSThroughTheEdge() throws {
        let f = try ProtectionFixture()
        for kind in ["hls", "hls-ts"] {
            let url = "http://127.0.0.1:\(f.edge.port)/t/\(f.token("aes"))/\(kind)/aes/master.m3u8"
            let result = try runProgram(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", url])
            #expect(result.status == 0)
            #expect(String(decoding: result.output, as: UTF8.self).split(separator: "\n").first.map(String.init) == "300", "\(kind): \(String(decoding: result.output, as: UTF8.self))")
            let decoded = try runProgram(["ffmpeg", "-v", "error", "-xerror", "-i", url, "-f", "null", "-"])
            #expect(decoded.status == 0, "\(kind): \(String(decoding: decoded.output, as: UTF8.self))")
        }
    }

    /// The cenc CMAF of the signed video: signalled in the MPD and HLS, its ClearKey licence
    /// gives the key, and ffmpeg decrypts init + segments with it to every source frame.
    @Test func cencThroughTheEdgeDecryptsWithTheClearKeyLicence() throws {
        let f = try ProtectionFixture()
        let token = f.token("secret")
        let mpd = String(decoding: try f.get(f.edge.port, "/t/\(token)/dash/secret/manifest.mpd").body, as: UTF8.self)
        #expect(mpd.contains("schemeIdUri=\"urn:mpeg:dash:mp4protection:2011\" value=\"cenc\" cenc:default_KID=\""))
        #expect(mpd.contains("<dashif:Laurl>../../clearkey/secret</dashif:Laurl>"))
        let media = String(decoding: try f.get(f.edge.port, "/t/\(token)/hls/secret/video/index.m3u8").body, as: UTF8.self)
        #expect(media.contains("#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"../../../key/secret/"))
        let licence = try f.get(f.edge.port, "/t/\(token)/clearkey/secret")
        #expect(licence.status == 200)
        let jwk = try JSONDecoder().decode(ClearKeyLicence.self, from: Data(licence.body))
        let key = try #require(Base64URL.decode(Substring(jwk.keys[0].k)))
        #expect(mpd.contains(ContentKey(id: Base64URL.decode(Substring(jwk.keys[0].kid))!, key: key, iv: key)!.uuid))
        // Each segment as a player's buffer gets it (init + segment): every frame of the source in all.
        // (One file of all segments is not a stream ffmpeg reads right: with a sidx per segment it
        // pairs the senc of one fragment with the samples of another from the third on.)
        let initSegment = try f.get(f.edge.port, "/t/\(token)/cmaf/secret/video/init.mp4").body
        let hex = key.map { String(format: "%02x", $0) }.joined()
        var frames = 0
        for n in 1...6 {
            let file = f.dir.appendingPathComponent("cenc-\(n).mp4")
            try Data(initSegment + f.get(f.edge.port, "/t/\(token)/cmaf/secret/video/\(n).m4s").body).write(to: file)
            let decoded = try runProgram(["ffmpeg", "-v", "error", "-xerror", "-decryption_key", hex, "-i", file.path, "-f", "framemd5", "-"])
            #expect(decoded.status == 0)
            frames += String(decoding: decoded.output, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.count
        }
        #expect(frames == 300)
    }

    /// `vod sign` as acceptance scripts call it: its paths pass edge and origin, an expired one does not.
    @Test func vodSignMakesPathsTheDaemonsAccept() throws {
        let f = try ProtectionFixture()
        let keysFile = f.dir.appendingPathComponent("keys.json")
        try JSONEncoder().encode(f.keys).write(to: keysFile)
        let vod = repoRoot.appendingPathComponent(".build/debug/vod").path
        func sign(_ arguments: [String]) throws -> String {
            let result = try runProgram([vod, "sign", "--keys", keysFile.path] + arguments)
            #expect(result.status == 0)
            return String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let valid = try sign(["--expires-in", "60", "/hls/secret/master.m3u8"])
        #expect(valid.hasPrefix("/t/") && valid.hasSuffix("/hls/secret/master.m3u8"))
        #expect(try f.get(f.edge.port, valid).status == 200)
        #expect(try f.get(f.origin.port, valid).status == 200)
        #expect(try f.get(f.edge.port, try sign(["--key", "k2", "--expires-in", "60", "--ip", "127.0.0.1", "/hls/secret/master.m3u8"])).status == 200)
        #expect(try f.get(f.edge.port, try sign(["--expires-in", "-10", "/hls/secret/master.m3u8"])).status == 403)
        #expect(try runProgram([vod, "sign", "--keys", keysFile.path, "--key", "nope", "--expires-in", "60", "/hls/secret/master.m3u8"]).status == 2)
    }
}

/// A key service that can be switched off: answers `/keys/<video>` with a fixed key.
final class KeyService: HTTPHandler, Sendable {
    let up = Mutex(true)
    let asked = Mutex(0)
    func reply(to request: HTTPRequest) -> HTTPReply {
        asked.withLock { $0 += 1 }
        guard up.withLock({ $0 }) else { return .response(.text(500, "down")) }
        let video = request.head.path.split(separator: "/").last ?? ""
        let body = #"{"kid":"00112233445566778899aabbccddeeff","key":"\#(video == "one" ? "0f0e0d0c0b0a09080706050403020100" : "ffeeddccbbaa99887766554433221100")"}"#
        return .response(HTTPResponse(status: 200, body: [.bytes(Array(body.utf8))]))
    }
}

@Suite(.serialized) struct KeyServiceTests {
    /// Keys from the service are used and kept; with the service down a known video keeps
    /// working and a new one is a 503.
    @Test func aDownKeyServiceFailsOnlyNewVideos() throws {
        let service = KeyService()
        let server = try TranscoderProxyTests.server(service)
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyservice-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for video in ["one", "two"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(video), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: twelveSeconds, toPath: dir.appendingPathComponent("\(video)/video.mp4").path)
            try Data(#"{"video":"\#(video)","renditions":[{"file":"video.mp4","type":"video"}],"encryption":"cenc"}"#.utf8)
                .write(to: dir.appendingPathComponent("\(video)/manifest.json"))
        }
        let keys = try #require(try ContentKeys(secretHex: "", serviceURL: "http://127.0.0.1:\(server.port)/keys/{video}", cacheSeconds: 0))
        let router = OriginRouter(catalog: try MediaCatalog(root: dir.path), cache: MediaSetCache(capacity: 1, targetDuration: 2, protection: ProtectionPolicy(keys: keys)),
                                  signing: URLSigning(keys: SigningKeys(keys: [.init(id: "k1", secret: String(repeating: "ab", count: 16))]), trustForwardedFor: true))
        let origin = try TranscoderProxyTests.server(router)
        defer { origin.stop() }
        func get(_ path: String) throws -> HTTPClientConnection.Response { try HTTPClientConnection(host: "127.0.0.1", port: origin.port).request("GET", path) }
        #expect(try get("/cmaf/one/video/1.m4s").status == 200)
        let mpd = String(decoding: try get("/dash/one/manifest.mpd").body, as: UTF8.self)
        #expect(mpd.contains("cenc:default_KID=\"00112233-4455-6677-8899-aabbccddeeff\""))
        let token = URLToken(keyID: "k1", expires: Int64(Date().timeIntervalSince1970) + 60, scope: "one").signed(secret: Array(repeating: 0xab, count: 16))
        #expect(try get("/t/\(token)/key/one/00112233445566778899aabbccddeeff.key").body == Hex.decode("0f0e0d0c0b0a09080706050403020100"))
        service.up.withLock { $0 = false }
        // The cache holds one video: asking for two evicts one, which must then be laid out (and keyed) again.
        let two = try get("/cmaf/two/video/1.m4s")
        #expect(two.status == 503)
        #expect(String(decoding: two.body, as: UTF8.self).contains("try again"))
        #expect(try get("/cmaf/one/video/2.m4s").status == 200, "a key already had keeps working while the service is down")
        service.up.withLock { $0 = true }
        #expect(try get("/cmaf/two/video/1.m4s").status == 200)
        // "two" took the cache's one place: "one" is laid out again with the service down, from the key kept.
        service.up.withLock { $0 = false }
        #expect(try get("/cmaf/one/video/3.m4s").status == 200, "a key past keyCacheSeconds is kept while the service is down")
        #expect(try get("/t/\(token)/key/one/00112233445566778899aabbccddeeff.key").status == 200)
    }
}
