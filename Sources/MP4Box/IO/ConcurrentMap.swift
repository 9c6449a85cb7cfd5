import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `map` with the elements transformed at once on the machine's cores, results in order:
    /// the tracks of a movie are indexed and laid out side by side, since its first request waits for all.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        guard count > 1 else { return map(transform) }
        let results = Mutex([Slot<T>](repeating: .empty, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let value = transform(self[i])
            results.withLock { slots in slots[i] = Slot<T>.value(value) }
        }
        // Every slot is filled once concurrentPerform returns (a T that is itself optional stays).
        return results.withLock { $0.compactMap { if case .value(let v) = $0 { v } else { nil } } }
    }
}

private enum Slot<T: Sendable>: Sendable {
    case empty
    case value(T)
}
