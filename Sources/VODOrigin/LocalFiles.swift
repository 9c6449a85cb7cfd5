import Foundation
import MP4Box
#if canImport(Glibc)
import Glibc
#endif

/// Small reads of the media root without Foundation. A catalog lookup mostly meets files
/// that are not there (no `manifest.json` beside a bare MP4, no `subtitles/`), and
/// Foundation answers each of those with an error object built and bridged for it; here a
/// missing file is a nil. (A lookup runs on a worker, for every video whose remembered
/// answer expired.)
enum LocalFiles {
    /// The bytes of the regular file at `path`, nil when it is absent, unreadable, not a
    /// regular file or over `limit` bytes.
    static func contents(_ path: String, limit: Int) -> Data? {
        guard let file = try? FileByteSource(path: path), file.size <= Int64(limit),
              let bytes = try? file.read(at: 0, count: Int(file.size)) else { return nil }
        return Data(bytes)
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
