import Foundation

/// Fixed-point decimal text of a duration, as `String(format: "%.6f", value)` writes it —
/// the exact binary value rounded half to even — without Foundation's formatter, which
/// costs microseconds a call: a 60-minute media playlist prints one per segment.
enum DecimalText {
    static let powers: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    static func fixed(_ value: Double, digits: Int) -> String {
        guard digits >= 0 && digits < powers.count, value.isFinite, value >= 0, value < 1e12 else {
            return String(format: "%.\(digits)f", value)
        }
        let unit = powers[digits]
        let scaled = rounded(value, times: unit)
        var text = String(scaled / unit)
        guard digits > 0 else { return text }
        let fraction = String(scaled % unit)
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        return text
    }

    /// `value × unit` rounded to the nearest integer, ties to even, computed on the exact
    /// binary value (`value` in [0, 1e12), `unit` ≤ 10^6).
    static func rounded(_ value: Double, times unit: UInt64) -> UInt64 {
        guard value >= 1e-7 else { return 0 }  // below half of the smallest step printed
        // value = m × 2^-s exactly, with 13 ≤ s ≤ 76 in this range.
        let m = UInt128(value.significandBitPattern | 1 << 52)
        let s = 52 - Int(value.exponent)
        let product = m * UInt128(unit)
        let quotient = product >> s
        let remainder = product & ((1 << s) - 1), half = UInt128(1) << (s - 1)
        let up = remainder > half || (remainder == half && quotient & 1 == 1)
        return UInt64(truncatingIfNeeded: quotient) + (up ? 1 : 0)
    }
}
