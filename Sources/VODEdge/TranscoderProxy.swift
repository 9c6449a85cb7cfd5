import Foundation
import Synchronization
import VODKit

/// `/api/uploads…` and `/api/jobs…` on the edge, passed to the transcoders (`transcoders`)
/// so the page, the API and the videos share one origin. Bodies stream both ways through
/// fixed buffers (an upload never sits whole in the edge's memory or on its disk; a
/// server-sent event stream flows as it comes). A new upload goes to the first transcoder
/// that takes the connection; a request for an existing one goes first to the transcoder
/// that created it (remembered from the `Location` it answered, or found by asking each
/// with `HEAD` after an edge restart), then to the others: transcoders that share a spool
/// can each go on with any upload, and ones that do not still get their own uploads' bytes.
/// Each exchange has its own thread: an upload or an event stream may last for hours and
/// must not hold the workers that fetch from origins.
public final class TranscoderProxy: Sendable {
    let transcoders: [HTTPClientPool.Upstream]
    let addresses: AddressCache
    let log: @Sendable (String) -> Void
    /// How long an exchange may wait for the next byte either way.
    static let idleSeconds = 60
    /// Which transcoder (index in `transcoders`) holds each upload seen, by upload id.
    private let holders = Mutex<[String: Int]>([:])
    static let maxRemembered = 100_000

    /// Headers that describe one connection, not the message.
    static let hopHeaders: Set<String> = ["connection", "keep-alive", "transfer-encoding", "content-length", "host", "te", "trailer", "upgrade",
                                          "proxy-connection", "expect"]

    public init(transcoders: [HTTPClientPool.Upstream], addresses: AddressCache, log: @escaping @Sendable (String) -> Void) {
        self.transcoders = transcoders
        self.addresses = addresses
        self.log = log
    }

    public static func handles(_ path: Substring) -> Bool {
        path == "/api/uploads" || path.hasPrefix("/api/uploads/") || path == "/api/jobs" || path.hasPrefix("/api/jobs/")
    }

    /// A request with a body: streamed to the transcoder as it arrives (the connection stops
    /// reading while 1 MiB waits to be sent).
    public func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        .stream(QueuedBodySink(capacity: 1 << 20, abandoned: .text(502, "the transcoder stopped taking the upload")) { [self] queue, answer in
            exchange(head, body: queue) { answer.deliver($0) }
        })
    }

    /// A request without a body.
    public func reply(to request: HTTPRequest) -> HTTPReply {
        .later { [self] respond in Thread { self.exchange(request.head, body: nil, respond: respond) }.start() }
    }

    /// Sends the request (and its body from `body`) to the first transcoder that takes it,
    /// answers with its response head at once and then pumps its body to the player.
    func exchange(_ head: HTTPRequestHead, body: StreamQueue?, respond: @Sendable (HTTPResponse) -> Void) {
        var tried: [String] = []
        for index in order(for: head) {
            let upstream = transcoders[index]
            let connection: HTTPClientConnection
            do {
                let host = Self.bare(upstream.host)
                connection = try HTTPClientConnection(addresses: try addresses.addresses(host, port: upstream.port), host: host, port: upstream.port,
                                                      timeoutSeconds: Self.idleSeconds)
            } catch {
                tried.append("\(upstream): \(error)")
                continue
            }
            return relay(head, body: body, over: connection, upstream: upstream) { response in
                if let id = Self.createdUpload(head, response) { remember(id, at: index) }
                respond(response)
            }
        }
        body?.fail()
        log("no transcoder takes \(head.method) \(head.path): \(tried.joined(separator: "; "))")
        respond(.text(502, "no transcoder answers"))
    }

    /// The transcoders to try for `head`, in order: the holder of the upload it names first.
    func order(for head: HTTPRequestHead) -> [Int] {
        let all = Array(transcoders.indices)
        guard transcoders.count > 1, let id = Self.uploadID(head.path) else { return all }
        let holder = holders.withLock { $0[id] } ?? find(id, asked: head)
        guard let holder else { return all }
        return [holder] + all.filter { $0 != holder }
    }

    /// Asks each transcoder with `HEAD` (the client's own credentials) whether it has upload `id`.
    private func find(_ id: String, asked head: HTTPRequestHead) -> Int? {
        let headers = ["Authorization", "Tus-Resumable"].compactMap { name in head.headers[name].map { (name, $0) } }
        for (index, upstream) in transcoders.enumerated() {
            guard let connection = try? HTTPClientConnection(addresses: try addresses.addresses(Self.bare(upstream.host), port: upstream.port),
                                                             host: Self.bare(upstream.host), port: upstream.port, timeoutSeconds: 5),
                  let answer = try? connection.request("HEAD", "\(Self.uploadsPrefix)/\(id)", headers: headers) else { continue }
            if answer.status == 200 {
                remember(id, at: index)
                return index
            }
        }
        return nil
    }

    private func remember(_ id: String, at index: Int) {
        holders.withLock { known in
            if known.count >= Self.maxRemembered { known.removeAll() }  // forgotten ones are found again with HEAD
            known[id] = index
        }
    }

    static let uploadsPrefix = "/api/uploads"

    /// `<id>` of `/api/uploads/<id>`.
    static func uploadID(_ path: Substring) -> String? {
        guard path.hasPrefix(uploadsPrefix + "/") else { return nil }
        let id = path.dropFirst(uploadsPrefix.count + 1)
        return id.isEmpty || id.contains("/") ? nil : String(id)
    }

    /// The id of an upload a transcoder just created (`201` with its `Location`).
    static func createdUpload(_ head: HTTPRequestHead, _ response: HTTPResponse) -> String? {
        guard head.method == "POST", response.status == 201, let location = response.headers["Location"] else { return nil }
        let path = location.firstRange(of: uploadsPrefix + "/").map { location[$0.lowerBound...] } ?? ""
        return uploadID(Substring(path))
    }

    static func bare(_ host: String) -> String { host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host }

    private func relay(_ head: HTTPRequestHead, body: StreamQueue?, over connection: HTTPClientConnection, upstream: HTTPClientPool.Upstream,
                       respond: @Sendable (HTTPResponse) -> Void) {
        var text = "\(head.method) \(head.target) HTTP/1.1\r\nHost: \(connection.hostHeader)\r\nConnection: close\r\n"
        for (name, value) in head.headers where !Self.hopHeaders.contains(name.lowercased()) { text += "\(name): \(value)\r\n" }
        var chunked = false
        if body != nil {
            if case .contentLength(let n) = head.framing { text += "Content-Length: \(n)\r\n" } else { chunked = true; text += "Transfer-Encoding: chunked\r\n" }
        }
        connection.send(text + "\r\n")
        if let body {
            sending: while true {
                switch body.next(timeout: Double(Self.idleSeconds)) {
                case .bytes(let bytes): connection.send(chunked ? Array("\(String(bytes.count, radix: 16))\r\n".utf8) + bytes + [13, 10] : bytes)
                case .finished:
                    if chunked { connection.send("0\r\n\r\n") }
                    break sending
                case .failed, .timedOut:
                    connection.abandon()
                    return respond(.text(502, "the upload stopped"))
                }
            }
        }
        let answer: HTTPClientConnection.Head
        do { answer = try connection.readHead() } catch {
            log("transcoder \(upstream) failed \(head.method) \(head.path): \(error)")
            return respond(.text(502, "the transcoder did not answer: \(error)"))
        }
        let headers = HTTPHeaders(answer.headers.fields.filter { !Self.hopHeaders.contains($0.name.lowercased()) })
        guard HTTPClientConnection.hasBody(answer, head: head.method == "HEAD") else {
            return respond(HTTPResponse(status: answer.status, headers: headers))
        }
        let pipe = BodyPipe(length: answer.chunked ? nil : answer.contentLength, stallSeconds: Double(Self.idleSeconds))
        respond(HTTPResponse(status: answer.status, headers: headers, body: [.pipe(pipe)]))
        do {
            try connection.readBody(answer) { try pipe.write($0) }
            pipe.finish()
        } catch {
            connection.abandon()
            pipe.fail()
        }
    }
}
