import Synchronization
import HLSPackager
import MP4Box
import VODKit

/// A laid-out video's source files held for sending, each made the first time it is needed
/// and only if the file still has the size it was indexed at:
/// - a descriptor held open for segments of one range (the transcoder's layout), sent with
///   `sendfile` without an `open` and `close` per response;
/// - a read-only mapping (`MappedFile`) for segments of many ranges of one file (an interleaved
///   source: a range per frame or two), sent straight from the page cache with one `sendmsg`
///   whose iovecs point into the mapping: no read into a buffer (a span read copied every byte
///   once more and, for an audio segment, the video between its frames too), and no worker once
///   mapped (the mapping is made on one). A file that cannot be mapped is not tried again.
///
/// Track data files (`IndexDirectory.TrackData`) come open: held here for as long as the video is.
final class HeldSourceFiles: Sendable {
    private let sizes: [String: Int64]
    /// By path; nil for a file that could not be mapped.
    private let mapped = Mutex<[String: MappedFile?]>([:])
    private let opened: Mutex<[String: OpenFile]>
    /// Kept so that the files stay pinned in the index directory (never trimmed) while the video is held.
    private let trackData: [IndexDirectory.TrackData]

    init(_ files: [SourceFile], trackData: [IndexDirectory.TrackData] = []) {
        var sizes = Dictionary(files.map { ($0.path, $0.size) }, uniquingKeysWith: { a, _ in a })
        for data in trackData { sizes[data.path] = data.file.size ?? 0 }
        self.sizes = sizes
        opened = Mutex(Dictionary(trackData.map { ($0.path, $0.file) }, uniquingKeysWith: { a, _ in a }))
        self.trackData = trackData
    }

    /// `range` of `path` as a response part: from the descriptor held open (opened now the first
    /// time); a part the server opens itself if the file cannot be opened or has changed.
    func part(_ path: String, _ range: FileRange) -> HTTPResponse.Part {
        guard let file = opened.withLock({ $0[path] }) ?? open(path) else {
            return .file(path: path, offset: range.offset, length: range.length)
        }
        return .openFile(file, offset: range.offset, length: range.length)
    }

    private func open(_ path: String) -> OpenFile? {
        guard let size = sizes[path], let file = OpenFile(path: path), file.size == size else { return nil }
        return opened.withLock { held in
            if let first = held[path] { return first }
            held[path] = file
            return file
        }
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
