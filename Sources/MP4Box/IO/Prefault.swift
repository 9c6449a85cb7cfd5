#if canImport(Glibc)
import Glibc
#endif

/// Maps in the pages of a large buffer about to be filled by `pread` in one call
/// (`MADV_POPULATE_WRITE`) instead of a fault a page as the kernel copies into them: a
/// cold load reads an index file into fresh memory, where the faults cost more than the
/// copy. Not for reads into memory that is likely mapped already (segment spans: there
/// the call walks the pages for nothing, measured 5–15 % slower). Where the kernel lacks
/// it (before Linux 5.14), nothing.
func prefault(_ buffer: UnsafeMutableRawBufferPointer) {
    let pageSize = sysconf(Int32(_SC_PAGESIZE))
    guard buffer.count >= 256 << 10, pageSize > 0, let base = buffer.baseAddress else { return }
    let page = UInt(pageSize)
    let start = (UInt(bitPattern: base) + page - 1) / page * page, end = (UInt(bitPattern: base) + UInt(buffer.count)) / page * page
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(aligned, Int(end - start), 23)  // MADV_POPULATE_WRITE (Linux 5.14)
}
