/// The 32-bit sample flags of `trex`, `tfhd` and `trun` (ISO/IEC 14496-12 8.8.3.1).
public struct SampleFlags: Equatable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A sync sample: depends on no other, not a non-sync sample.
    public static let sync = SampleFlags(rawValue: 0x0200_0000)
    /// A non-sync sample that depends on others.
    public static let nonSync = SampleFlags(rawValue: 0x0101_0000)

    public var isNonSync: Bool { rawValue & 0x0001_0000 != 0 }
    public var dependsOn: UInt32 { rawValue >> 24 & 3 }
}
