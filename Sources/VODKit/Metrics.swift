import Foundation
import Synchronization

/// Counters, gauges and histograms in the Prometheus text format (version 0.0.4).
/// Thread-safe; label values are escaped. Counters and histograms are kept in shards
/// picked by the calling thread, so the event loops (which count every request) do not
/// contend on one lock; a scrape sums the shards.
public final class Metrics: Sendable {
    private struct Values {
        var counters: [String: [String: Double]] = [:]          // name → labels → value
        var histograms: [String: [String: Histogram]] = [:]
    }

    private final class Shard: Sendable {
        let values = Mutex(Values())
    }

    private let shards: [Shard] = (0..<32).map { _ in Shard() }
    private let descriptions = Mutex<(help: [String: (String, String)], gauges: [String: @Sendable () -> Double])>(([:], [:]))

    struct Histogram {
        let bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var total = 0

        mutating func record(_ value: Double) {
            for i in bounds.indices where value <= bounds[i] { counts[i] += 1 }
            sum += value
            total += 1
        }

        mutating func merge(_ other: Histogram) {
            for i in counts.indices where i < other.counts.count { counts[i] += other.counts[i] }
            sum += other.sum
            total += other.total
        }
    }

    public init() {}

    /// This thread's shard (threads spread by a hash of their id; two may share one).
    private var shard: Shard {
        let id = UInt64(UInt(pthread_self()))
        return shards[Int((id &* 0x9E37_79B9_7F4A_7C15) >> 59)]
    }

    public func describe(_ name: String, type: String, _ text: String) { descriptions.withLock { $0.help[name] = (type, text) } }

    public func add(_ name: String, _ labels: [(String, String)] = [], _ value: Double = 1) {
        let key = Self.labels(labels)
        shard.values.withLock { $0.counters[name, default: [:]][key, default: 0] += value }
    }

    public func observe(_ name: String, _ labels: [(String, String)] = [], _ value: Double,
                        bounds: [Double] = Metrics.defaultBounds) {
        let key = Self.labels(labels)
        shard.values.withLock {
            // Mutated in place (no copy of the bucket array per observation).
            $0.histograms[name, default: [:]][key, default: Histogram(bounds: bounds, counts: Array(repeating: 0, count: bounds.count))].record(value)
        }
    }

    /// A counter of one series held by its user, for the hot path: adding is one relaxed
    /// atomic add, no labels rendered and no table looked up per event. Made once
    /// (`counter(_:_:)`), summed into its series when the metrics are rendered.
    public final class Counter: Sendable {
        private let total = Atomic<Int64>(0)
        public func add(_ n: Int64 = 1) { total.add(n, ordering: .relaxed) }
        var value: Int64 { total.load(ordering: .relaxed) }
    }

    /// A histogram of one series held by its user (see `Counter`).
    public final class HistogramCell: Sendable {
        fileprivate let histogram: Mutex<Histogram>
        fileprivate init(bounds: [Double]) { histogram = Mutex(Histogram(bounds: bounds, counts: Array(repeating: 0, count: bounds.count))) }
        public func observe(_ value: Double) { histogram.withLock { $0.record(value) } }
    }

    private let held = Mutex<(counters: [String: [String: Counter]], histograms: [String: [String: HistogramCell]])>(([:], [:]))

    /// The counter of series `name{labels}` (the same one for the same series).
    public func counter(_ name: String, _ labels: [(String, String)] = []) -> Counter {
        let key = Self.labels(labels)
        return held.withLock { h in
            if let c = h.counters[name]?[key] { return c }
            let c = Counter()
            h.counters[name, default: [:]][key] = c
            return c
        }
    }

    /// The histogram of series `name{labels}` (the same one for the same series).
    public func histogram(_ name: String, _ labels: [(String, String)] = [], bounds: [Double] = Metrics.defaultBounds) -> HistogramCell {
        let key = Self.labels(labels)
        return held.withLock { h in
            if let c = h.histograms[name]?[key] { return c }
            let c = HistogramCell(bounds: bounds)
            h.histograms[name, default: [:]][key] = c
            return c
        }
    }

    public static let defaultBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    /// A gauge read when the metrics are rendered.
    public func gauge(_ name: String, _ text: String, _ read: @escaping @Sendable () -> Double) {
        descriptions.withLock { $0.gauges[name] = read; $0.help[name] = ("gauge", text) }
    }

    /// Every shard's counters and histograms added up.
    private func totals() -> Values {
        var all = Values()
        let (counters, histograms) = held.withLock { ($0.counters, $0.histograms) }
        for (name, byLabels) in counters {
            for (labels, c) in byLabels where c.value != 0 { all.counters[name, default: [:]][labels, default: 0] += Double(c.value) }
        }
        for (name, byLabels) in histograms {
            for (labels, c) in byLabels {
                let h = c.histogram.withLock { $0 }
                if h.total > 0 { all.histograms[name, default: [:]][labels] = h }
            }
        }
        for shard in shards {
            let values = shard.values.withLock { $0 }
            for (name, byLabels) in values.counters {
                for (labels, value) in byLabels { all.counters[name, default: [:]][labels, default: 0] += value }
            }
            for (name, byLabels) in values.histograms {
                for (labels, h) in byLabels {
                    if all.histograms[name]?[labels] == nil { all.histograms[name, default: [:]][labels] = h } else { all.histograms[name]?[labels]?.merge(h) }
                }
            }
        }
        return all
    }

    public func render() -> String {
        let (counters, histograms) = { let t = totals(); return (t.counters, t.histograms) }()
        let (help, gauges) = descriptions.withLock { ($0.help, $0.gauges) }
        var out = ""
        func header(_ name: String, _ fallback: String) {
            let (type, text) = help[name] ?? (fallback, name)
            out += "# HELP \(name) \(text)\n# TYPE \(name) \(type)\n"
        }
        for name in counters.keys.sorted() {
            header(name, "counter")
            for (labels, value) in counters[name]!.sorted(by: { $0.key < $1.key }) { out += "\(name)\(labels) \(Self.number(value))\n" }
        }
        for name in histograms.keys.sorted() {
            header(name, "histogram")
            for (labels, h) in histograms[name]!.sorted(by: { $0.key < $1.key }) {
                let inner = labels.isEmpty ? "" : String(labels.dropFirst().dropLast()) + ","
                for (b, c) in zip(h.bounds, h.counts) { out += "\(name)_bucket{\(inner)le=\"\(Self.number(b))\"} \(c)\n" }
                out += "\(name)_bucket{\(inner)le=\"+Inf\"} \(h.total)\n\(name)_sum\(labels) \(Self.number(h.sum))\n\(name)_count\(labels) \(h.total)\n"
            }
        }
        for name in gauges.keys.sorted() {
            header(name, "gauge")
            out += "\(name) \(Self.number(gauges[name]!()))\n"
        }
        return out
    }

    static func labels(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        var out = "{"
        out.reserveCapacity(64)  // one allocation: this runs for every request
        for (i, (name, value)) in labels.enumerated() {
            if i > 0 { out += "," }
            out += name
            out += "=\""
            // Escaping is rare (route and status values never need it): look before rewriting.
            if value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) {
                for c in value.unicodeScalars {
                    switch c {
                    case "\\": out += "\\\\"
                    case "\"": out += "\\\""
                    case "\n": out += "\\n"
                    default: out.unicodeScalars.append(c)
                    }
                }
            } else {
                out += value
            }
            out += "\""
        }
        out += "}"
        return out
    }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
}
