/// The sample auxiliary information of one encrypted track run (ISO/IEC 23001-7): each
/// sample's IV (none with a constant IV, as `cbcs` has) and, for video, its subsamples
/// (clear bytes, then protected bytes). `FragmentWriter` writes it as `saiz`, `saio` and
/// `senc` in the run's `traf`.
public struct SampleEncryptionInput: Equatable, Sendable {
    public struct Subsample: Equatable, Sendable {
        public var clear: UInt16
        public var protected: UInt32
        public init(clear: UInt16, protected: UInt32) { self.clear = clear; self.protected = protected }
    }

    /// 0, 8 or 16.
    public var ivSize: Int
    /// Per sample, `ivSize` bytes each (empty when `ivSize` is 0).
    public var ivs: [[UInt8]]
    /// Per sample; nil when whole samples are encrypted (audio).
    public var subsamples: [[Subsample]]?

    /// The most subsamples an entry may have: its size must fit in a byte of `saiz`.
    public static let maxSubsamples = 40

    public init(ivSize: Int, ivs: [[UInt8]], subsamples: [[Subsample]]?) {
        self.ivSize = ivSize; self.ivs = ivs; self.subsamples = subsamples
    }

    var sampleCount: Int { subsamples?.count ?? ivs.count }

    func entrySize(_ i: Int) -> Int { ivSize + (subsamples.map { 2 + 6 * $0[i].count } ?? 0) }

    var entrySizes: [Int] { (0..<sampleCount).map(entrySize) }

    /// Whether every entry has one size (`saiz` then gives it once).
    var uniformSize: Int? {
        let sizes = entrySizes
        guard let first = sizes.first else { return 0 }
        return sizes.allSatisfy { $0 == first } ? first : nil
    }

    /// `saiz` + `saio` + `senc` bytes.
    var boxesSize: Int {
        let saiz = 17 + (uniformSize == nil ? sampleCount : 0)
        let saio = 20
        let senc = 16 + entrySizes.reduce(0, +)
        return saiz + saio + senc
    }

    /// Writes `saiz`, `saio` and `senc`; returns where `saio`'s offset field is and where
    /// the `senc` entries start (both positions in `w`), to be patched once the moof is done.
    func write(to w: inout ByteWriter) -> (field: Int, entries: Int) {
        let uniform = uniformSize
        w.box("saiz") { b in
            b.versionAndFlags(0, 0)
            b.u8(UInt8(clamping: uniform ?? 0))
            b.u32(UInt32(clamping: sampleCount))
            if uniform == nil { entrySizes.forEach { b.u8(UInt8(clamping: $0)) } }
        }
        var field = 0
        w.box("saio") { b in
            b.versionAndFlags(0, 0)
            b.u32(1)
            field = b.count
            b.u32(0)
        }
        var entries = 0
        w.box("senc") { b in
            b.versionAndFlags(0, subsamples == nil ? 0 : 2)
            b.u32(UInt32(clamping: sampleCount))
            entries = b.count
            for i in 0..<sampleCount {
                if ivSize > 0 { b.append(ivs[i]) }
                if let subs = subsamples?[i] {
                    b.u16(UInt16(clamping: subs.count))
                    for s in subs { b.u16(s.clear); b.u32(s.protected) }
                }
            }
        }
        return (field, entries)
    }
}
