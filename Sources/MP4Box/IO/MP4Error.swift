/// Why a file could not be read, and where: `path` names the box
/// (`moov/trak[0]/mdia/minf/stbl/stsz`), so an operator can find the fault.
public struct MP4Error: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The bytes end before a box or a field does.
        case truncated
        /// A value is impossible (a count larger than its box, an offset past the file).
        case invalid
        /// A value is possible but over a configured limit (`ParseLimits`).
        case limitExceeded
        /// Valid ISO BMFF that this library does not handle.
        case unsupported
        /// The operating system refused a read.
        case io
    }

    public var kind: Kind
    public var path: String
    public var message: String

    public init(_ kind: Kind, path: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }

    /// The same error seen from an enclosing box.
    func under(_ prefix: String) -> MP4Error {
        var copy = self
        if !prefix.isEmpty { copy.path = path.isEmpty ? prefix : "\(prefix)/\(path)" }
        return copy
    }
}
