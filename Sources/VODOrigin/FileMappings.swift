import Synchronization
import HLSPackager
import VODKit

/// A laid-out video's source files mapped read-only, so that a segment of many ranges of one
/// file (an interleaved source: a range per frame or two) is sent straight from the page
/// cache: one `sendmsg` whose iovecs point into the mapping. No read into a buffer (the span
/// read copied every byte once more and, for an audio segment, the video between its frames
/// too), no worker once mapped. A file is mapped on a worker the first time, and only if it
/// still has the size it was indexed at (`MappedFile`); one that cannot be is not tried again.
final class FileMappings: Sendable {
    private let sizes: [String: Int64]
    /// By path; nil for a file that could not be mapped.
    private let mapped = Mutex<[String: MappedFile?]>([:])

    init(_ files: [SourceFile]) {
        sizes = Dictionary(files.map { ($0.path, $0.size) }, uniquingKeysWith: { a, _ in a })
    }

    /// The bytes of `body` in order, its file ranges in the mappings; nil unless every file
    /// it names is mapped and holds its ranges.
    func pieces(_ body: ResponseBody) -> [MemoryBytes]? {
        mapped.withLock { mapped in
            var pieces: [MemoryBytes] = []
            pieces.reserveCapacity(body.parts.count)
            var last: (path: String, file: MappedFile)?  // the ranges of a segment are mostly of one file
            for part in body.parts {
                switch part {
                case .bytes(let b): pieces.append(.array(b[...]))
                case let .file(path, range):
                    let file: MappedFile
                    if let last, last.path == path { file = last.file } else {
                        guard case let found?? = mapped[path] else { return nil }
                        file = found; last = (path, found)
                    }
                    guard range.offset >= 0, range.length >= 0, range.offset <= file.length - range.length else { return nil }
                    pieces.append(.mapped(file, offset: range.offset, count: range.length))
                }
            }
            return pieces
        }
    }

    /// Maps every file `body` names that was not tried yet (on a worker: `open` and `mmap`).
    func map(for body: ResponseBody) {
        let paths = Set(body.parts.compactMap { if case .file(let path, _) = $0 { path } else { nil } })
        for path in paths where mapped.withLock({ $0[path] == nil }) {
            let file = sizes[path].flatMap { MappedFile(path: path, size: $0) }
            mapped.withLock { if $0[path] == nil { $0[path] = .some(file) } }
        }
    }
}
