/// The last `capacity` distinct keys seen, for admission on a second request: a cache that
/// takes an item only when it was asked for recently before does not spend work on the
/// many items asked for once (a scan, a catalog's long tail). A set and a ring of the
/// keys (the oldest forgotten first); O(1) per key.
public struct RecentKeys: Sendable {
    public let capacity: Int
    private var keys: Set<String> = []
    private var ring: [String] = []
    private var next = 0

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Whether `key` was seen among the last `capacity` keys; remembers it if not.
    public mutating func seenBefore(_ key: String) -> Bool {
        if keys.contains(key) { return true }
        keys.insert(key)
        if ring.count < capacity {
            ring.append(key)
        } else {
            keys.remove(ring[next])
            ring[next] = key
            next = (next + 1) % capacity
        }
        return false
    }
}
