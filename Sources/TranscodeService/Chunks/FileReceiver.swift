import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// An uploaded file written as it arrives (off the loop) to `path` and kept only when its
/// SHA-256 is the one announced: 201, or 422 and nothing kept.
enum FileReceiver {
    static func make(path: String, expected: [UInt8]) -> QueuedBodySink {
        QueuedBodySink(capacity: 4 << 20, abandoned: .text(500, "the upload stopped")) { queue, answer in
            let temporary = path + ".part"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            var hash: SHA256? = SHA256()
            var failed: String? = fd < 0 ? "cannot create \(path): \(String(cString: strerror(errno)))" : nil
            loop: while true {
                switch queue.next(timeout: 60) {
                case .timedOut: continue
                case .bytes(let bytes):
                    guard failed == nil else { continue }
                    hash?.update(bytes)
                    let written = bytes.withUnsafeBytes { b in b.baseAddress.map { write(fd, $0, b.count) } ?? 0 }
                    if written != bytes.count { failed = "cannot write \(path): \(String(cString: strerror(errno)))" }
                case .finished: break loop
                case .failed:
                    if fd >= 0 { close(fd) }
                    unlink(temporary)
                    return
                }
            }
            let digest = hash.take()?.finish() ?? []
            if fd >= 0 { if fsync(fd) != 0 { failed = failed ?? "cannot write \(path)" }; close(fd) }
            if let failed {
                unlink(temporary)
                return answer.deliver(.text(507, failed))
            }
            guard BearerToken.constantTimeEquals(digest, expected) else {
                unlink(temporary)
                return answer.deliver(.text(422, "the file's SHA-256 is \(SHA256.hex(digest)), not the one announced"))
            }
            guard rename(temporary, path) == 0 else { return answer.deliver(.text(507, "cannot store \(path)")) }
            answer.deliver(HTTPResponse(status: 201))
        }
    }
}
