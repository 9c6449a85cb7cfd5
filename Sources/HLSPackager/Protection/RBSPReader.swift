/// Reads the bits of a NAL unit's payload as the decoder sees them: emulation prevention
/// bytes (the 03 of 00 00 03) skipped, Exp-Golomb codes decoded. Keeps the position in the
/// NAL unit's own bytes, which is where a subsample boundary goes.
struct RBSPReader {
    let bytes: ArraySlice<UInt8>
    /// Offset in `bytes` of the byte being read, and the next bit in it (0: the top bit).
    private(set) var offset: Int
    private var bit = 0

    init(_ bytes: ArraySlice<UInt8>, from offset: Int) {
        self.bytes = bytes
        self.offset = offset
        skipEmulationPrevention()
    }

    private mutating func skipEmulationPrevention() {
        let b = bytes.startIndex
        if offset >= 2, offset < bytes.count, bytes[b + offset] == 3, bytes[b + offset - 1] == 0, bytes[b + offset - 2] == 0 { offset += 1 }
    }

    mutating func u1() -> Int? {
        guard offset < bytes.count else { return nil }
        let value = Int(bytes[bytes.startIndex + offset] >> (7 - UInt8(bit)) & 1)
        bit += 1
        if bit == 8 {
            bit = 0
            offset += 1
            skipEmulationPrevention()
        }
        return value
    }

    mutating func u(_ count: Int) -> Int? {
        guard count >= 0, count <= 32 else { return nil }
        var value = 0
        for _ in 0..<count {
            guard let b = u1() else { return nil }
            value = value << 1 | b
        }
        return value
    }

    /// ue(v); nil past the end or for a code longer than 31 bits.
    mutating func ue() -> Int? {
        var zeros = 0
        while true {
            guard let b = u1() else { return nil }
            if b == 1 { break }
            zeros += 1
            guard zeros <= 31 else { return nil }
        }
        guard let rest = u(zeros) else { return nil }
        return (1 << zeros) - 1 + rest
    }

    /// se(v).
    mutating func se() -> Int? {
        guard let k = ue() else { return nil }
        return k & 1 == 1 ? (k + 1) / 2 : -(k / 2)
    }

    /// Bytes of the NAL unit from its start through the byte holding the last bit read.
    var bytesRead: Int { bit == 0 ? offset : offset + 1 }
}
