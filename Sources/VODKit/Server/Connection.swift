import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// One client connection, owned by one event loop: reads and parses requests
/// (pipelined ones in order), queues responses, and writes them with `writev`
/// for bytes and `sendfile` for file ranges, as far as the socket takes them.
final class Connection {
    enum Output {
        case bytes([UInt8], sent: Int)
        case file(fd: Int32, offset: Int64, remaining: Int64)
    }

    let fd: Int32
    private(set) var readBuffer: [UInt8] = []
    private var parser: HTTPRequestParser
    private var output: [Output] = []
    private(set) var queuedBytes: Int64 = 0
    /// Close once everything queued is written.
    private(set) var closeAfterWrite = false
    /// A request head whose body is still arriving.
    private var pendingHead: HTTPRequestHead?
    private var pendingBody: [UInt8] = []
    private var pendingLength: Int64 = 0
    private var chunked: ChunkedDecoder?
    let config: HTTPServer.Config
    /// Monotonic milliseconds.
    var lastActivity: Int64
    /// When the first byte of a not yet complete request arrived (slow-client cut-off).
    var requestStarted: Int64?

    init(fd: Int32, config: HTTPServer.Config, now: Int64) {
        self.fd = fd
        self.config = config
        parser = HTTPRequestParser(limits: config.limits)
        lastActivity = now
    }

    deinit {
        for case .file(let f, _, _) in output { close(f) }
        close(fd)
    }

    var wantsWrite: Bool { !output.isEmpty }
    var isIdle: Bool { output.isEmpty && readBuffer.isEmpty && pendingHead == nil }

    enum ReadResult { case open, closed }

    /// Reads what is available; returns `.closed` on EOF or error.
    func readAvailable(now: Int64) -> ReadResult {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                if readBuffer.isEmpty && pendingHead == nil && requestStarted == nil { requestStarted = now }
                readBuffer += chunk[0..<n]
                lastActivity = now
                if n < chunk.count { return .open }
                if readBuffer.count > 4 << 20 { return .open }  // let the parser catch up before reading more
                continue
            }
            if n == 0 { return .closed }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .open : .closed
        }
    }

    /// Parses complete requests from the buffer and queues their responses.
    func process(handler: HTTPHandler, now: Int64, log: (String) -> Void) {
        while !closeAfterWrite && queuedBytes < 1 << 20 {
            do {
                if pendingHead != nil {
                    guard try receiveBody() else { return }
                    let head = pendingHead!
                    pendingHead = nil
                    respond(to: HTTPRequest(head: head, body: pendingBody), handler: handler, log: log)
                    pendingBody = []
                    continue
                }
                guard let (head, used) = try parser.parse(readBuffer) else { return }
                readBuffer.removeFirst(used)
                parser.reset()
                switch head.framing {
                case .none:
                    requestStarted = readBuffer.isEmpty ? nil : now
                    respond(to: HTTPRequest(head: head), handler: handler, log: log)
                case .contentLength(let n):
                    guard n <= config.maxBufferedBody else { throw HTTPParseError.payloadTooLarge }
                    pendingHead = head; pendingLength = n; pendingBody = []; pendingBody.reserveCapacity(Int(n))
                case .chunked:
                    pendingHead = head; chunked = ChunkedDecoder(maxBody: config.maxBufferedBody); pendingBody = []
                }
            } catch let error as HTTPParseError {
                log("\(peerDescription) \(error)")
                fail(error.status, error.description)
                return
            } catch {
                fail(400, "bad request")
                return
            }
        }
    }

    /// Moves body bytes from the read buffer; true when the body is complete.
    private func receiveBody() throws -> Bool {
        if var decoder = chunked {
            let used = try decoder.decode(readBuffer[...], into: &pendingBody)
            readBuffer.removeFirst(used)
            chunked = decoder.isDone ? nil : decoder
            return chunked == nil
        }
        let n = Int(min(pendingLength, Int64(readBuffer.count)))
        pendingBody += readBuffer[0..<n]
        readBuffer.removeFirst(n)
        pendingLength -= Int64(n)
        return pendingLength == 0
    }

    private func respond(to request: HTTPRequest, handler: HTTPHandler, log: (String) -> Void) {
        let started = monotonicNanoseconds()
        var response = handler.handle(request)
        if let access = config.accessLog {
            let ms = Double(monotonicNanoseconds() - started) / 1e6
            let bytes = request.head.method == "HEAD" ? 0 : response.contentLength
            access("\(request.head.method) \(request.head.target) \(response.status) \(bytes) \(String(format: "%.3f", ms))ms")
        }
        let keepAlive = request.head.keepAlive && !closeAfterWrite
        enqueue(&response, head: request.head.method == "HEAD", keepAlive: keepAlive, minorVersion: request.head.minorVersion)
        if !keepAlive { closeAfterWrite = true }
        requestStarted = readBuffer.isEmpty ? nil : requestStarted
    }

    /// Answers an error and closes: after a framing error the stream cannot be trusted.
    func fail(_ status: Int, _ message: String) {
        var response = HTTPResponse.text(status, message)
        enqueue(&response, head: false, keepAlive: false, minorVersion: 1)
        closeAfterWrite = true
        readBuffer = []
    }

    private func enqueue(_ response: inout HTTPResponse, head: Bool, keepAlive: Bool, minorVersion: Int) {
        // Open files first: a file that cannot be opened turns the response into a 500.
        var files: [Int32] = []
        if !head {
            for case let .file(path, _, _) in response.body {
                let f = open(path, O_RDONLY | O_CLOEXEC)
                if f < 0 {
                    files.forEach { close($0) }
                    files = []
                    response = .text(500, "cannot read \(path)")
                    break
                }
                files.append(f)
            }
        }
        var text = "HTTP/1.\(minorVersion) \(response.status) \(HTTPResponse.reason(response.status))\r\n"
        text += "Date: \(HTTPDate.now())\r\nServer: vod\r\n"
        for (name, value) in response.headers where !name.caseInsensitiveEquals("Content-Length") && !name.caseInsensitiveEquals("Connection") {
            text += "\(name): \(value)\r\n"
        }
        if response.status != 304 && response.status != 204 { text += "Content-Length: \(response.contentLength)\r\n" }
        text += keepAlive ? (minorVersion == 0 ? "Connection: keep-alive\r\n" : "") : "Connection: close\r\n"
        text += "\r\n"
        var pending = Array(text.utf8)
        if !head {
            var fileIndex = 0
            for part in response.body {
                switch part {
                case .bytes(let b): pending += b
                case let .file(_, offset, length):
                    if !pending.isEmpty { push(.bytes(pending, sent: 0)); pending = [] }
                    push(.file(fd: files[fileIndex], offset: offset, remaining: length))
                    fileIndex += 1
                }
            }
        }
        if !pending.isEmpty { push(.bytes(pending, sent: 0)) }
    }

    private func push(_ item: Output) {
        switch item {
        case .bytes(let b, let sent): queuedBytes += Int64(b.count - sent)
        case .file(_, _, let remaining): queuedBytes += remaining
        }
        output.append(item)
    }

    enum WriteResult { case done, blocked, failed }

    /// Writes as much as the socket takes: runs of bytes with one `writev`, files with `sendfile`.
    func flush(now: Int64) -> WriteResult {
        while let first = output.first {
            switch first {
            case .bytes:
                var runs: [(bytes: [UInt8], sent: Int)] = []
                for item in output.prefix(64) {
                    guard case .bytes(let b, let sent) = item else { break }
                    runs.append((b, sent))
                }
                let written = withPinnedIOVecs(runs[...], []) { iov in iov.withUnsafeBufferPointer { writev(fd, $0.baseAddress, Int32($0.count)) } }
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN || errno == EWOULDBLOCK ? .blocked : .failed
                }
                lastActivity = now
                consumeBytes(written)
                if written == 0 { return .blocked }
            case .file(let f, let offset, let remaining):
                var off = off_t(offset)
                let n = sendfile(fd, f, &off, Int(min(remaining, 1 << 30)))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN || errno == EWOULDBLOCK ? .blocked : .failed
                }
                if n == 0 { return .failed }  // the file shrank under us
                lastActivity = now
                queuedBytes -= Int64(n)
                if Int64(n) == remaining {
                    close(f)
                    output.removeFirst()
                } else {
                    output[0] = .file(fd: f, offset: offset + Int64(n), remaining: remaining - Int64(n))
                }
            }
        }
        return .done
    }

    private func consumeBytes(_ count: Int) {
        var left = count
        queuedBytes -= Int64(count)
        while left > 0, case .bytes(let b, let sent) = output.first {
            let available = b.count - sent
            if left >= available { output.removeFirst(); left -= available } else { output[0] = .bytes(b, sent: sent + left); left = 0 }
        }
    }

    var peerDescription: String { "fd \(fd)" }
}

/// Calls `body` with iovecs pointing into the arrays themselves (no copy): each
/// array is pinned by a nested `withUnsafeBytes` for the duration of the call.
func withPinnedIOVecs(_ runs: ArraySlice<(bytes: [UInt8], sent: Int)>, _ iov: [iovec], _ body: ([iovec]) -> Int) -> Int {
    guard let first = runs.first else { return body(iov) }
    return first.bytes.withUnsafeBytes { raw in
        var next = iov
        if let base = raw.baseAddress, raw.count > first.sent {
            next.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base + first.sent), iov_len: raw.count - first.sent))
        }
        return withPinnedIOVecs(runs.dropFirst(), next, body)
    }
}
