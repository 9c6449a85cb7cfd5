/// Writes 188-byte transport stream packets: PAT and PMT sections with their
/// CRC, and PES packets split across TS packets with PCR, random-access flags
/// and adaptation-field stuffing.
struct TSPacketWriter {
    static let packetSize = 188
    static let patPID: UInt16 = 0
    static let pmtPID: UInt16 = 0x1000

    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// One packet: `payload` must fit after the header and any adaptation field;
    /// what it does not fill is stuffed.
    mutating func packet(pid: UInt16, start: Bool, cc: UInt8, payload: ArraySlice<UInt8>, pcr: UInt64? = nil, randomAccess: Bool = false) {
        var adaptation = pcr != nil || randomAccess ? 2 + (pcr != nil ? 6 : 0) : 0
        let room = 184 - adaptation
        precondition(payload.count <= room, "TS payload over capacity")
        let stuffing = room - payload.count
        if stuffing > 0 { adaptation += stuffing }
        bytes.append(0x47)
        bytes.append((start ? 0x40 : 0) | UInt8(pid >> 8 & 0x1F))
        bytes.append(UInt8(pid & 0xFF))
        bytes.append((adaptation > 0 ? 0x30 : 0x10) | cc & 0x0F)
        if adaptation > 0 {
            bytes.append(UInt8(adaptation - 1))
            if adaptation > 1 {
                bytes.append((pcr != nil ? 0x10 : 0) | (randomAccess ? 0x40 : 0))
                var used = 2
                if let pcr {
                    let base = pcr / 300, ext = pcr % 300
                    bytes += [UInt8(base >> 25 & 0xFF), UInt8(base >> 17 & 0xFF), UInt8(base >> 9 & 0xFF), UInt8(base >> 1 & 0xFF),
                              UInt8((base & 1) << 7) | 0x7E | UInt8(ext >> 8), UInt8(ext & 0xFF)]
                    used += 6
                }
                bytes += repeatElement(0xFF, count: adaptation - used)
            }
        }
        bytes += payload
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

    /// A PES packet header with PTS, and DTS when it differs (both on the 90 kHz clock).
    static func pesHeader(streamID: UInt8, pts: UInt64, dts: UInt64?, payloadLength: Int, bounded: Bool) -> [UInt8] {
        let headerData = dts == nil ? 5 : 10
        let length = 3 + headerData + payloadLength
        let field = bounded && length <= 0xFFFF ? length : 0
        var h: [UInt8] = [0, 0, 1, streamID, UInt8(field >> 8), UInt8(field & 0xFF), 0x80, dts == nil ? 0x80 : 0xC0, UInt8(headerData)]
        h += timestamp(dts == nil ? 0x2 : 0x3, pts)
        if let dts { h += timestamp(0x1, dts) }
        return h
    }

    static func pesHeaderSize(hasDTS: Bool) -> Int { hasDTS ? 19 : 14 }

    static func timestamp(_ prefix: UInt8, _ t: UInt64) -> [UInt8] {
        let v = t & 0x1_FFFF_FFFF
        return [prefix << 4 | UInt8(v >> 29 & 0x0E) | 1, UInt8(v >> 22 & 0xFF), UInt8(v >> 14 & 0xFE) | 1,
                UInt8(v >> 7 & 0xFF), UInt8(v << 1 & 0xFE) | 1]
    }

    /// Number of TS packets a PES of `length` bytes takes.
    static func packetCount(pesLength: Int, firstHasPCR: Bool) -> Int {
        let first = firstHasPCR ? 176 : 184
        return pesLength <= first ? 1 : 1 + (pesLength - first + 183) / 184
    }

    /// Splits a whole PES packet into TS packets; returns the next continuity counter.
    mutating func pes(_ pes: [UInt8], pid: UInt16, cc: UInt8, pcr: UInt64?, randomAccess: Bool) -> UInt8 {
        var cc = cc
        var offset = 0
        var first = true
        while offset < pes.count {
            let hasAdaptation = first && (pcr != nil || randomAccess)
            let room = hasAdaptation ? 184 - 2 - (pcr != nil ? 6 : 0) : 184
            let n = min(room, pes.count - offset)
            packet(pid: pid, start: first, cc: cc, payload: pes[offset..<offset + n], pcr: first ? pcr : nil, randomAccess: first && randomAccess)
            offset += n
            cc = (cc + 1) & 0x0F
            first = false
        }
        return cc
    }
}
