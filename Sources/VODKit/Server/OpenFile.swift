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

    /// `bytes` in an anonymous in-memory file (`memfd_create`), so that built responses kept
    /// in memory go out with `sendfile` from its pages like files on disk, instead of a
    /// `writev` copy from the process's heap. Nil if no descriptor or memory can be had.
    public static func inMemory(_ bytes: [UInt8], name: String = "vod-segment") -> OpenFile? {
        let fd = vod_memfd(name)
        guard fd >= 0 else { return nil }
        let file = OpenFile(fd: fd)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { b in b.baseAddress.map { write(fd, $0 + written, b.count - written) } ?? -1 }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            written += n
        }
        return file
    }

    deinit { close(fd) }
}
