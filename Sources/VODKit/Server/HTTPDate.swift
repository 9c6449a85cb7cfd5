import Synchronization
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

    final class DateCache: Sendable {
        private let formatted = Mutex<(second: Int, text: String)>((0, ""))
        func current() -> String {
            let t = time(nil)
            return formatted.withLock { f in
                if t != f.second { f = (t, HTTPDate.format(t)) }
                return f.text
            }
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
