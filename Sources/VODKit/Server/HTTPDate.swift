#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// IMF-fixdate for Date and Last-Modified headers, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
public enum HTTPDate {
    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func format(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    public static func now() -> String { format(time(nil)) }

    private static let cache = DateCache()

    /// `now()`, formatted at most once a second.
    public static func cachedNow() -> String { cache.current() }

    final class DateCache: @unchecked Sendable {
        private var lock = pthread_mutex_t()
        private var second = 0
        private var text = ""
        init() { pthread_mutex_init(&lock, nil) }
        func current() -> String {
            let t = time(nil)
            pthread_mutex_lock(&lock)
            defer { pthread_mutex_unlock(&lock) }
            if t != second { second = t; text = HTTPDate.format(t) }
            return text
        }
    }
}

/// Monotonic milliseconds, for timeouts.
func monotonicMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
