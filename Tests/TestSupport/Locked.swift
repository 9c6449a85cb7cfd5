import Foundation

/// A value shared by a test's threads (recorded results, counts), behind a lock.
public final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var item: T
    public init(_ item: T) { self.item = item }
    public func mutate(_ f: (inout T) -> Void) { lock.withLock { f(&item) } }
    public var value: T { lock.withLock { item } }
}
