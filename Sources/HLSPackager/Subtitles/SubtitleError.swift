/// Why a subtitle source cannot be used. It costs only that subtitle track:
/// the video plays without it and the reason is logged and listed.
public struct SubtitleError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file (or `track N` inside the source) the error is in.
    public var source: String
    /// 1-based line of a text file, nil when the error is not on a line.
    public var line: Int?
    public var reason: String

    public init(source: String, line: Int? = nil, _ reason: String) {
        self.source = source
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(source)\(line.map { ", line \($0)" } ?? ""): \(reason)" }
}
