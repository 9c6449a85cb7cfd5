#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// An open file descriptor shared by whoever sends from it (the parts of one response, or
/// every response of a hot cached object), closed when the last of them lets go. The file
/// it was opened on stays readable through it after a rename or unlink.
public final class OpenFile: Sendable {
    public let fd: Int32

    /// Takes ownership of `fd`.
    public init(fd: Int32) { self.fd = fd }

    /// The file at `path` opened for reading, nil if it cannot be.
    public convenience init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.init(fd: fd)
    }

    /// The file's size now (`fstat`); nil if it cannot be had.
    public var size: Int64? {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// `bytes` in an anonymous in-memory file (`memfd_create`), so that built responses kept
    /// in memory go out with `sendfile` from its pages like files on disk, instead of a
    /// `writev` copy from the process's heap. Nil if no descriptor or memory can be had.
    public static func inMemory(_ bytes: [UInt8], name: String = "vod-segment") -> OpenFile? {
        inMemory(pieces: [.array(bytes[...])], name: name)
    }

    /// The same for the concatenation of `pieces`, written from them with `writev` (no joined copy).
    public static func inMemory(pieces: [MemoryBytes], name: String = "vod-segment") -> OpenFile? {
        let fd = vod_memfd(name)
        guard fd >= 0 else { return nil }
        let file = OpenFile(fd: fd)
        var queue = pieces.filter { $0.count > 0 }.map { Connection.Output.bytes($0, sent: 0) }
        while !queue.isEmpty {
            let n = withPinnedIOVecs(leadingRuns(queue, upTo: 512)[...], []) { iov in iov.withUnsafeBufferPointer { writev(fd, $0.baseAddress, Int32($0.count)) } }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            advance(&queue, by: n)
        }
        return file
    }

    deinit { close(fd) }
}
