import Foundation
import Testing
@testable import VODKit

@Suite struct MetricsTests {
    /// Counts made on many threads (each writing to its own shard) add up exactly at the scrape.
    @Test func shardsAddUpAtTheScrape() {
        let metrics = Metrics()
        metrics.describe("t_requests_total", type: "counter", "Requests.")
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            for _ in 0..<10_000 {
                metrics.add("t_requests_total", [("route", i % 2 == 0 ? "even" : "odd")])
                metrics.observe("t_seconds", [], 0.002)
            }
        }
        let text = metrics.render()
        #expect(text.contains("t_requests_total{route=\"even\"} 40000\n") && text.contains("t_requests_total{route=\"odd\"} 40000\n"), "\(text)")
        #expect(text.contains("t_seconds_count 80000\n") && text.contains("t_seconds_bucket{le=\"0.0025\"} 80000\n") && text.contains("t_seconds_bucket{le=\"0.001\"} 0\n"))
        #expect(text.contains("# HELP t_requests_total Requests.\n# TYPE t_requests_total counter\n"))
    }
}
