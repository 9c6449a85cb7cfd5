import CAVCodec
import Foundation

/// A libav call that failed: what was being done and libav's own message.
public struct LibAVError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public var message: String {
        var buffer = [CChar](repeating: 0, count: 128)
        vod_error_string(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    public var description: String { "\(operation): \(message)" }

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }
}

/// Throws a `LibAVError` for a negative return code; passes anything else through.
@discardableResult
public func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LibAVError) -> Int32 {
    if code < 0 { throw LibAVError(operation: operation(), code: code) }
    return code
}

public let averrorEAGAIN = vod_averror_eagain()
public let averrorEOF = vod_averror_eof()
