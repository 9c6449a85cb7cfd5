/// Writes 188-byte transport stream packets: PAT and PMT sections with their
/// CRC, and PES packets split across TS packets with PCR, random-access flags
/// and adaptation-field stuffing. A PES is written as it is made: `beginPES` with
/// its length, then its bytes in pieces (`write`), each copied once, into its packets.
struct TSPacketWriter {
    static let packetSize = 188
    static let patPID: UInt16 = 0
    static let pmtPID: UInt16 = 0x1000

    private(set) var bytes: [UInt8] = []
    /// The PES being written: its PID, the next continuity counter, its bytes not yet
    /// written, and the room left in its current packet (never more than `remaining`).
    private var pes = (pid: UInt16(0), cc: UInt8(0), remaining: 0, room: 0)

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// One packet: `payload` must fit after the header and any adaptation field;
    /// what it does not fill is stuffed.
    mutating func packet(pid: UInt16, start: Bool, cc: UInt8, payload: ArraySlice<UInt8>, pcr: UInt64? = nil, randomAccess: Bool = false) {
        header(pid: pid, start: start, cc: cc, payloadCount: payload.count, pcr: pcr, randomAccess: randomAccess)
        bytes.append(contentsOf: payload)
    }

    /// A packet's header, adaptation field and stuffing, for `payloadCount` bytes of payload to follow.
    private mutating func header(pid: UInt16, start: Bool, cc: UInt8, payloadCount: Int, pcr: UInt64?, randomAccess: Bool) {
        var adaptation = pcr != nil || randomAccess ? 2 + (pcr != nil ? 6 : 0) : 0
        let room = 184 - adaptation
        precondition(payloadCount <= room, "TS payload over capacity")
        let stuffing = room - payloadCount
        if stuffing > 0 { adaptation += stuffing }
        let first = UInt32(0x47) << 24 | UInt32((start ? 0x40 : 0) | UInt8(pid >> 8 & 0x1F)) << 16 | UInt32(pid & 0xFF) << 8
            | UInt32((adaptation > 0 ? 0x30 : 0x10) | cc & 0x0F)
        guard adaptation > 1 else {
            append(first.bigEndian)
            if adaptation == 1 { bytes.append(0) }
            return
        }
        // Header, adaptation length and flags, and the PCR if any: 6 or 12 bytes in one append.
        var fields = (first.bigEndian, UInt16(UInt16(adaptation - 1) << 8 | UInt16((pcr != nil ? 0x10 : 0) | (randomAccess ? 0x40 : 0))).bigEndian,
                      UInt32(0), UInt16(0))
        var used = 2
        if let pcr {
            let base = pcr / 300, ext = pcr % 300
            fields.2 = UInt32(truncatingIfNeeded: base >> 1).bigEndian
            fields.3 = (UInt16(truncatingIfNeeded: base & 1) << 15 | 0x7E00 | UInt16(truncatingIfNeeded: ext)).bigEndian
            used += 6
        }
        withUnsafeBytes(of: &fields) { raw in
            // The tuple's fields lie at 0, 4, 8 and 12 (a UInt16 after the UInt32s is padded to 4).
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<6]))
            if pcr != nil { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[8..<14])) }
        }
        bytes.append(contentsOf: repeatElement(0xFF, count: adaptation - used))
    }

    private mutating func append(_ word: UInt32) {
        withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
    }

    /// A PSI section (PAT or PMT) in one packet, with pointer field and CRC.
    mutating func section(pid: UInt16, cc: UInt8, _ body: [UInt8]) {
        var section = body
        let crc = CRC32MPEG2.checksum(section[...])
        section += [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        var payload: [UInt8] = [0] + section
        payload += repeatElement(0xFF, count: 184 - payload.count)
        packet(pid: pid, start: true, cc: cc, payload: payload[...])
    }

    mutating func pat(cc: UInt8) {
        let length = 13
        section(pid: Self.patPID, cc: cc, [0x00, 0xB0 | UInt8(length >> 8), UInt8(length & 0xFF), 0x00, 0x01, 0xC1, 0x00, 0x00,
                                            0x00, 0x01, 0xE0 | UInt8(Self.pmtPID >> 8), UInt8(Self.pmtPID & 0xFF)])
    }

    mutating func pmt(cc: UInt8, pcrPID: UInt16, streams: [(type: UInt8, pid: UInt16)]) {
        let length = 9 + streams.count * 5 + 4
        var body: [UInt8] = [0x02, 0xB0 | UInt8(length >> 8), UInt8(length & 0xFF), 0x00, 0x01, 0xC1, 0x00, 0x00,
                             0xE0 | UInt8(pcrPID >> 8), UInt8(pcrPID & 0xFF), 0xF0, 0x00]
        for s in streams { body += [s.type, 0xE0 | UInt8(s.pid >> 8), UInt8(s.pid & 0xFF), 0xF0, 0x00] }
        section(pid: Self.pmtPID, cc: cc, body)
    }

    static func pesHeaderSize(hasDTS: Bool) -> Int { hasDTS ? 19 : 14 }

    /// Number of TS packets a PES of `length` bytes takes.
    static func packetCount(pesLength: Int, firstHasPCR: Bool) -> Int {
        let first = firstHasPCR ? 176 : 184
        return pesLength <= first ? 1 : 1 + (pesLength - first + 183) / 184
    }

    /// Starts a PES packet whose payload (what `write` is given next) is `payloadLength` bytes:
    /// its first TS packet, then the PES header with PTS, and DTS when it differs (both on the
    /// 90 kHz clock). `bounded` writes the PES length (audio); video leaves it 0.
    mutating func beginPES(streamID: UInt8, pts: UInt64, dts: UInt64?, payloadLength: Int, bounded: Bool,
                           pid: UInt16, cc: UInt8, pcr: UInt64?, randomAccess: Bool) {
        let headerSize = Self.pesHeaderSize(hasDTS: dts != nil)
        let length = headerSize + payloadLength
        let room = pcr != nil || randomAccess ? 184 - 2 - (pcr != nil ? 6 : 0) : 184
        let n = min(room, length)
        header(pid: pid, start: true, cc: cc, payloadCount: n, pcr: pcr, randomAccess: randomAccess)
        pes = (pid, (cc + 1) & 0x0F, length, n)

        let headerData = headerSize - 9
        let field = bounded && length - 6 <= 0xFFFF ? length - 6 : 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 19) { h in
            (h[0], h[1], h[2], h[3], h[4], h[5]) = (0, 0, 1, streamID, UInt8(field >> 8), UInt8(field & 0xFF))
            (h[6], h[7], h[8]) = (0x80, dts == nil ? 0x80 : 0xC0, UInt8(headerData))
            Self.timestamp(dts == nil ? 0x2 : 0x3, pts, into: h, at: 9)
            if let dts { Self.timestamp(0x1, dts, into: h, at: 14) }
            write(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(h)[0..<headerSize]))
        }
    }

    static func timestamp(_ prefix: UInt8, _ t: UInt64, into h: UnsafeMutableBufferPointer<UInt8>, at i: Int) {
        let v = t & 0x1_FFFF_FFFF
        (h[i], h[i + 1], h[i + 2], h[i + 3], h[i + 4]) = (prefix << 4 | UInt8(v >> 29 & 0x0E) | 1, UInt8(v >> 22 & 0xFF),
                                                         UInt8(v >> 14 & 0xFE) | 1, UInt8(v >> 7 & 0xFF), UInt8(v << 1 & 0xFE) | 1)
    }

    /// The next bytes of the PES begun last, opening its next TS packet when one is full.
    /// Bytes past the length it announced are dropped.
    mutating func write(_ piece: UnsafeRawBufferPointer) {
        var rest = piece[...]
        while !rest.isEmpty && pes.remaining > 0 {
            if pes.room == 0 {
                let n = min(184, pes.remaining)
                header(pid: pes.pid, start: false, cc: pes.cc, payloadCount: n, pcr: nil, randomAccess: false)
                pes.cc = (pes.cc + 1) & 0x0F
                pes.room = n
            }
            let take = min(pes.room, rest.count)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
            rest = rest.dropFirst(take)
            pes.room -= take
            pes.remaining -= take
        }
    }

    /// Ends the PES begun last; returns the next continuity counter of its PID. Should fewer
    /// bytes have come than announced, its open packet is filled so packets stay 188 bytes.
    mutating func endPES() -> UInt8 {
        if pes.room > 0 { bytes.append(contentsOf: repeatElement(0xFF, count: pes.room)) }
        pes.remaining = 0
        pes.room = 0
        return pes.cc
    }
}
