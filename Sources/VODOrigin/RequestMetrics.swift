import VODKit

/// The origin's per-request series — requests by route and status, response bytes and
/// build time by route — held as handles made once per route, so counting a request
/// renders no labels and looks up no table keyed by them.
struct RequestMetrics: Sendable {
    private struct Route: Sendable {
        let bytes: Metrics.Counter
        let duration: Metrics.HistogramCell
        /// Requests with the statuses most answered, in `RequestMetrics.common` order.
        let byStatus: [Metrics.Counter]
    }

    static let common = [200, 206, 304, 404]
    private let routes: [String: Route]
    private let metrics: Metrics

    init(_ metrics: Metrics) {
        self.metrics = metrics
        var routes: [String: Route] = [:]
        for name in OriginTarget.routeNames {
            routes[name] = Route(bytes: metrics.counter("vod_http_response_bytes_total", [("route", name)]),
                                 duration: metrics.histogram("vod_http_request_duration_seconds", [("route", name)]),
                                 byStatus: Self.common.map { metrics.counter("vod_http_requests_total", [("route", name), ("status", String($0))]) })
        }
        self.routes = routes
    }

    /// One answered request (`seconds`: the time to build its response).
    func record(route: String, status: Int, bytes: Int64, seconds: Double) {
        guard let r = routes[route] else {
            metrics.add("vod_http_requests_total", [("route", route), ("status", String(status))])
            metrics.add("vod_http_response_bytes_total", [("route", route)], Double(bytes))
            metrics.observe("vod_http_request_duration_seconds", [("route", route)], seconds)
            return
        }
        if let i = Self.common.firstIndex(of: status) { r.byStatus[i].add() } else { countStatus(route: route, status) }
        r.bytes.add(bytes)
        r.duration.observe(seconds)
    }

    /// A request answered before it was routed (a refused URL token): counted by status only.
    func countStatus(route: String, _ status: Int) {
        metrics.add("vod_http_requests_total", [("route", route), ("status", String(status))])
    }
}
