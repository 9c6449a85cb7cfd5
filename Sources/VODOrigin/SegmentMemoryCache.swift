import Synchronization
import Foundation

/// Segments that cost more than a `sendfile` to send, kept as bytes: MPEG-TS
/// segments (built by reading and repacketizing samples) and CMAF segments of
/// interleaved files (hundreds of small file ranges, gathered into one buffer).
/// Bounded by bytes, least recently used dropped first. Transcoder-layout CMAF
/// segments never come here: they go out as one file range.
public final class SegmentMemoryCache: Sendable {
    private struct Contents {
        var items: [String: (bytes: [UInt8], lastUse: UInt64)] = [:]
        var clock: UInt64 = 0
        var bytes = 0
    }
    private let contents = Mutex(Contents())
    public let budget: Int

    public init(budgetBytes: Int) { budget = budgetBytes }

    public var usage: (items: Int, bytes: Int) { contents.withLock { ($0.items.count, $0.bytes) } }

    public func get(_ key: String) -> [UInt8]? {
        contents.withLock { c in
            guard var item = c.items[key] else { return nil }
            c.clock += 1
            item.lastUse = c.clock
            c.items[key] = item
            return item.bytes
        }
    }

    public func put(_ key: String, _ value: [UInt8]) {
        guard value.count <= budget / 4 else { return }
        contents.withLock { c in
            if let old = c.items[key] { c.bytes -= old.bytes.count }
            c.clock += 1
            c.items[key] = (value, c.clock)
            c.bytes += value.count
            // Evicting scans the table: it runs once a miss, which already cost a segment build.
            while c.bytes > budget, let oldest = c.items.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                c.bytes -= oldest.value.bytes.count
                c.items[oldest.key] = nil
            }
        }
    }
}
