import VODKit

/// Hot cached bodies kept in memory in front of the disk, under a byte budget of their own.
/// A body enters on its object's second hit on disk among recent ones (so neither a scan
/// nor a catalog's long tail churns it: reading in a body that is evicted before its next
/// hit costs more than it saves), is read by a worker, and goes out of memory by `writev`
/// instead of `sendfile`.
/// That costs the edge a copy per response, but a loopback or local client reads a copied
/// 4 MB body about twice as fast as one spliced from page-cache pages (level at 200 KB–1 MB;
/// `bench/edge-hit-bench.sh`, and nginx itself with `sendfile off` shows the same), and a
/// small hit goes out in one `sendmsg` with no open file. Eviction is the disk's order
/// (`RecencyQueues`, used-once before used-again); a body always belongs to one version
/// of its object (its SHA-256), so a replaced object never answers from an older body.
/// A value type kept inside the store's index, under its lock.
struct MemoryTier: Sendable {
    let maxBytes: Int64
    /// Larger bodies stay on disk only.
    let maxObjectBytes: Int64
    private(set) var bytes: Int64 = 0
    private var bodies: [String: (sha256: String, body: [UInt8])] = [:]
    private var order = RecencyQueues()
    /// Keys a worker is reading in.
    private var loading: Set<String> = []
    /// Keys hit on disk once lately (about as many as the budget holds bodies of 64 KiB).
    private var hitOnce: RecentKeys

    init(maxBytes: Int64, maxObjectBytes: Int64) {
        self.maxBytes = max(0, maxBytes)
        self.maxObjectBytes = min(max(0, maxObjectBytes), self.maxBytes)
        hitOnce = RecentKeys(capacity: Int(clamping: min(max(self.maxBytes >> 16, 1024), 1 << 20)))
    }

    var count: Int { bodies.count }

    /// The body of this version of the object, if it is in memory.
    func body(_ key: String, sha256: String) -> [UInt8]? {
        guard let entry = bodies[key], entry.sha256 == sha256 else { return nil }
        return entry.body
    }

    /// A memory hit: the body becomes the newest of the used-again queue.
    mutating func touch(_ key: String) { order.touch(key) }

    /// After a hit on disk: whether a worker should read this object's body in now (its second
    /// recent hit, at most one read per key at a time); marks it as being read.
    mutating func shouldLoad(_ key: String, length: Int64) -> Bool {
        guard length > 0, length <= maxObjectBytes, bodies[key] == nil, !loading.contains(key), hitOnce.seenBefore(key) else { return false }
        loading.insert(key)
        return true
    }

    /// A body read in (nil: the read failed): kept if its object is still this version,
    /// evicting the oldest bodies to stay under the budget.
    mutating func admit(_ key: String, sha256: String, body: [UInt8]?, current: String?) {
        loading.remove(key)
        guard let body, current == sha256, bodies[key] == nil, Int64(body.count) <= maxObjectBytes else { return }
        while bytes + Int64(body.count) > maxBytes, let victim = order.victim() { drop(victim) }
        bodies[key] = (sha256, body)
        order.insert(key)
        bytes += Int64(body.count)
    }

    /// The object was replaced or removed.
    mutating func drop(_ key: String) {
        order.remove(key)
        guard let old = bodies.removeValue(forKey: key) else { return }
        bytes -= Int64(old.body.count)
    }
}
