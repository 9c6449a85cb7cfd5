#if canImport(Glibc)
import Glibc
#endif

/// Hashes files with plain `read(2)` calls (no Foundation file handles): used where a
/// daemon checks what it stores or sends (spool jobs, replicated files, cached objects).
public enum FileDigest {
    /// SHA-256 (hex) and length of the bytes from `offset` to the end of the file; nil if unreadable.
    /// `progress` is told the bytes hashed so far after every MiB (a long hash keeps a lease alive).
    public static func sha256(path: String, from offset: Int64 = 0, progress: ((Int64) -> Void)? = nil) -> (hex: String, bytes: Int64)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var hash = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position = offset, total: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(position)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            buffer.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            position += Int64(n)
            total += Int64(n)
            progress?(total)
        }
        return (SHA256.hex(hash.finish()), total)
    }
}
