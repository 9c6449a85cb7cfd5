import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// The body of one PATCH (or of a POST with `creation-with-upload`). The event loop only
/// queues what arrives (the connection stops reading while 4 MiB wait); a thread of the
/// upload's own (`UploadWriter`) writes it at the upload's offset, checks the checksum it
/// names, and at the end makes it durable before the answer. A body cut off midway is kept
/// up to where it stopped (tus lets the client resume from there), unless it carried a
/// checksum, which can no longer be checked: then it is discarded.
enum UploadSink {
    static func make(store: UploadStore, tus: TusHandler, record: UploadRecord, fd: Int32, checksum: (MessageDigest.Algorithm, [UInt8])?,
                     status: Int) -> QueuedBodySink {
        let writer = UploadWriter(store: store, tus: tus, record: record, fd: fd, checksum: checksum, status: status)
        let room = record.length - record.offset
        var received: Int64 = 0  // queued so far, checked against Upload-Length on the loop
        return QueuedBodySink(capacity: 4 << 20, abandoned: tus.response(error: .storage("the upload stopped")), check: { count in
            if let refusal = writer.failure { return refusal }
            guard Int64(count) <= room - received else {
                writer.refuse(.badRequest("the body goes past Upload-Length (\(record.length))"))
                return writer.failure
            }
            received += Int64(count)
            return nil
        }, consumer: { queue, answer in writer.run(queue, answer: answer) })
    }
}

/// The writing side of an upload's body, on its own thread: an upload may last for hours and
/// must not hold the workers, and its disk writes must not hold the event loop.
final class UploadWriter: Sendable {
    let store: UploadStore
    let tus: TusHandler
    let record: UploadRecord
    private let fd: Int32
    private let checksum: (MessageDigest.Algorithm, [UInt8])?
    private let status: Int
    private let refusal = Mutex<HTTPResponse?>(nil)
    /// Written data is handed to the disk every `writebackBytes`, so the fsync before the
    /// answer has little left to do and dirty pages do not pile up behind a fast client.
    static let writebackBytes: Int64 = 8 << 20

    init(store: UploadStore, tus: TusHandler, record: UploadRecord, fd: Int32, checksum: (MessageDigest.Algorithm, [UInt8])?, status: Int) {
        self.store = store
        self.tus = tus
        self.record = record
        self.fd = fd
        self.checksum = checksum
        self.status = status
    }

    /// Set once the body is refused (a write failed, or it goes past the length): the
    /// connection sends it and stops reading.
    var failure: HTTPResponse? { refusal.withLock { $0 } }

    func refuse(_ error: UploadError) { refusal.withLock { if $0 == nil { $0 = tus.response(error: error) } } }

    func run(_ queue: StreamQueue, answer: ResponseSlot) {
        let response = consume(queue)
        close(fd)  // before the answer: the client's next PATCH must find the upload unlocked (else 423)
        if let response { answer.deliver(response) }
    }

    /// Writes the body as it comes; the answer, or nil when the client went away.
    private func consume(_ queue: StreamQueue) -> HTTPResponse? {
        var digest = checksum.map { MessageDigest($0.0) }
        var offset = record.offset
        var handedToDisk = record.offset
        while true {
            switch queue.next(timeout: 60) {
            case .timedOut: continue  // the connection watches the client for stalls
            case .bytes(let bytes):
                guard failure == nil else { continue }
                if let why = bytes.withUnsafeBytes({ Self.write($0, to: fd, at: offset) }) {
                    store.log("upload \(record.id): write failed: \(why)")
                    refuse(.storage(why))
                    continue
                }
                bytes.withUnsafeBytes { digest?.update($0) }
                offset += Int64(bytes.count)
                if offset - handedToDisk >= Self.writebackBytes {
                    Writeback.start(fd, from: handedToDisk, count: offset - handedToDisk)
                    handedToDisk = offset
                }
            case .finished:
                if let failure {
                    _ = ftruncate(fd, off_t(record.offset))
                    return failure
                }
                if let expected = checksum?.1, let got = digest.take()?.finish(), !BearerToken.constantTimeEquals(got, expected) {
                    _ = ftruncate(fd, off_t(record.offset))
                    return tus.response(error: .checksumMismatch)
                }
                return acknowledged(offset)
            case .failed:
                // The client went away: keep what arrived, unless a checksum was promised for the whole body.
                if checksum != nil || failure != nil { _ = ftruncate(fd, off_t(record.offset)); return nil }
                _ = try? store.acknowledge(record, offset: offset, fd: fd)
                return nil
            }
        }
    }

    private func acknowledged(_ offset: Int64) -> HTTPResponse {
        do throws(UploadError) {
            let saved = try store.acknowledge(record, offset: offset, fd: fd)
            if saved.isComplete { DispatchQueue.global().async { [store] in store.finish(saved.id) } }
            var r = tus.response(status)
            r.headers.append("Upload-Offset", String(saved.offset))
            r.headers.append("Upload-Expires", HTTPDate.format(Int(saved.expires)))
            if status == 201 { r.headers.append("Location", "\(TusHandler.prefix)/\(saved.id)") }
            return r
        } catch {
            return tus.response(error: error)
        }
    }

    /// Writes all of `bytes` at `offset`; the reason if it could not.
    private static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, at offset: Int64) -> String? {
        guard let base = bytes.baseAddress else { return nil }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return n == 0 ? "no space written" : String(cString: strerror(errno)) }
            done += n
        }
        return nil
    }
}
