#if canImport(Glibc)
import Glibc
#endif

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

    deinit { close(fd) }
}
