import Foundation

/// Segments that cost more than a `sendfile` to send, kept as bytes: MPEG-TS
/// segments (built by reading and repacketizing samples) and CMAF segments of
/// interleaved files (hundreds of small file ranges, gathered into one buffer).
/// Bounded by bytes, least recently used dropped first. Transcoder-layout CMAF
/// segments never come here: they go out as one file range.
public final class SegmentMemoryCache: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String: (bytes: [UInt8], lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var bytes = 0
    public let budget: Int

    public init(budgetBytes: Int) { budget = budgetBytes }

    public var usage: (items: Int, bytes: Int) { lock.withLock { (items.count, bytes) } }

    public func get(_ key: String) -> [UInt8]? {
        lock.withLock {
            guard var item = items[key] else { return nil }
            clock += 1
            item.lastUse = clock
            items[key] = item
            return item.bytes
        }
    }

    public func put(_ key: String, _ value: [UInt8]) {
        guard value.count <= budget / 4 else { return }
        lock.withLock {
            if let old = items[key] { bytes -= old.bytes.count }
            clock += 1
            items[key] = (value, clock)
            bytes += value.count
            // Evicting scans the table: it runs once a miss, which already cost a segment build.
            while bytes > budget, let oldest = items.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                bytes -= oldest.value.bytes.count
                items[oldest.key] = nil
            }
        }
    }
}
