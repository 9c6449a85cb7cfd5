#if canImport(Glibc)
import Glibc
#endif

/// Starts the disk write of a file range without waiting for it (Linux's
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`, looked up at run time: Swift's Glibc module does
/// not declare it). Where it is missing this does nothing and the later fsync does it all.
enum Writeback {
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    private static let syncFileRangeWrite: UInt32 = 2

    private static let function: SyncFileRange? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
    }()

    static func start(_ fd: Int32, from offset: Int64, count: Int64) {
        _ = function?(fd, offset, count, syncFileRangeWrite)
    }
}
