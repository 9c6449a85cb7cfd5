import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// The body of one PATCH (or of a POST with `creation-with-upload`), written at the
/// upload's offset as it arrives (with the checksum it names, if any). At the end, the
/// data is fsynced and the offset recorded before the answer; a body cut off midway is
/// kept up to where it stopped (tus lets the client resume from there), unless it carried
/// a checksum, which can no longer be checked: then it is discarded.
final class UploadSink: HTTPBodySink {
    let store: UploadStore
    let tus: TusHandler
    var record: UploadRecord
    private var fd: Int32
    private var offset: Int64
    private var digest: MessageDigest?
    let expected: [UInt8]?
    /// The answer's status: 201 for a creation with upload, 204 for a PATCH.
    let status: Int

    init(store: UploadStore, tus: TusHandler, record: UploadRecord, fd: Int32, checksum: (MessageDigest.Algorithm, [UInt8])?, status: Int) {
        self.store = store
        self.tus = tus
        self.record = record
        self.fd = fd
        offset = record.offset
        digest = checksum.map { MessageDigest($0.0) }
        expected = checksum?.1
        self.status = status
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse? {
        guard Int64(bytes.count) <= record.length - offset, let base = bytes.baseAddress else {
            if bytes.isEmpty { return nil }
            discard()
            return tus.response(error: .badRequest("the body goes past Upload-Length (\(record.length))"))
        }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let why = String(cString: strerror(errno))
                discard()
                store.log("upload \(record.id): write failed: \(why)")
                return tus.response(error: .storage(why))
            }
            done += n
        }
        digest?.update(bytes)
        offset += Int64(bytes.count)
        return nil
    }

    func finish() -> HTTPReply {
        if let expected, let got = digest.take()?.finish(), !BearerToken.constantTimeEquals(got, expected) {
            discard()
            return .response(tus.response(error: .checksumMismatch))
        }
        let (store, tus, record, fd, offset, status) = (store, tus, record, fd, offset, status)
        self.fd = -1  // the deferred work owns it now
        return .deferred {
            defer { close(fd) }
            do throws(UploadError) {
                let saved = try store.acknowledge(record, offset: offset, fd: fd)
                if saved.isComplete { DispatchQueue.global().async { store.finish(saved.id) } }
                var r = tus.response(status)
                r.headers.append("Upload-Offset", String(saved.offset))
                r.headers.append("Upload-Expires", HTTPDate.format(Int(saved.expires)))
                if status == 201 { r.headers.append("Location", "\(TusHandler.prefix)/\(saved.id)") }
                return r
            } catch {
                return tus.response(error: error)
            }
        }
    }

    /// The client went away midway: keep what arrived (made durable off the loop), unless a
    /// checksum was promised for the whole body.
    func cancel() {
        guard fd >= 0 else { return }
        if expected != nil { return discard() }
        let (store, record, fd, offset) = (store, record, fd, offset)
        self.fd = -1
        DispatchQueue.global().async {
            defer { close(fd) }
            _ = try? store.acknowledge(record, offset: offset, fd: fd)
        }
    }

    /// Drops this body's bytes: the file goes back to the acknowledged offset.
    private func discard() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, off_t(record.offset))
        close(fd)
        fd = -1
    }
}
