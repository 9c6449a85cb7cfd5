/// `dac3`: AC-3 configuration.
public struct AC3SpecificBox: BoxCodable {
    public static let type: FourCC = "dac3"
    public var fscod: UInt8, bsid: UInt8, bsmod: UInt8, acmod: UInt8
    public var lfeOn: Bool
    public var bitRateCode: UInt8

    public init(payload r: inout ByteReader) throws(MP4Error) {
        let v = try r.u24()
        fscod = UInt8(v >> 22 & 3); bsid = UInt8(v >> 17 & 31); bsmod = UInt8(v >> 14 & 7)
        acmod = UInt8(v >> 11 & 7); lfeOn = v >> 10 & 1 == 1; bitRateCode = UInt8(v >> 5 & 31)
    }

    public func writePayload(to w: inout ByteWriter) {
        let v = UInt32(fscod) << 22 | UInt32(bsid) << 17 | UInt32(bsmod) << 14 | UInt32(acmod) << 11
            | (lfeOn ? 1 << 10 : 0) | UInt32(bitRateCode) << 5
        w.u24(v)
    }

    public var channelCount: Int { acModChannels[Int(acmod)] + (lfeOn ? 1 : 0) }
    public var sampleRate: Int { [48000, 44100, 32000, 0][Int(fscod)] }
}

/// Full-bandwidth channels for each AC-3 `acmod`.
let acModChannels = [2, 1, 2, 3, 3, 4, 4, 5]

/// `dec3`: E-AC-3 configuration. Independent substreams are parsed; the bytes are kept.
public struct EC3SpecificBox: BoxCodable {
    public static let type: FourCC = "dec3"
    public struct Substream: Equatable, Sendable {
        public var fscod: UInt8, bsid: UInt8, bsmod: UInt8, acmod: UInt8
        public var lfeOn: Bool
        public var dependentCount: UInt8
        public var channelLocations: UInt16
    }
    public var payload: [UInt8]
    public var dataRate: Int
    public var substreams: [Substream]

    public init(payload r: inout ByteReader) throws(MP4Error) {
        payload = r.rest()
        var bits = BitReader(payload)
        guard let rate = bits.read(13), let count = bits.read(3) else { throw r.error(.truncated, "dec3 header cut off") }
        dataRate = rate
        substreams = []
        for _ in 0...count {
            guard let fscod = bits.read(2), let bsid = bits.read(5), bits.read(2) != nil, let bsmod = bits.read(3),
                  let acmod = bits.read(3), let lfe = bits.read(1), bits.read(3) != nil, let deps = bits.read(4)
            else { throw r.error(.truncated, "dec3 substream cut off") }
            var locations = 0
            if deps > 0 { guard let l = bits.read(9) else { throw r.error(.truncated, "dec3 chan_loc cut off") }; locations = l }
            else { _ = bits.read(1) }
            substreams.append(Substream(fscod: UInt8(fscod), bsid: UInt8(bsid), bsmod: UInt8(bsmod), acmod: UInt8(acmod),
                                        lfeOn: lfe == 1, dependentCount: UInt8(deps), channelLocations: UInt16(locations)))
        }
    }

    public func writePayload(to w: inout ByteWriter) { w.append(payload) }

    /// Channels of the first independent substream plus those its dependents add.
    public var channelCount: Int {
        guard let main = substreams.first else { return 0 }
        // chan_loc bits: Lc/Rc, Lrs/Rrs, Cs, Ts, Lsd/Rsd, Lw/Rw, Lvh/Rvh, Cvh, LFE2
        let pairs: [Int] = [2, 2, 1, 1, 2, 2, 2, 1, 1]
        var extra = 0
        for bit in 0..<9 where main.channelLocations & (1 << (8 - bit)) != 0 { extra += pairs[bit] }
        return acModChannels[Int(main.acmod)] + (main.lfeOn ? 1 : 0) + extra
    }
}

/// `dOps`: Opus configuration (stored big-endian, unlike the Ogg header).
public struct OpusSpecificBox: BoxCodable {
    public static let type: FourCC = "dOps"
    public var version: UInt8 = 0
    public var outputChannelCount: UInt8
    public var preSkip: UInt16
    public var inputSampleRate: UInt32
    public var outputGain: Int16
    public var channelMappingFamily: UInt8
    /// Stream count, coupled count and mapping, present when the family is not 0.
    public var channelMappingTable: [UInt8]

    public init(payload r: inout ByteReader) throws(MP4Error) {
        version = try r.u8()
        outputChannelCount = try r.u8()
        preSkip = try r.u16()
        inputSampleRate = try r.u32()
        outputGain = try r.i16()
        channelMappingFamily = try r.u8()
        channelMappingTable = channelMappingFamily == 0 ? [] : try r.bytes(2 + Int(outputChannelCount))
    }

    public func writePayload(to w: inout ByteWriter) {
        w.u8(version); w.u8(outputChannelCount); w.u16(preSkip); w.u32(inputSampleRate)
        w.i16(outputGain); w.u8(channelMappingFamily); w.append(channelMappingTable)
    }
}
