import Foundation

/// The 3x3 matrix of `mvhd` and `tkhd` (a, b, u, c, d, v, x, y, w).
public struct TransformMatrix: Equatable, Sendable {
    public var values: [Int32]

    public static let identity = TransformMatrix(values: [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000])

    public init(values: [Int32]) { self.values = values }

    init(reading r: inout ByteReader) throws(MP4Error) {
        var v: [Int32] = []
        v.reserveCapacity(9)
        for _ in 0..<9 { v.append(try r.i32()) }
        values = v
    }

    func write(to w: inout ByteWriter) { values.forEach { w.i32($0) } }

    /// Clockwise rotation in degrees that makes the picture upright (0, 90, 180, 270),
    /// the value of QuickTime's `rotate` tag; FFmpeg's display matrix reports its negative.
    public var rotationDegrees: Int {
        let a = Double(values[0]) / 65536, b = Double(values[1]) / 65536
        var degrees = Int((atan2(b, a) * 180 / .pi).rounded())
        degrees %= 360
        if degrees < 0 { degrees += 360 }
        return degrees
    }
}
