import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file mapped read-only, whose bytes the server only ever hands to the kernel (the
/// iovecs of `sendmsg` and `writev`) and never reads itself. That is what makes mapping
/// safe against a file cut short while mapped: the kernel's copy from a page past the end
/// fails with EFAULT (the write fails, the connection closes), where a read in user space
/// would kill the process with SIGBUS. Unmapped when the last response using it is sent.
public final class MappedFile: Sendable {
    /// The mapping's start (an address, so the class stays an immutable value to share).
    private let address: UInt
    public let length: Int64

    /// Maps `path` if it still has `size` bytes (the size its index was built from); nil when
    /// it cannot be opened or mapped, is empty, or has changed.
    public init?(path: String, size: Int64) {
        // The descriptor is closed when `file` goes; the mapping stays.
        guard size > 0, let file = OpenFile(path: path), file.size == size else { return nil }
        guard let base = mmap(nil, Int(size), PROT_READ, MAP_SHARED, file.fd, 0), base != MAP_FAILED else { return nil }
        address = UInt(bitPattern: base)
        length = size
    }

    /// Where byte `offset` is mapped (nil outside the mapping); for iovecs only (see above:
    /// never dereferenced here).
    func pointer(at offset: Int64) -> UnsafeMutableRawPointer? {
        guard offset >= 0, offset <= length else { return nil }
        return UnsafeMutableRawPointer(bitPattern: address + UInt(offset))
    }

    deinit {
        if let base = UnsafeMutableRawPointer(bitPattern: address) { munmap(base, Int(length)) }
    }
}

/// Bytes already in memory that a response sends: part of an array, or a range of a
/// mapped file. Either becomes an iovec of the one `sendmsg` that writes a run of them.
public enum MemoryBytes: Sendable, Equatable {
    case array(ArraySlice<UInt8>)
    case mapped(MappedFile, offset: Int64, count: Int64)

    public var count: Int64 {
        switch self {
        case .array(let b): Int64(b.count)
        case .mapped(_, _, let count): count
        }
    }

    /// `count` bytes from `from` (both within `self`).
    public func part(from: Int64, count: Int64) -> MemoryBytes {
        switch self {
        case .array(let b):
            let start = b.startIndex + Int(from)
            return .array(b[start..<start + Int(count)])
        case let .mapped(file, offset, _): return .mapped(file, offset: offset + from, count: count)
        }
    }

    public static func == (a: MemoryBytes, b: MemoryBytes) -> Bool {
        switch (a, b) {
        case let (.array(x), .array(y)): x == y
        case let (.mapped(f, o, c), .mapped(g, p, d)): f === g && o == p && c == d
        default: false
        }
    }
}
