import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A file being written while it is sent: the writer calls `advance` as bytes land
/// and `finish` or `fail` at the end; connections send what is there with `sendfile`
/// and ask to be woken for more. The descriptor stays open (and valid after the file
/// is renamed) until the last user lets go.
///
/// When writing to the file fails (a full disk), the writer goes on with `appendInMemory`:
/// bytes from `memoryStart` on are then sent from memory, so the players still get the
/// whole body.
public final class GrowingFile: Sendable, Equatable {
    public static func == (a: GrowingFile, b: GrowingFile) -> Bool { a === b }

    public let fd: Int32
    /// Bytes the file will hold when complete.
    public let total: Int64

    private struct Progress {
        var written: Int64
        var failed = false
        var wakers: [@Sendable () -> Void] = []
        /// Where the bytes held in memory begin (nil while everything is in the file).
        var memoryStart: Int64?
        var memory: [UInt8] = []
    }
    private let progress: Mutex<Progress>

    /// Takes ownership of `fd` (opened for reading; the writer may use its own descriptor or this one).
    public init(fd: Int32, total: Int64, alreadyWritten: Int64 = 0) {
        self.fd = fd
        self.total = total
        progress = Mutex(Progress(written: alreadyWritten))
    }

    deinit { close(fd) }

    public var state: (written: Int64, failed: Bool) { progress.withLock { ($0.written, $0.failed) } }

    /// `count` more bytes are in the file.
    public func advance(_ count: Int64) { update { $0.written += count } }

    /// More bytes, kept in memory: the file could not take them (nor any after them).
    public func appendInMemory(_ bytes: UnsafeRawBufferPointer) {
        update {
            if $0.memoryStart == nil { $0.memoryStart = $0.written }
            $0.memory.append(contentsOf: bytes)
            $0.written += Int64(bytes.count)
        }
    }

    /// Up to `count` bytes from `offset` when they are held in memory; nil when they are in the file.
    func memoryBytes(from offset: Int64, count: Int64) -> [UInt8]? {
        progress.withLock { p in
            guard let start = p.memoryStart, offset >= start else { return nil }
            let from = Int(clamping: offset - start), to = Int(clamping: min(Int64(p.memory.count), offset - start + count))
            return from < to ? Array(p.memory[from..<to]) : []
        }
    }

    /// The writer gave up: readers stop (their connections close, the length cannot be kept).
    public func fail() { update { $0.failed = true } }

    /// Calls `wake` (once, from any thread) when more bytes than `seen` are there or the file failed;
    /// at once if that is already so.
    func notify(after seen: Int64, _ wake: @escaping @Sendable () -> Void) {
        let now = progress.withLock { p -> Bool in
            if p.written > seen || p.failed || p.written >= total { return true }
            p.wakers.append(wake)
            return false
        }
        if now { wake() }
    }

    private func update(_ change: (inout Progress) -> Void) {
        let woken = progress.withLock { p in
            change(&p)
            defer { p.wakers = [] }
            return p.wakers
        }
        woken.forEach { $0() }
    }
}
