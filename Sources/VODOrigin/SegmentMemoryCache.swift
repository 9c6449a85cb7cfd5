import Synchronization
import Foundation
import VODKit

/// Segments that cost more than a `sendfile` of the source to send, kept in memory once
/// built (interleaved CMAF segments only from their second request, `askedBefore`): MPEG-TS segments (built by reading and repacketizing samples), CMAF segments of
/// interleaved files (hundreds of small file ranges, gathered into one buffer), encrypted
/// segments and thumbnails. Each is an in-memory file (`memfd`), sent with `sendfile` like
/// a file on disk. Bounded by bytes and by count (each holds a descriptor), least recently
/// used dropped first. Transcoder-layout clear CMAF segments never come here: they go out
/// as one range of their source.
public final class SegmentMemoryCache: Sendable {
    /// A kept segment: its in-memory file and length.
    public struct Kept: Sendable {
        public let file: OpenFile
        public let length: Int64
    }

    private struct Contents {
        var items: [String: (kept: Kept, lastUse: UInt64)] = [:]
        var clock: UInt64 = 0
        var bytes: Int64 = 0
        /// Keys asked for once, for `askedBefore`: a set, and a ring of them (the oldest replaced).
        var asked: Set<String> = []
        var askedRing: [String] = []
        var askedNext = 0
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
        return contents.withLock { c in
            if c.asked.contains(key) { return true }
            c.asked.insert(key)
            if c.askedRing.count < Self.rememberedAsks {
                c.askedRing.append(key)
            } else {
                c.asked.remove(c.askedRing[c.askedNext])
                c.askedRing[c.askedNext] = key
                c.askedNext = (c.askedNext + 1) % Self.rememberedAsks
            }
            return false
        }
    }

    public func get(_ key: String) -> Kept? {
        contents.withLock { c in
            guard var item = c.items[key] else { return nil }
            c.clock += 1
            item.lastUse = c.clock
            c.items[key] = item
            return item.kept
        }
    }

    /// Keeps `value` under `key`; nil when it is too large for the budget or no memory file can be made.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8]) -> Kept? {
        guard value.count <= budget / 4, let file = OpenFile.inMemory(value) else { return nil }
        let kept = Kept(file: file, length: Int64(value.count))
        contents.withLock { c in
            if let old = c.items[key] { c.bytes -= old.kept.length }
            c.clock += 1
            c.items[key] = (kept, c.clock)
            c.bytes += kept.length
            // Evicting scans the table: it runs once a miss, which already cost a segment build.
            while c.bytes > Int64(budget) || c.items.count > maxItems, let oldest = c.items.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                c.bytes -= oldest.value.kept.length
                c.items[oldest.key] = nil
            }
        }
        return kept
    }
}
