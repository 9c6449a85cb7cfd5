#if canImport(Glibc)
import Glibc
#endif

/// A file being written while it is sent: the writer calls `advance` as bytes land
/// and `finish` or `fail` at the end; connections send what is there with `sendfile`
/// and ask to be woken for more. The descriptor stays open (and valid after the file
/// is renamed) until the last user lets go.
public final class GrowingFile: @unchecked Sendable, Equatable {
    public static func == (a: GrowingFile, b: GrowingFile) -> Bool { a === b }

    public let fd: Int32
    /// Bytes the file will hold when complete.
    public let total: Int64
    private var mutex = pthread_mutex_t()
    private var written: Int64 = 0
    private var failed = false
    private var wakers: [@Sendable () -> Void] = []

    /// Takes ownership of `fd` (opened for reading; the writer may use its own descriptor or this one).
    public init(fd: Int32, total: Int64, alreadyWritten: Int64 = 0) {
        self.fd = fd
        self.total = total
        written = alreadyWritten
        pthread_mutex_init(&mutex, nil)
    }

    deinit { close(fd) }

    public var state: (written: Int64, failed: Bool) {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return (written, failed)
    }

    /// `count` more bytes are in the file.
    public func advance(_ count: Int64) { update { $0.written += count } }

    /// The writer gave up: readers stop (their connections close, the length cannot be kept).
    public func fail() { update { $0.failed = true } }

    /// Calls `wake` (once, from any thread) when more bytes than `seen` are there or the file failed;
    /// at once if that is already so.
    func notify(after seen: Int64, _ wake: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(&mutex)
        if written > seen || failed || written >= total {
            pthread_mutex_unlock(&mutex)
            wake()
            return
        }
        wakers.append(wake)
        pthread_mutex_unlock(&mutex)
    }

    private func update(_ change: (GrowingFile) -> Void) {
        pthread_mutex_lock(&mutex)
        change(self)
        let woken = wakers
        wakers = []
        pthread_mutex_unlock(&mutex)
        woken.forEach { $0() }
    }
}
