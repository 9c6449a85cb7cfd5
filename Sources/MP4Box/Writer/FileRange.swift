/// A run of bytes in the source file, sent as is (with `sendfile`), never copied.
public struct FileRange: Equatable, Sendable {
    public var offset: Int64
    public var length: Int64
    public init(offset: Int64, length: Int64) { self.offset = offset; self.length = length }
    public var end: Int64 { offset + length }
}

extension Array where Element == FileRange {
    /// Appends a range, merging it with the last one when they touch.
    public mutating func appendMerging(_ range: FileRange) {
        guard range.length > 0 else { return }
        if let last = self.last, last.end == range.offset {
            self[count - 1].length += range.length
        } else {
            append(range)
        }
    }
}
