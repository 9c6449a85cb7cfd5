/// Arithmetic on times and sizes that came from a file, done so that it never
/// traps: a hostile file gets a typed error or nonsense numbers in its own
/// playlists, never a crash of the process serving every other video.
///
/// `PackagedTrack` admits only times within ±`limit` (2^60) and keeps them
/// within [0, 2^62] after its shifts, so sums and differences of two times plus
/// a 32-bit offset cannot overflow anywhere after it. Conversions between
/// timescales (whose products can exceed 64 bits) and from `Double` go through
/// the clamping functions here.
enum SafeTime {
    /// The largest magnitude of a presentation or decode time a track may have.
    static let limit: Int64 = 1 << 60
    /// Rescaled values are clamped to ±`rescaleLimit` so a difference of two fits.
    static let rescaleLimit: Int64 = 1 << 61

    /// `t × to / from`, rounded toward zero (or to nearest, halves up, with `nearest`),
    /// clamped to ±`rescaleLimit`. `from` must be positive (a timescale).
    static func rescale(_ t: Int64, from: Int64, to: Int64, nearest: Bool = false) -> Int64 {
        guard from > 0, to >= 0 else { return 0 }
        let negative = t < 0
        let magnitude = t.magnitude
        let product = magnitude.multipliedFullWidth(by: UInt64(to))
        let divisor = UInt64(from)
        guard product.high < divisor else { return negative ? -rescaleLimit : rescaleLimit }
        let (q, r) = divisor.dividingFullWidth(product)
        var quotient = q
        if nearest && r >= divisor - r && (!negative || r > divisor - r) { quotient &+= 1 }
        guard quotient <= UInt64(rescaleLimit) else { return negative ? -rescaleLimit : rescaleLimit }
        return negative ? -Int64(quotient) : Int64(quotient)
    }

    /// `Int(d)` that never traps: NaN is 0, out-of-range values clamp.
    static func int(_ d: Double) -> Int {
        guard d.isFinite else { return d.isNaN ? 0 : (d > 0 ? Int.max : Int.min) }
        if d >= 9.2e18 { return Int.max }
        if d <= -9.2e18 { return Int.min }
        return Int(d)
    }

    /// Whether `t` is an admissible time (see `limit`).
    static func admits(_ t: Int64) -> Bool { t >= -limit && t <= limit }
}
