#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// How the daemons ask glibc's allocator to keep memory for reuse. By default it maps a
/// buffer of a megabyte or so on its own and unmaps it when freed, and gives the top of
/// the heap back soon after: every TS segment, span read and index built then faults its
/// pages in afresh (zeroed by the kernel), which measured 46 % of a TS segment's time.
/// Buffers below `mmapThreshold` come from the heap instead, and up to `trimThreshold`
/// of free memory stays there for the next one. The environment still decides when it
/// says (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`).
public enum MemoryReuse {
    public static let mmapThreshold: Int32 = 8 << 20
    public static let trimThreshold: Int32 = 64 << 20

    public static func configure() {
        guard getenv("MALLOC_MMAP_THRESHOLD_") == nil && getenv("MALLOC_TRIM_THRESHOLD_") == nil else { return }
        vod_malloc_thresholds(mmapThreshold, trimThreshold)
    }
}
