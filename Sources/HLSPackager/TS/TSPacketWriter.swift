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
        bytes.append(0x47)
        bytes.append((start ? 0x40 : 0) | UInt8(pid >> 8 & 0x1F))
        bytes.append(UInt8(pid & 0xFF))
        bytes.append((adaptation > 0 ? 0x30 : 0x10) | cc & 0x0F)
        guard adaptation > 0 else { return }
        bytes.append(UInt8(adaptation - 1))
        guard adaptation > 1 else { return }
        bytes.append((pcr != nil ? 0x10 : 0) | (randomAccess ? 0x40 : 0))
        var used = 2
        if let pcr {
            let base = pcr / 300, ext = pcr % 300
            bytes.append(UInt8(base >> 25 & 0xFF)); bytes.append(UInt8(base >> 17 & 0xFF)); bytes.append(UInt8(base >> 9 & 0xFF))
            bytes.append(UInt8(base >> 1 & 0xFF)); bytes.append(UInt8((base & 1) << 7) | 0x7E | UInt8(ext >> 8)); bytes.append(UInt8(ext & 0xFF))
            used += 6
        }
        bytes.append(contentsOf: repeatElement(0xFF, count: adaptation - used))
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

    /// Splits a PES packet given as pieces in order (its header, then its payload's parts) into
    /// TS packets, each byte copied once, from its piece into its packet; returns the next
    /// continuity counter.
    mutating func pes(_ pieces: [ArraySlice<UInt8>], pid: UInt16, cc: UInt8, pcr: UInt64?, randomAccess: Bool) -> UInt8 {
        var cc = cc
        var remaining = pieces.reduce(0) { $0 + $1.count }
        var first = true
        var piece = 0
        var position = pieces.first?.startIndex ?? 0
        while remaining > 0 {
            let hasAdaptation = first && (pcr != nil || randomAccess)
            let room = hasAdaptation ? 184 - 2 - (pcr != nil ? 6 : 0) : 184
            let n = min(room, remaining)
            header(pid: pid, start: first, cc: cc, payloadCount: n, pcr: first ? pcr : nil, randomAccess: first && randomAccess)
            var need = n
            while need > 0 {
                let p = pieces[piece]
                let take = min(need, p.endIndex - position)
                bytes.append(contentsOf: p[position..<position + take])
                need -= take
                position += take
                if position == p.endIndex, piece + 1 < pieces.count {
                    piece += 1
                    position = pieces[piece].startIndex
                }
            }
            remaining -= n
            cc = (cc + 1) & 0x0F
            first = false
        }
        return cc
    }
}
