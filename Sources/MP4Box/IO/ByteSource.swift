#if canImport(Glibc)
import Glibc
#endif

/// Random access to the bytes of one file. Parsing never does other I/O.
public protocol ByteSource: Sendable {
    /// Total number of bytes.
    var size: Int64 { get }
    /// Reads exactly `count` bytes at `offset`, or throws if they are not there.
    func read(at offset: Int64, count: Int) throws(MP4Error) -> [UInt8]
}

/// Bytes held in memory (tests, fuzzing).
public struct MemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var size: Int64 { Int64(bytes.count) }

    public func read(at offset: Int64, count: Int) throws(MP4Error) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, Int64(count) <= size - offset else {
            throw MP4Error(.truncated, path: "", "read of \(count) bytes at \(offset) is past the end (\(size) bytes)")
        }
        let start = Int(offset)
        return Array(bytes[start..<start + count])
    }
}

/// A file read with `pread`, so one open file can serve many threads.
public final class FileByteSource: ByteSource {
    public let path: String
    public let size: Int64
    private let fd: Int32

    public init(path: String) throws(MP4Error) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MP4Error(.io, path: "", "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw MP4Error(.io, path: "", "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw MP4Error(.io, path: "", "\(path) is not a regular file")
        }
        self.fd = fd
        self.size = Int64(st.st_size)
    }

    deinit { close(fd) }

    public func read(at offset: Int64, count: Int) throws(MP4Error) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, Int64(count) <= size - offset else {
            throw MP4Error(.truncated, path: "", "read of \(count) bytes at \(offset) is past the end (\(size) bytes)")
        }
        if count == 0 { return [] }
        var done = 0
        var failure: Int32 = 0
        // Uninitialized: pread fills it, and a short read is an error, so no byte is left unset.
        let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n > 0 { done += n; continue }
                if n < 0 && errno == EINTR { continue }
                failure = n == 0 ? 0 : errno
                break
            }
            if done < count { buffer.baseAddress!.advanced(by: done).initialize(repeating: 0, count: count - done) }
            initialized = count
        }
        guard done == count else {
            let reason = failure == 0 ? "file shrank while reading" : String(cString: strerror(failure))
            throw MP4Error(.io, path: "", "read of \(count) bytes at \(offset) failed: \(reason)")
        }
        return result
    }
}
