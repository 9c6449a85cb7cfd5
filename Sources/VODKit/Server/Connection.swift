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
        case bytes(MemoryBytes, sent: Int64)
        case file(OpenFile, offset: Int64, remaining: Int64)
        case growing(GrowingFile, offset: Int64, remaining: Int64)
        /// Bytes taken from the pipe as the worker produces them; `chunked`: framed as chunks.
        case pipe(BodyPipe, chunked: Bool)
    }

    let fd: Int32
    /// Tells this connection from a later one that reuses its descriptor (deferred replies look it up).
    let id: UInt64
    private(set) var readBuffer: [UInt8] = []
    /// Bytes at the front of `readBuffer` already taken (requests parsed, body bytes passed on).
    /// They are dropped in bulk, not moved out for every request, which made a long
    /// pipeline cost time quadratic in its length.
    private var readStart = 0
    /// Bytes read and not yet taken.
    var unread: Int { readBuffer.count - readStart }
    /// Requests handled in one call of `process` before other connections get their turn
    /// (as nginx does): a client pipelining thousands cannot hold its loop.
    static let requestsPerTurn = 16
    /// Unread bytes held at most (a complete request head fits: 8 KB line + 32 KB fields);
    /// past `stalledUnread`, a connection that is waiting for its output to drain (or for a
    /// reply) is not read further, so a client that pipelines and never reads costs little.
    static let maxUnread = 64 << 10
    static let stalledUnread = 16 << 10
    /// A body streamed to a sink (an upload) is read in larger pieces: fewer turns of the loop per byte.
    static let maxUnreadStreaming = 1 << 20
    private var readLimit: Int { sink != nil && !waitingForSink ? Self.maxUnreadStreaming : Self.maxUnread }
    /// `process` stopped at `requestsPerTurn` with more requests buffered: the loop calls again.
    private(set) var morePending = false
    /// The last write did not take everything: nothing more is processed until it drains.
    private(set) var outputBlocked = false
    /// `process` stopped with requests buffered because output was pending: resume once written.
    private(set) var heldBack = false
    private var parser: HTTPRequestParser
    private var output: [Output] = []
    private(set) var queuedBytes: Int64 = 0
    /// Close once everything queued is written.
    private(set) var closeAfterWrite = false
    /// Input may still be arriving that was never read (a refused body, a broken stream):
    /// closing at once would make the kernel reset the connection and could destroy the
    /// answer before the client reads it. Instead: shut down writing, drain for a while, close.
    private(set) var lingerOnClose = false
    /// When lingering ends (monotonic milliseconds); set while lingering.
    var lingerUntil: Int64?
    /// A request head whose body is still arriving.
    private var pendingHead: HTTPRequestHead?
    private var pendingBody: [UInt8] = []
    private var pendingLength: Int64 = 0
    private var chunked: ChunkedDecoder?
    /// Where a streamed body goes.
    private var sink: HTTPBodySink?
    /// A request whose reply is being made on the worker pool; nothing else is processed meanwhile.
    private var awaiting: HTTPRequestHead?
    /// When the current request's head was complete (access log duration), monotonic nanoseconds.
    private var exchangeStarted: Int64 = 0
    let config: HTTPServer.Config
    /// Asks the loop to flush this connection again (a growing file got more bytes).
    var wake: @Sendable () -> Void = {}
    /// Monotonic milliseconds.
    var lastActivity: Int64
    /// When the first byte of a not yet complete request arrived (slow-client cut-off).
    var requestStarted: Int64?
    /// The last read stopped before the socket was drained (backlog): read again later,
    /// since edge-triggered epoll will not report the data again.
    private(set) var readCutShort = false

    init(fd: Int32, id: UInt64, config: HTTPServer.Config, now: Int64) {
        self.fd = fd
        self.id = id
        self.config = config
        parser = HTTPRequestParser(limits: config.limits)
        lastActivity = now
    }

    deinit {
        sink?.cancel()
        for case .pipe(let pipe, _) in output { pipe.cancel() }
        close(fd)
    }

    var wantsWrite: Bool { !output.isEmpty }
    var isIdle: Bool { output.isEmpty && unread == 0 && pendingHead == nil && awaiting == nil }
    var isAwaitingReply: Bool { awaiting != nil }
    var isStreamingBody: Bool { sink != nil }

    enum ReadResult { case open, closed }

    /// Reads until the socket is drained (edge-triggered); returns `.closed` on EOF or error.
    /// `shortReadDrains`: a read that returns less than asked has emptied the socket (bytes
    /// arriving later raise a new edge), so the read that would only say EAGAIN is skipped,
    /// as nginx does; not when the event reported a hang-up, whose EOF must be read.
    func readAvailable(now: Int64, scratch: UnsafeMutableRawBufferPointer, shortReadDrains: Bool = false) -> ReadResult {
        if lingerUntil != nil {  // lingering: discard what still comes
            while true {
                let n = recv(fd, scratch.baseAddress, scratch.count, 0)
                if n > 0 { continue }
                if n < 0 && errno == EINTR { continue }
                return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? .open : .closed
            }
        }
        while true {
            let stalled = outputBlocked || awaiting != nil || morePending || waitingForSink
            readCutShort = unread >= readLimit || (stalled && unread >= Self.stalledUnread)
            if readCutShort { return .open }  // unprocessed backlog: read again after writing
            let asked = min(scratch.count, readLimit - unread)
            let n = recv(fd, scratch.baseAddress, asked, 0)
            if n > 0 {
                if unread == 0 && pendingHead == nil && requestStarted == nil { requestStarted = now }
                readBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                lastActivity = now
                if shortReadDrains && n < asked { return .open }
                continue
            }
            if n == 0 { return .closed }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .open : .closed
        }
    }

    /// Parses complete requests from the buffer and queues their responses (or hands
    /// them to the worker pool, after which it waits for `completeDeferred`).
    func process(now: Int64, loop: EventLoop) {
        morePending = false
        heldBack = false
        var handled = 0
        defer { heldBack = unread > 0 && awaiting == nil && !closeAfterWrite && (outputBlocked || queuedBytes >= 1 << 20) }
        while !closeAfterWrite && awaiting == nil && !outputBlocked && queuedBytes < 1 << 20 {
            if handled == Self.requestsPerTurn { morePending = unread > 0; return }
            handled += 1
            do throws(HTTPParseError) {
                if let head = pendingHead {
                    guard try receiveBody() else { return }
                    if closeAfterWrite { return }  // the sink refused the body
                    pendingHead = nil
                    requestStarted = unread == 0 ? nil : now
                    if let s = sink {
                        sink = nil
                        dispatch(s.finish(), head: head, loop: loop)
                    } else {
                        let body = pendingBody
                        pendingBody = []
                        dispatch(loop.handler.reply(to: HTTPRequest(head: head, body: body, peer: peer)), head: head, loop: loop)
                    }
                    continue
                }
                guard let (head, used) = try parser.parse(readBuffer, from: readStart) else { return }
                consume(used)
                parser.reset()
                exchangeStarted = monotonicNanoseconds()
                if head.framing == .none {
                    requestStarted = unread == 0 ? nil : now
                    dispatch(loop.handler.reply(to: HTTPRequest(head: head, peer: peer)), head: head, loop: loop)
                } else {
                    try beginBody(head, loop: loop)
                }
            } catch {
                loop.config.log("\(peerDescription) \(error)")
                fail(error.status, error.description)
                return
            }
        }
    }

    /// Asks the handler how to take the body, then waits for it (sending `100 Continue` if asked).
    private func beginBody(_ head: HTTPRequestHead, loop: EventLoop) throws(HTTPParseError) {
        switch loop.handler.bodyHandling(for: head) {
        case .reject(let response):
            // The body is not read, so the stream cannot go on after this answer.
            closeAfterWrite = true
            finishExchange(response, head: head)
            discardInput()
            lingerOnClose = true
            return
        case .buffer:
            if case .contentLength(let n) = head.framing, n > config.maxBufferedBody { throw .payloadTooLarge }
            pendingBody = []
            chunked = head.framing == .chunked ? ChunkedDecoder(maxBody: config.maxBufferedBody) : nil
        case .stream(let s):
            if case .contentLength(let n) = head.framing, n > config.maxStreamedBody { s.cancel(); throw .payloadTooLarge }
            sink = s
            chunked = head.framing == .chunked ? ChunkedDecoder(maxBody: config.maxStreamedBody) : nil
            requestStarted = nil  // a streamed body is watched for stalls, not for its total time
        }
        if case .contentLength(let n) = head.framing { pendingLength = n } else { pendingLength = 0 }
        pendingHead = head
        if head.minorVersion == 1, head.headers["Expect"]?.caseInsensitiveEquals("100-continue") == true {
            push(.bytes(.array(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)[...]), sent: 0))
        }
    }

    /// The sink had no room: nothing is delivered or read until it calls back.
    private(set) var waitingForSink = false

    /// Moves body bytes from the read buffer to the body or the sink; true when the body is complete.
    private func receiveBody() throws(HTTPParseError) -> Bool {
        if let s = sink, !s.hasRoom {
            waitingForSink = true
            lastActivity = monotonicMilliseconds()  // waiting on the sink, not on the client
            s.notifyRoom(wake)
            return false
        }
        waitingForSink = false
        if var decoder = chunked {
            var decoded: [UInt8] = []
            let used = try decoder.decode(readBuffer[readStart...], into: &decoded)
            consume(used)
            chunked = decoder.isDone ? nil : decoder
            if sink == nil { pendingBody += decoded } else if !decoded.isEmpty && !deliver(decoded[...]) { return true }
            return chunked == nil
        }
        let n = Int(min(pendingLength, Int64(unread)))
        if sink == nil { pendingBody += readBuffer[readStart..<readStart + n] } else if n > 0 && !deliver(readBuffer[readStart..<readStart + n]) { return true }
        consume(n)
        pendingLength -= Int64(n)
        return pendingLength == 0
    }

    /// Hands bytes to the sink; false (with its answer queued and the connection closing) if it refused them.
    private func deliver(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let s = sink, let refusal = bytes.withUnsafeBytes({ s.write($0) }) else { return true }
        s.cancel()
        sink = nil
        closeAfterWrite = true
        if let head = pendingHead { finishExchange(refusal, head: head) }
        pendingHead = nil
        discardInput()
        lingerOnClose = true
        return false
    }

    /// Takes `n` read bytes: the buffer is released once everything is taken, and moved
    /// down only when the taken part grows large.
    private func consume(_ n: Int) {
        readStart += n
        if readStart >= readBuffer.count { readBuffer = []; readStart = 0 } else if readStart >= Self.maxUnread { readBuffer.removeFirst(readStart); readStart = 0 }
    }

    /// Drops every unread byte (the stream cannot go on).
    private func discardInput() { readBuffer = []; readStart = 0 }

    private func dispatch(_ reply: HTTPReply, head: HTTPRequestHead, loop: EventLoop) {
        switch reply {
        case .response(let response): finishExchange(response, head: head)
        case .deferred(let work):
            awaiting = head
            loop.runDeferred(work, for: self)
        case .later(let start):
            awaiting = head
            start(loop.completion(for: self))
        }
    }

    /// The worker pool's answer to the request this connection waits for.
    func completeDeferred(_ response: HTTPResponse) {
        guard let head = awaiting else { return }
        awaiting = nil
        finishExchange(response, head: head)
    }

    private func finishExchange(_ response: HTTPResponse, head: HTTPRequestHead) {
        var response = response
        // HTTP/1.0 has no chunked coding: a body of unknown length ends with the connection.
        if response.lengthUnknown && head.minorVersion == 0 && head.method != "HEAD" { closeAfterWrite = true }
        if let access = config.accessLog {
            let ms = Double(monotonicNanoseconds() - exchangeStarted) / 1e6
            let bytes = head.method == "HEAD" ? 0 : response.contentLength
            access("\(head.method) \(head.target) \(response.status) \(bytes) \(String(format: "%.3f", ms))ms")
        }
        let keepAlive = head.keepAlive && !closeAfterWrite
        enqueue(&response, head: head.method == "HEAD", keepAlive: keepAlive, minorVersion: head.minorVersion)
        if !keepAlive { closeAfterWrite = true }
    }

    /// Answers an error and closes: after a framing error the stream cannot be trusted.
    func fail(_ status: Int, _ message: String) {
        var response = HTTPResponse.text(status, message)
        enqueue(&response, head: false, keepAlive: false, minorVersion: 1)
        closeAfterWrite = true
        discardInput()
        lingerOnClose = true
        sink?.cancel()
        sink = nil
        pendingHead = nil
    }

    private func enqueue(_ response: inout HTTPResponse, head: Bool, keepAlive: Bool, minorVersion: Int) {
        // Open files first: a file that cannot be opened turns the response into a 500.
        // One descriptor per distinct file, shared by its parts.
        var files: [OpenFile] = []
        if !head {
            var opened: [String: OpenFile] = [:]
            for case let .file(path, _, _) in response.body {
                if let f = opened[path] { files.append(f); continue }
                guard let f = OpenFile(path: path) else {
                    files = []
                    response = .text(500, "cannot read \(path)")
                    break
                }
                opened[path] = f
                files.append(f)
            }
        }
        var text: [UInt8] = []
        text.reserveCapacity(512)
        // Appended field by field (no intermediate strings): this runs for every response.
        func field(_ name: StaticString, _ value: String) {
            text.append(contentsOf: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            text.append(contentsOf: value.utf8)
            text.append(13); text.append(10)
        }
        text.append(contentsOf: minorVersion == 0 ? "HTTP/1.0 ".utf8 : "HTTP/1.1 ".utf8)
        text.append(contentsOf: String(response.status).utf8)
        text.append(0x20)
        text.append(contentsOf: HTTPResponse.reason(response.status).utf8)
        text.append(13); text.append(10)
        field("Date: ", HTTPDate.cachedNow())
        field("Server: ", "vod")
        for (name, value) in response.headers where !name.caseInsensitiveEquals("Content-Length") && !name.caseInsensitiveEquals("Connection") {
            text.append(contentsOf: name.utf8)
            text.append(0x3A); text.append(0x20)
            text.append(contentsOf: value.utf8)
            text.append(13); text.append(10)
        }
        let chunked = response.lengthUnknown && minorVersion > 0
        if response.lengthUnknown {
            if chunked { field("Transfer-Encoding: ", "chunked") }
        } else if response.status != 304 && response.status != 204 { field("Content-Length: ", String(response.contentLength)) }
        if !keepAlive { field("Connection: ", "close") } else if minorVersion == 0 { field("Connection: ", "keep-alive") }
        text.append(13); text.append(10)
        // Header and body bytes go out as separate iovecs of one writev: bodies are not copied.
        push(.bytes(.array(text[...]), sent: 0))
        if !head {
            var fileIndex = 0
            for part in response.body {
                switch part {
                case .bytes(let b): if !b.isEmpty { push(.bytes(.array(b[...]), sent: 0)) }
                case .memory(let b): if b.count > 0 { push(.bytes(b, sent: 0)) }
                case let .file(_, offset, length):
                    push(.file(files[fileIndex], offset: offset, remaining: length))
                    fileIndex += 1
                case let .openFile(file, offset, length):
                    if length > 0 { push(.file(file, offset: offset, remaining: length)) }
                case let .growing(file, offset, length):
                    if length > 0 { push(.growing(file, offset: offset, remaining: length)) }
                case .pipe(let pipe): push(.pipe(pipe, chunked: chunked))
                }
            }
        } else {
            for case .pipe(let pipe) in response.body { pipe.cancel() }
        }
    }

    private func push(_ item: Output) {
        switch item {
        case .bytes(let b, let sent): queuedBytes += b.count - sent
        case .file(_, _, let remaining), .growing(_, _, let remaining): queuedBytes += remaining
        case .pipe: break  // counted as its bytes are taken
        }
        output.append(item)
    }

    enum WriteResult { case done, blocked, failed }

    /// Writes as much as the socket takes; while it does not take everything, no further
    /// request is processed (`outputBlocked`), so a client that does not read holds one response.
    func flush(now: Int64) -> WriteResult {
        let result = writeQueued(now: now)
        outputBlocked = result == .blocked
        return result
    }

    /// Writes as much as the socket takes: runs of bytes with one `writev`, files with `sendfile`.
    private func writeQueued(now: Int64) -> WriteResult {
        while let first = output.first {
            switch first {
            case .bytes:
                let runs = leadingRuns(output, upTo: 256)
                // Headers before file data are sent with MSG_MORE, so they share packets with it (like TCP_CORK).
                var more = false
                if runs.count < output.count, case .file = output[runs.count] { more = true }
                if runs.count < output.count, case .growing = output[runs.count] { more = true }
                if runs.count < output.count, case .pipe = output[runs.count] { more = true }
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
                guard let n = sendChunk(from: f.fd, offset: offset, count: remaining, now: now) else { continue }
                if n < 0 { return n == -1 ? .blocked : .failed }
                output[0] = .file(f, offset: offset + n, remaining: remaining - n)
                if n == remaining { output.removeFirst() }
            case .growing(let g, let offset, let remaining):
                let (written, failed) = g.state
                if failed { return .failed }  // the length promised cannot be kept: close
                let available = min(written - offset, remaining)
                if available <= 0 {
                    lastActivity = now  // waiting on the writer, not on the client
                    g.notify(after: offset, wake)
                    return .blocked
                }
                if let held = g.memoryBytes(from: offset, count: min(available, 256 << 10)) {  // the disk was full: from memory
                    let n = Int64(held.count)
                    output[0] = .growing(g, offset: offset + n, remaining: remaining - n)
                    if n == remaining { output.removeFirst() }
                    output.insert(.bytes(.array(held[...]), sent: 0), at: 0)
                    continue
                }
                guard let n = sendChunk(from: g.fd, offset: offset, count: available, now: now) else { continue }
                if n < 0 { return n == -1 ? .blocked : .failed }
                output[0] = .growing(g, offset: offset + n, remaining: remaining - n)
                if n == remaining { output.removeFirst() }
            case .pipe(let pipe, let chunked):
                switch pipe.take() {
                case .failed: return .failed  // the body cannot be completed: close
                case .nothingYet:
                    lastActivity = now  // waiting on the worker, not on the client
                    pipe.notify(wake)
                    return .blocked
                case .finished:
                    output.removeFirst()
                    if chunked { output.insert(.bytes(.array(Array("0\r\n\r\n".utf8)[...]), sent: 0), at: 0); queuedBytes += 5 }
                case .bytes(let b):
                    // Sent before the pipe's next bytes; the pipe stays behind them.
                    let framed = chunked ? Array((String(b.count, radix: 16) + "\r\n").utf8) + b + [13, 10] : b
                    output.insert(.bytes(.array(framed[...]), sent: 0), at: 0)
                    queuedBytes += Int64(framed.count)
                }
            }
        }
        return .done
    }

    /// One `sendfile` of up to `count` bytes: the bytes sent, -1 when the socket is full,
    /// -2 on failure (or a file that shrank), nil when interrupted (call again).
    private func sendChunk(from source: Int32, offset: Int64, count: Int64, now: Int64) -> Int64? {
        var off = off_t(offset)
        let n = sendfile(fd, source, &off, Int(min(count, 1 << 30)))
        if n < 0 {
            if errno == EINTR { return nil }
            return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2
        }
        if n == 0 { return -2 }
        lastActivity = now
        queuedBytes -= Int64(n)
        return Int64(n)
    }

    private func consumeBytes(_ count: Int) {
        queuedBytes -= Int64(count)
        advance(&output, by: count)
    }

    var peerDescription: String { "fd \(fd)" }

    /// The client's address, asked of the socket once (signed URLs bound to an address use it).
    lazy var peer: String = PeerAddress.peer(of: fd)
}

/// The `.bytes` items at the front of `queue` (at most `limit`), for one `writev`.
func leadingRuns(_ queue: [Connection.Output], upTo limit: Int) -> [(bytes: MemoryBytes, sent: Int64)] {
    var runs: [(bytes: MemoryBytes, sent: Int64)] = []
    for item in queue.prefix(limit) {
        guard case .bytes(let b, let sent) = item else { break }
        runs.append((b, sent))
    }
    return runs
}

/// Drops the first `count` bytes written of the leading `.bytes` items of `queue` (those a
/// `writev` of their iovecs took): whole items removed, a partly written one advanced.
func advance(_ queue: inout [Connection.Output], by count: Int) {
    var left = Int64(count), done = 0
    while left > 0, done < queue.count, case .bytes(let b, let sent) = queue[done] {
        let available = b.count - sent
        if left >= available { done += 1; left -= available } else { queue[done] = .bytes(b, sent: sent + left); left = 0 }
    }
    queue.removeFirst(done)  // at once: one by one moved the rest of a long queue for each
}

/// Calls `body` with iovecs pointing into the bytes themselves (no copy): each array is
/// pinned by a nested `withUnsafeBytes` for the duration of the call; a mapped range is
/// where it is mapped (the runs hold the mapping).
func withPinnedIOVecs(_ runs: ArraySlice<(bytes: MemoryBytes, sent: Int64)>, _ iov: [iovec], _ body: ([iovec]) -> Int) -> Int {
    var vectors = iov
    vectors.reserveCapacity(iov.count + runs.count)
    return pin(runs, &vectors, body)
}

/// One level per array, all appending to the one array of iovecs.
private func pin(_ runs: ArraySlice<(bytes: MemoryBytes, sent: Int64)>, _ iov: inout [iovec], _ body: ([iovec]) -> Int) -> Int {
    guard let first = runs.first else { return body(iov) }
    switch first.bytes {
    case let .mapped(file, offset, count):
        if count > first.sent, let base = file.pointer(at: offset + first.sent) {
            iov.append(iovec(iov_base: base, iov_len: Int(count - first.sent)))
        }
        return pin(runs.dropFirst(), &iov, body)
    case .array(let bytes):
        return bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress, raw.count > first.sent {
                iov.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base + Int(first.sent)), iov_len: raw.count - Int(first.sent)))
            }
            return pin(runs.dropFirst(), &iov, body)
        }
    }
}
