#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// A failed system call, with errno and what was being done.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let errno: Int32
    public init(_ operation: String, errno: Int32 = Glibc.errno) { self.operation = operation; self.errno = errno }
    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}
