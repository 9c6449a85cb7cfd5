import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import VODKit

/// A handler for the tests: /hello, /file?… (a file range), /echo (the body back), /slow-free.
struct TestHandler: HTTPHandler {
    let file: String
    func reply(to request: HTTPRequest) -> HTTPReply {
        if request.head.path == "/slow" {
            return .deferred { Thread.sleep(forTimeInterval: 1.0); return .text(200, "slow") }
        }
        return .response(handle(request))
    }

    /// `/upload` streams its body into a `CountingSink`; `/denied` refuses it unread;
    /// `/upload-small` stops after 1,000 bytes.
    func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        switch head.path {
        case "/upload": return .stream(CountingSink(limit: .max))
        case "/upload-small": return .stream(CountingSink(limit: 1000))
        case "/gated": return .stream(GatedSink.make())
        case "/denied": return .reject(.text(401, "no"))
        default: return .buffer
        }
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch request.head.path {
        case "/hello": return .text(200, "hello \(request.head.method)")
        case "/file": return HTTPResponse(status: 200, body: [.bytes(Array("<".utf8)), .file(path: file, offset: 0, length: fileSize), .bytes(Array(">".utf8))])
        case "/echo": return HTTPResponse(status: 200, body: [.bytes(request.body)])
        case "/missing-file": return HTTPResponse(status: 200, body: [.file(path: "/nonexistent/x", offset: 0, length: 10)])
        default: return .text(404, "not found")
        }
    }
    var fileSize: Int64 { Int64((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) }
}

/// Counts and hashes a streamed body; answers (from the worker pool) with the count and
/// SHA-256, or 413 past its limit. Cancelled sinks are counted for the tests.
final class CountingSink: HTTPBodySink {
    nonisolated(unsafe) static var cancelled = 0
    let limit: Int
    var count = 0
    var hash: SHA256? = SHA256()
    init(limit: Int) { self.limit = limit }
    func write(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse? {
        count += bytes.count
        if count > limit { return .text(413, "too big") }
        hash!.update(bytes)
        return nil
    }
    func finish() -> HTTPReply {
        let (count, digest) = (count, hash.take()!.finish())
        return .deferred { .text(200, "\(count) \(SHA256.hex(digest))") }
    }
    func cancel() { Self.cancelled += 1 }
}

/// A body passed through a small queue to a thread that takes nothing until `gate` opens:
/// the connection must wait for room without busy turns.
enum GatedSink {
    static let gate = DispatchSemaphore(value: 0)
    static func make() -> QueuedBodySink {
        QueuedBodySink(capacity: 64 << 10, abandoned: .text(502, "gone")) { queue, answer in
            gate.wait()
            var count = 0
            while case .bytes(let bytes) = queue.next(timeout: 5) { count += bytes.count }
            answer.deliver(.text(200, "\(count)"))
        }
    }
}

/// The tests speak through the product's client; `response()` maps its errors to nil.
typealias TestClient = HTTPClientConnection

extension HTTPClientConnection {
    convenience init(port: UInt16) throws { try self.init(host: "127.0.0.1", port: port) }

    func response(head: Bool = false) -> (status: Int, headers: [String: String], body: [UInt8])? {
        guard let r = try? readResponse(head: head) else { return nil }
        var headers: [String: String] = [:]
        for (name, value) in r.headers { headers[name.lowercased()] = value }
        return (r.status, headers, r.body)
    }
}

@Suite(.serialized) struct HTTPServerTests {
    static let bigFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vod-http-test-5mb-\(getpid()).bin").path
        var bytes = [UInt8](repeating: 0, count: 5 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 9) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }()

    func withServer(_ adjust: (inout HTTPServer.Config) -> Void = { _ in }, _ body: (HTTPServer) throws -> Void) throws {
        var config = HTTPServer.Config()
        config.port = 0
        config.loops = 2
        adjust(&config)
        let server = try HTTPServer(config: config, handler: TestHandler(file: Self.bigFile))
        server.start()
        defer { server.stop() }
        try body(server)
    }

    /// One connection pipelining 100,000 requests does not hold its loop: another client on the
    /// same loop gets its answers while the flood is served (once 8.4 s for 200,000).
    @Test func aPipelineFloodDoesNotStallOtherClients() throws {
        try withServer({ $0.loops = 1 }) { server in
            let flood = try TestClient(port: server.port)
            let fd = flood.fd
            let request = Array("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            var pipeline: [UInt8] = []
            pipeline.reserveCapacity(request.count * 100_000)
            for _ in 0..<100_000 { pipeline += request }
            let all = pipeline
            let done = DispatchSemaphore(value: 0)
            Thread {
                var sent = 0
                while sent < all.count {
                    let n = all[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { break }
                    sent += n
                }
                done.signal()
            }.start()
            Thread {  // the flood's answers are read (and thrown away) as they come
                var sink = [UInt8](repeating: 0, count: 1 << 16)
                while sink.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
            }.start()
            usleep(50_000)
            var latencies: [Double] = []
            let other = try TestClient(port: server.port)
            for _ in 0..<40 {
                let start = Date()
                other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(other.response()?.status == 200)
                latencies.append(Date().timeIntervalSince(start))
                usleep(5_000)
            }
            latencies.sort()
            let p99 = latencies[Int(Double(latencies.count - 1) * 0.99)]
            let worst = latencies.last ?? 0
            #expect(p99 < 0.1 && worst < 0.25, "another client's p99 \(p99 * 1000) ms during the flood, worst \(worst * 1000) ms")
            done.wait()
        }
    }

    /// Clients that pipeline and never read hold a small buffer and one response each
    /// (once up to 4 MiB of requests + 1 MiB of answers each: 200 took an origin to 1.2 GB).
    @Test func clientsThatNeverReadCostLittleMemory() throws {
        func rss() -> Int { (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)).flatMap { Int($0.split(separator: " ")[1]) }.map { $0 * 4096 } ?? 0 }
        try withServer({ $0.loops = 1 }) { server in
            let before = rss()
            var greedy: [TestClient] = []
            let burst = Array(String(repeating: "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", count: 30_000).utf8)  // 1 MB each
            for _ in 0..<100 {
                let c = try TestClient(port: server.port)
                var flags = fcntl(c.fd, F_GETFL); flags |= O_NONBLOCK; _ = fcntl(c.fd, F_SETFL, flags)
                _ = burst.withUnsafeBytes { Glibc.send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                greedy.append(c)
            }
            usleep(1_500_000)
            let grown = rss() - before
            #expect(grown < 40 << 20, "100 greedy clients grew the process by \(grown >> 20) MB")
            // The server still answers.
            let c = try TestClient(port: server.port)
            c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(c.response()?.status == 200)
            greedy.removeAll()
        }
    }

    /// The client resolves names (every address tried: `localhost` may give ::1 first while the
    /// server listens on 127.0.0.1 only) and sends the real Host (it once sent "origin").
    @Test func theClientResolvesNamesAndSendsTheRealHost() throws {
        let listener = try ListeningSocket(host: "127.0.0.1", port: 0)
        defer { close(listener.fd) }
        let client = try HTTPClientConnection(host: "localhost", port: listener.port)
        client.send("GET", "/x")
        var request = [UInt8](repeating: 0, count: 4096)
        var received = 0
        for _ in 0..<100 where received == 0 {
            if case .connection(let fd) = listener.accept() {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                received = recv(fd, &request, request.count, 0)
                close(fd)
            } else { usleep(10_000) }
        }
        let text = String(decoding: request.prefix(max(0, received)), as: UTF8.self)
        #expect(text.contains("\r\nHost: localhost:\(listener.port)\r\n"), "\(text)")
        #expect(throws: HTTPClientConnection.ClientError.self) { try HTTPClientConnection(host: "no-such-host.invalid", port: 80) }
    }

    /// The loops of one server share its port (SO_REUSEPORT); a second server, in this process
    /// or another, gets "address in use" instead of silently taking every other connection.
    @Test func aSecondServerOnTheSamePortIsRefused() throws {
        try withServer { server in
            var config = HTTPServer.Config()
            config.port = server.port
            config.loops = 2
            do {
                _ = try HTTPServer(config: config, handler: TestHandler(file: Self.bigFile))
                Issue.record("a second server bound port \(server.port)")
            } catch let error as SystemError {
                #expect(error.errno == EADDRINUSE, "\(error)")
            }
            for _ in 0..<4 {
                let c = try TestClient(port: server.port)
                c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(c.response()?.status == 200)
            }
        }
    }

    @Test func getKeepAliveAndHeaders() throws {
        try withServer { server in
            let c = try TestClient(port: server.port)
            for _ in 0..<3 {
                c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                let r = try #require(c.response())
                #expect(r.status == 200 && String(decoding: r.body, as: UTF8.self) == "hello GET\n")
                #expect(r.headers["date"]?.hasSuffix("GMT") == true && r.headers["server"] == "vod" && r.headers["connection"] == nil)
            }
        }
    }

    @Test func pipelinedResponsesComeInOrder() throws {
        try withServer { server in
            let c = try TestClient(port: server.port)
            c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\nHEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
            #expect(c.response()?.status == 200)
            #expect(c.response()?.status == 404)
            let head = try #require(c.response(head: true))
            #expect(head.status == 200 && head.headers["content-length"] == "11" && head.body.isEmpty)  // "hello HEAD\n"
            #expect(c.response().map { String(decoding: $0.body, as: UTF8.self) } == "abc")
        }
    }

    @Test func filesGoOutWhole() throws {
        try withServer { server in
            let c = try TestClient(port: server.port)
            c.send("GET /file HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try #require(c.response())
            let expected = Array("<".utf8) + [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.bigFile))) + Array(">".utf8)
            #expect(r.body.count == expected.count && r.body == expected)
            c.send("GET /missing-file HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(c.response()?.status == 500)
        }
    }

    @Test func chunkedUpload() throws {
        try withServer { server in
            let c = try TestClient(port: server.port)
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2;x=1\r\nef\r\n0\r\n\r\n")
            #expect(c.response().map { String(decoding: $0.body, as: UTF8.self) } == "abcdef")
        }
    }

    @Test func badRequestsAreAnsweredAndClosed() throws {
        try withServer { server in
            for bad in ["GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "GET / HTTP/3.0\r\nHost: t\r\n\r\n"] {
                let c = try TestClient(port: server.port)
                c.send(bad)
                let r = try #require(c.response())
                #expect([400, 505].contains(r.status) && r.headers["connection"] == "close")
                #expect(c.isClosedByServer())
            }
            var random = SystemRandomNumberGenerator()
            let c = try TestClient(port: server.port)
            c.send((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) } + [13, 10, 13, 10])
            #expect(c.response().map { $0.status >= 400 } ?? c.isClosedByServer())
        }
    }

    @Test func oversizedHeadsAreRefused() throws {
        try withServer { server in
            let long = try TestClient(port: server.port)
            long.send("GET / HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: 1 << 20) + "\r\n\r\n")
            #expect(long.response()?.status == 431)
            let many = try TestClient(port: server.port)
            many.send("GET / HTTP/1.1\r\nHost: t\r\n" + (0..<10_000).map { "X\($0): v\r\n" }.joined() + "\r\n")
            #expect(many.response()?.status == 431)
            let uri = try TestClient(port: server.port)
            uri.send("GET /" + String(repeating: "u", count: 20_000) + " HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(uri.response()?.status == 414)
        }
    }

    @Test func slowClientsAreCutOffWithoutHurtingOthers() throws {
        try withServer({ $0.requestTimeoutSeconds = 1 }) { server in
            let slow = try TestClient(port: server.port)
            slow.send("GET /hello HTTP/1.1\r\nHo")
            let start = Date()
            // Meanwhile a normal client is served at once.
            let other = try TestClient(port: server.port)
            other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(other.response()?.status == 200)
            #expect(Date().timeIntervalSince(start) < 0.9)  // before the slow client's timeout
            slow.send("s")  // a byte now and then does not keep it alive
            let r = try #require(slow.response())
            #expect(r.status == 408)
            #expect(Date().timeIntervalSince(start) < 3.5)
            #expect(slow.isClosedByServer())
        }
    }

    @Test func deferredRepliesKeepOrderAndDoNotStallTheLoop() throws {
        try withServer({ $0.loops = 1 }) { server in
            let c = try TestClient(port: server.port)
            let start = Date()
            c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            // The single loop answers another client while the slow reply is being made.
            let other = try TestClient(port: server.port)
            other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(other.response()?.status == 200)
            #expect(Date().timeIntervalSince(start) < 0.8)  // well before the slow reply: the loop did not wait for it
            #expect(c.response().map { String(decoding: $0.body, as: UTF8.self) } == "slow\n")
            #expect(Date().timeIntervalSince(start) >= 1.0)
            #expect(c.response().map { String(decoding: $0.body, as: UTF8.self) } == "hello GET\n")
        }
    }

    @Test func largeBodiesAreStreamedNotBuffered() throws {
        try withServer({ $0.maxBufferedBody = 1024 }) { server in
            var body = [UInt8](repeating: 0, count: 20 << 20)
            for i in body.indices { body[i] = UInt8(truncatingIfNeeded: i &* 7 &+ i >> 11) }
            let expected = "\(body.count) \(SHA256.hex(SHA256.hash(body)))\n"
            let c = try TestClient(port: server.port)
            // Content-Length, with Expect: 100-continue answered before the body is sent.
            c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.count)\r\nExpect: 100-continue\r\n\r\n")
            #expect(c.response()?.status == 100)
            c.send(body)
            #expect(c.response().map { String(decoding: $0.body, as: UTF8.self) } == expected)
            // Chunked, on the same connection.
            var chunked: [UInt8] = Array("PUT /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            for start in stride(from: 0, to: body.count, by: 300_000) {
                let part = body[start..<min(body.count, start + 300_000)]
                chunked += Array((String(part.count, radix: 16) + "\r\n").utf8) + part + [13, 10]
            }
            c.send(chunked + Array("0\r\n\r\n".utf8))
            #expect(c.response().map { String(decoding: $0.body, as: UTF8.self) } == expected)
            // A buffered body over the limit is still refused.
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n")
            #expect(c.response()?.status == 413)
        }
    }

    @Test func aConnectionWaitingForItsSinkDoesNotSpin() throws {
        try withServer({ $0.loops = 1 }) { server in
            let body = [UInt8](repeating: 7, count: 4 << 20)
            let c = try TestClient(port: server.port)
            Thread { c.send(Array("PUT /gated HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body) }.start()
            Thread.sleep(forTimeInterval: 0.3)  // the sink is full, the socket buffers too
            let before = server.loopTurns
            Thread.sleep(forTimeInterval: 1)
            // Idle, a loop polls about 4 times a second; it spun tens of thousands of times here.
            #expect(server.loopTurns - before < 40)
            GatedSink.gate.signal()
            #expect(c.response().map { String(decoding: $0.body, as: UTF8.self) } == "\(body.count)\n")
        }
    }

    @Test func refusedAndAbandonedBodies() throws {
        try withServer({ $0.bodyStallSeconds = 1 }) { server in
            let cancelledBefore = CountingSink.cancelled
            let denied = try TestClient(port: server.port)
            denied.send("PUT /denied HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
            #expect(denied.response()?.status == 401)
            #expect(denied.isClosedByServer())
            let small = try TestClient(port: server.port)
            small.send("PUT /upload-small HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "x", count: 5000))
            #expect(small.response()?.status == 413)
            #expect(small.isClosedByServer())
            // A body that stops arriving is cut off with 408, and its sink cancelled.
            let stalled = try TestClient(port: server.port)
            let start = Date()
            stalled.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\nabc")
            #expect(stalled.response()?.status == 408)
            #expect(Date().timeIntervalSince(start) < 3.5)
            // A client that goes away mid-body cancels its sink too.
            let gone = try TestClient(port: server.port)
            gone.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\nabc")
            Thread.sleep(forTimeInterval: 0.1)
            _ = consume gone
            Thread.sleep(forTimeInterval: 0.2)
            #expect(CountingSink.cancelled - cancelledBefore == 3)
        }
    }

    @Test func connectionCap() throws {
        try withServer({ $0.maxConnections = 2; $0.loops = 1 }) { server in
            let a = try TestClient(port: server.port), b = try TestClient(port: server.port)
            a.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            b.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(a.response()?.status == 200 && b.response()?.status == 200)
            let c = try TestClient(port: server.port)
            #expect(c.response()?.status == 503)
        }
    }

    @Test func http10ClosesUnlessKeepAlive() throws {
        try withServer { server in
            let c = try TestClient(port: server.port)
            c.send("GET /hello HTTP/1.0\r\n\r\n")
            #expect(c.response()?.headers["connection"] == "close")
            #expect(c.isClosedByServer())
        }
    }

    @Test func stopFinishesAndReturns() throws {
        var config = HTTPServer.Config()
        config.port = 0
        let server = try HTTPServer(config: config, handler: TestHandler(file: Self.bigFile))
        server.start()
        let c = try TestClient(port: server.port)
        c.send("GET /file HTTP/1.1\r\nHost: t\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.05)
        let start = Date()
        let done = DispatchSemaphore(value: 0)
        Thread { server.stop(); done.signal() }.start()
        // The response in flight still arrives whole.
        #expect(c.response()?.body.count == 5 << 20 + 2)
        #expect(done.wait(timeout: .now() + 12) == .success)
        #expect(Date().timeIntervalSince(start) < 12)
        #expect((try? TestClient(port: server.port)) == nil)
    }
}
