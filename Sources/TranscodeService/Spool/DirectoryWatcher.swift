#if canImport(Glibc)
import Glibc
#endif

/// Wakes the transcoder when something lands in a directory or in one of the named
/// sub-folders (inotify), and tells which names were renamed in whole (`<sub>/<name>` for a
/// sub-folder's). Where inotify is silent (NFS) the caller's periodic rescan still finds the files.
final class DirectoryWatcher {
    private let fd: Int32
    /// The prefix of each watch's names: "" for the directory, "<sub>/" for a sub-folder.
    private var prefixes: [Int32: String] = [:]

    init(_ directory: String, subfolders: [String] = []) {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return }
        for (path, prefix) in [(directory, "")] + subfolders.map({ ("\(directory)/\($0)", "\($0)/") }) {
            let wd = inotify_add_watch(fd, path, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE))
            if wd >= 0 { prefixes[wd] = prefix }
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Waits up to `seconds` for an event; returns the names renamed into the directory meanwhile.
    func wait(seconds: Double) -> Set<String> {
        guard fd >= 0 else { usleep(useconds_t(seconds * 1_000_000)); return [] }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&p, 1, Int32(seconds * 1000))
        var renamed: Set<String> = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= n {
                let (wd, mask, length) = buffer.withUnsafeBytes { raw in
                    (raw.loadUnaligned(fromByteOffset: offset, as: Int32.self), raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let nameBytes = buffer[(offset + header)..<min(n, offset + header + length)].prefix { $0 != 0 }
                if mask & UInt32(IN_MOVED_TO) != 0 { renamed.insert((prefixes[wd] ?? "") + String(decoding: nameBytes, as: UTF8.self)) }
                offset += header + length
            }
        }
        return renamed
    }
}
