import Synchronization
import Foundation
import VODKit

/// Segments that cost more than a `sendfile` of the source to send, kept in memory once
/// built (interleaved CMAF segments only from their second request, `askedBefore`): MPEG-TS segments (built by reading and repacketizing samples), CMAF segments of
/// interleaved files (hundreds of small file ranges, gathered into one buffer), encrypted
/// segments and thumbnails. Each is an in-memory file (`memfd`), sent with `sendfile` like
/// a file on disk. Bounded by bytes and by count (each holds a descriptor); the eviction
/// order is two LRU queues (`RecencyQueues`: O(1), and a segment asked for once is dropped
/// before one asked for again). Transcoder-layout clear CMAF segments never come here: they go out
/// as one range of their source.
public final class SegmentMemoryCache: Sendable {
    /// A kept segment: its in-memory file and length.
    public struct Kept: Sendable {
        public let file: OpenFile
        public let length: Int64
    }

    private struct Contents {
        var items: [String: Kept] = [:]
        var order = RecencyQueues()
        var bytes: Int64 = 0
        /// Keys asked for once, for `askedBefore`.
        var asked = RecentKeys(capacity: SegmentMemoryCache.rememberedAsks)
    }

    /// How many keys `askedBefore` remembers.
    static let rememberedAsks = 8192
    private let contents = Mutex(Contents())
    public let budget: Int
    /// The most segments kept (each one an open descriptor).
    public let maxItems: Int

    public init(budgetBytes: Int, maxItems: Int = 4096) { budget = budgetBytes; self.maxItems = maxItems }

    public var usage: (items: Int, bytes: Int) { contents.withLock { ($0.items.count, Int($0.bytes)) } }

    /// Whether `key` was asked for before (and the memory takes segments at all); remembers
    /// it otherwise. A segment that is costly to send from its file ranges is gathered into
    /// memory only on its second request: behind edges most are asked for once per edge, and
    /// sending their ranges once costs less than gathering them.
    public func askedBefore(_ key: String) -> Bool {
        guard budget > 0 else { return false }
        return contents.withLock { $0.asked.seenBefore(key) }
    }

    public func get(_ key: String) -> Kept? {
        contents.withLock { c in
            guard let kept = c.items[key] else { return nil }
            c.order.touch(key)
            return kept
        }
    }

    /// Keeps `value` under `key`; nil when it is too large for the budget or no memory file can be made.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8]) -> Kept? { put(key, pieces: [.array(value[...])]) }

    /// Keeps the concatenation of `pieces` (slices of a span read once) under `key`, written
    /// to its memory file straight from them.
    @discardableResult
    public func put(_ key: String, pieces: [MemoryBytes]) -> Kept? {
        let length = Int(pieces.reduce(0) { $0 + $1.count })
        guard length <= budget / 4, let file = OpenFile.inMemory(pieces: pieces) else { return nil }
        let kept = Kept(file: file, length: Int64(length))
        contents.withLock { c in
            if let old = c.items[key] { c.bytes -= old.length }
            c.items[key] = kept
            c.order.insert(key)
            c.bytes += kept.length
            while c.bytes > Int64(budget) || c.items.count > maxItems, let victim = c.order.victim(except: key) {
                c.order.remove(victim)
                if let dropped = c.items.removeValue(forKey: victim) { c.bytes -= dropped.length }
            }
        }
        return kept
    }
}
