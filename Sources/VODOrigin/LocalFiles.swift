import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Small reads of the media root with plain system calls. A catalog lookup mostly meets
/// files that are not there (no `manifest.json` beside a bare MP4, no `subtitles/`), and
/// Foundation answers each of those with an error object built for it; here a missing file
/// is a nil, with no allocation. (A lookup runs on a worker, for every video whose
/// remembered answer expired.)
enum LocalFiles {
    /// The bytes of the regular file at `path`, nil when it is absent, unreadable, not a
    /// regular file or over `limit` bytes.
    static func contents(_ path: String, limit: Int) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 0, st.st_size <= limit else { return nil }
        var data = Data(count: Int(st.st_size))
        var filled = 0
        let complete = data.withUnsafeMutableBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return buffer.isEmpty }
            while filled < buffer.count {
                let n = read(fd, base + filled, buffer.count - filled)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                filled += n
            }
            return true
        }
        return complete ? data : nil
    }

    /// The names in directory `path` (without `.` and `..`), nil when it cannot be listed.
    static func names(inDirectory path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
