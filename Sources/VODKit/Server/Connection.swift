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
        case file(OpenFile, offset: Int64, remaining: Int64)
    }

    /// A file descriptor shared by the parts of a response that read the same file;
    /// closed when the last of them is written or dropped.
    final class OpenFile {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        deinit { close(fd) }
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
    /// The last read stopped before the socket was drained (backlog): read again later,
    /// since edge-triggered epoll will not report the data again.
    private(set) var readCutShort = false

    init(fd: Int32, config: HTTPServer.Config, now: Int64) {
        self.fd = fd
        self.config = config
        parser = HTTPRequestParser(limits: config.limits)
        lastActivity = now
    }

    deinit { close(fd) }

    var wantsWrite: Bool { !output.isEmpty }
    var isIdle: Bool { output.isEmpty && readBuffer.isEmpty && pendingHead == nil }

    enum ReadResult { case open, closed }

    /// Reads until the socket is drained (edge-triggered); returns `.closed` on EOF or error.
    func readAvailable(now: Int64, scratch: UnsafeMutableRawBufferPointer) -> ReadResult {
        while true {
            readCutShort = readBuffer.count > 4 << 20
            if readCutShort { return .open }  // unprocessed backlog: read again after writing
            let n = recv(fd, scratch.baseAddress, scratch.count, 0)
            if n > 0 {
                if readBuffer.isEmpty && pendingHead == nil && requestStarted == nil { requestStarted = now }
                readBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                lastActivity = now
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
        // One descriptor per distinct file, shared by its parts.
        var files: [OpenFile] = []
        if !head {
            var opened: [String: OpenFile] = [:]
            for case let .file(path, _, _) in response.body {
                if let f = opened[path] { files.append(f); continue }
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    files = []
                    response = .text(500, "cannot read \(path)")
                    break
                }
                let f = OpenFile(fd: fd)
                opened[path] = f
                files.append(f)
            }
        }
        var text: [UInt8] = []
        text.reserveCapacity(512)
        func line(_ parts: String...) { for p in parts { text.append(contentsOf: p.utf8) }; text.append(13); text.append(10) }
        line("HTTP/1.", minorVersion == 0 ? "0" : "1", " ", String(response.status), " ", HTTPResponse.reason(response.status))
        line("Date: ", HTTPDate.cachedNow())
        line("Server: vod")
        for (name, value) in response.headers where !name.caseInsensitiveEquals("Content-Length") && !name.caseInsensitiveEquals("Connection") {
            line(name, ": ", value)
        }
        if response.status != 304 && response.status != 204 { line("Content-Length: ", String(response.contentLength)) }
        if !keepAlive { line("Connection: close") } else if minorVersion == 0 { line("Connection: keep-alive") }
        text.append(13); text.append(10)
        // Header and body bytes go out as separate iovecs of one writev: bodies are not copied.
        push(.bytes(text, sent: 0))
        if !head {
            var fileIndex = 0
            for part in response.body {
                switch part {
                case .bytes(let b): if !b.isEmpty { push(.bytes(b, sent: 0)) }
                case let .file(_, offset, length):
                    push(.file(files[fileIndex], offset: offset, remaining: length))
                    fileIndex += 1
                }
            }
        }
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
                // Headers before file data are sent with MSG_MORE, so they share packets with it (like TCP_CORK).
                var more = false
                if runs.count < output.count, case .file = output[runs.count] { more = true }
                let written = withPinnedIOVecs(runs[...], []) { iov in
                    iov.withUnsafeBufferPointer { buffer in
                        var message = msghdr()
                        message.msg_iov = UnsafeMutablePointer(mutating: buffer.baseAddress)
                        message.msg_iovlen = buffer.count
                        return sendmsg(fd, &message, Int32(MSG_NOSIGNAL) | (more ? Int32(MSG_MORE) : 0))
                    }
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN || errno == EWOULDBLOCK ? .blocked : .failed
                }
                lastActivity = now
                consumeBytes(written)
                if written == 0 { return .blocked }
            case .file(let f, let offset, let remaining):
                var off = off_t(offset)
                let n = sendfile(fd, f.fd, &off, Int(min(remaining, 1 << 30)))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN || errno == EWOULDBLOCK ? .blocked : .failed
                }
                if n == 0 { return .failed }  // the file shrank under us
                lastActivity = now
                queuedBytes -= Int64(n)
                if Int64(n) == remaining {
                    output.removeFirst()
                } else {
                    output[0] = .file(f, offset: offset + Int64(n), remaining: remaining - Int64(n))
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
