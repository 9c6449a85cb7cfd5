/// An error that knows its HTTP answer: the status (RFC 9110 15) and what the client is
/// told. Errors are mapped to statuses where they are defined, in one place each, and
/// routers answer any of them the same way (`HTTPResponse(error:)`), instead of each
/// router switching over every error it meets.
public protocol HTTPResponseError: Error {
    var status: Int { get }
    /// Safe to show a client: no paths or internals.
    var clientMessage: String { get }
}

extension HTTPResponseError {
    /// A server-side failure (5xx) is worth a log line; a client's mistake (4xx) is not.
    public var isServerFault: Bool { status >= 500 }
}

extension HTTPResponse {
    /// The plain-text answer for `error`.
    public init(error: some HTTPResponseError) { self = .text(error.status, error.clientMessage) }
}

extension HTTPParseError: HTTPResponseError {
    public var clientMessage: String { description }
}
