/// The cache's eviction order in O(1) per operation: two LRU queues, objects used once
/// and objects used again (the 2Q idea: a scan of cold objects passes through the first
/// queue without pushing out what players come back to). Eviction takes the oldest of
/// the first queue, then of the second. Nodes live in one array linked by index, so
/// nothing is allocated per use.
public struct RecencyQueues: Sendable {
    private struct Node: Sendable {
        var key: String
        var previous = -1
        var next = -1
        var reused = false
    }

    private var nodes: [Node] = []
    private var freeSlots: [Int] = []
    private var slots: [String: Int] = [:]
    /// Oldest and newest node of each queue (index 0: used once, 1: used again); -1 when empty.
    private var oldest = [-1, -1]
    private var newest = [-1, -1]

    public init() {}

    public var count: Int { slots.count }

    public func contains(_ key: String) -> Bool { slots[key] != nil }

    /// A new object, newest of the used-once queue (or, after a restart, of the queue it was in).
    public mutating func insert(_ key: String, reused: Bool = false) {
        remove(key)
        let node = Node(key: key, reused: reused)
        let slot: Int
        if let free = freeSlots.popLast() {
            nodes[free] = node
            slot = free
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        slots[key] = slot
        link(slot)
    }

    /// A use: the object becomes the newest of the used-again queue.
    public mutating func touch(_ key: String) {
        guard let slot = slots[key] else { return }
        unlink(slot)
        nodes[slot].reused = true
        link(slot)
    }

    /// Whether the object has been used since it was stored.
    public func isReused(_ key: String) -> Bool { slots[key].map { nodes[$0].reused } ?? false }

    public mutating func remove(_ key: String) {
        guard let slot = slots.removeValue(forKey: key) else { return }
        unlink(slot)
        nodes[slot].key = ""
        freeSlots.append(slot)
    }

    /// The next object to evict (not removed), skipping `except`.
    public func victim(except: String? = nil) -> String? {
        for queue in 0..<2 {
            var slot = oldest[queue]
            while slot >= 0 {
                if nodes[slot].key != except { return nodes[slot].key }
                slot = nodes[slot].next
            }
        }
        return nil
    }

    private mutating func link(_ slot: Int) {
        let queue = nodes[slot].reused ? 1 : 0
        nodes[slot].previous = newest[queue]
        nodes[slot].next = -1
        if newest[queue] >= 0 { nodes[newest[queue]].next = slot } else { oldest[queue] = slot }
        newest[queue] = slot
    }

    private mutating func unlink(_ slot: Int) {
        let queue = nodes[slot].reused ? 1 : 0
        let (previous, next) = (nodes[slot].previous, nodes[slot].next)
        if previous >= 0 { nodes[previous].next = next } else { oldest[queue] = next }
        if next >= 0 { nodes[next].previous = previous } else { newest[queue] = previous }
    }
}
