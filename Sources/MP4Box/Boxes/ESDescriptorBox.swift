/// `esds`: MPEG-4 elementary stream descriptor; for AAC it carries the AudioSpecificConfig.
public struct ESDescriptorBox: BoxCodable {
    public static let type: FourCC = "esds"
    public var esID: UInt16 = 0
    /// 0x40 = MPEG-4 Audio (AAC), 0x6B = MP3, …
    public var objectTypeIndication: UInt8
    public var streamType: UInt8 = 5
    public var bufferSize: UInt32 = 0
    public var maxBitrate: UInt32 = 0
    public var averageBitrate: UInt32 = 0
    public var decoderSpecificInfo: [UInt8]

    public init(objectTypeIndication: UInt8, decoderSpecificInfo: [UInt8]) {
        self.objectTypeIndication = objectTypeIndication
        self.decoderSpecificInfo = decoderSpecificInfo
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        var es = try Self.descriptor(&r, expecting: 3)
        esID = try es.u16()
        let esFlags = try es.u8()
        if esFlags & 0x80 != 0 { try es.skip(2) }  // depends-on ES id
        if esFlags & 0x40 != 0 { try es.skip(Int(try es.u8())) }  // URL
        if esFlags & 0x20 != 0 { try es.skip(2) }  // OCR ES id
        var config = try Self.descriptor(&es, expecting: 4)
        objectTypeIndication = try config.u8()
        streamType = try config.u8() >> 2
        bufferSize = try config.u24()
        maxBitrate = try config.u32()
        averageBitrate = try config.u32()
        decoderSpecificInfo = []
        if config.remaining >= 2 {
            var info = try Self.descriptor(&config, expecting: 5)
            decoderSpecificInfo = info.rest()
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        let dsi = decoderSpecificInfo.isEmpty ? 0 : 1 + Self.lengthSize(decoderSpecificInfo.count) + decoderSpecificInfo.count
        let configLength = 13 + dsi
        let esLength = 3 + 1 + Self.lengthSize(configLength) + configLength + 3
        w.u8(3); Self.writeLength(esLength, to: &w); w.u16(esID); w.u8(0)
        w.u8(4); Self.writeLength(configLength, to: &w); w.u8(objectTypeIndication); w.u8(streamType << 2 | 1)
        w.u24(bufferSize); w.u32(maxBitrate); w.u32(averageBitrate)
        if !decoderSpecificInfo.isEmpty { w.u8(5); Self.writeLength(decoderSpecificInfo.count, to: &w); w.append(decoderSpecificInfo) }
        w.u8(6); w.u8(1); w.u8(2)
    }

    /// Descriptor lengths take one byte below 128, else the four-byte expandable form.
    static func lengthSize(_ length: Int) -> Int { length < 128 ? 1 : 4 }

    static func writeLength(_ length: Int, to w: inout ByteWriter) {
        if length < 128 { w.u8(UInt8(length)); return }
        let l = UInt32(clamping: length) & 0x0FFF_FFFF
        w.u8(UInt8(l >> 21 & 0x7F) | 0x80); w.u8(UInt8(l >> 14 & 0x7F) | 0x80); w.u8(UInt8(l >> 7 & 0x7F) | 0x80); w.u8(UInt8(l & 0x7F))
    }

    /// Reads a descriptor tag and its expandable length, and returns a reader over its body.
    static func descriptor(_ r: inout ByteReader, expecting tag: UInt8) throws(MP4Error) -> ByteReader {
        let found = try r.u8()
        guard found == tag else { throw r.error(.invalid, "descriptor tag \(found) where \(tag) was expected") }
        var length = 0
        for _ in 0..<4 {
            let byte = try r.u8()
            length = length << 7 | Int(byte & 0x7F)
            if byte & 0x80 == 0 { break }
        }
        return try r.child(min(length, r.remaining), path: r.path)
    }

    /// The AAC AudioSpecificConfig, when this is MPEG-4 audio.
    public var audioSpecificConfig: AudioSpecificConfig? {
        objectTypeIndication == 0x40 ? AudioSpecificConfig(decoderSpecificInfo) : nil
    }

    /// RFC 6381 codec parameter: `mp4a.40.2` for AAC-LC, `mp4a.6B` for MP3.
    public var codecString: String {
        if let asc = audioSpecificConfig { return "mp4a.40.\(asc.codecObjectType)" }
        return "mp4a." + hex2(objectTypeIndication).uppercased()
    }
}

/// The first fields of an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1),
/// with the SBR and PS extension signalled either way: explicitly (object type 5
/// or 29 first, then the output rate and the core's type) or backward-compatibly
/// (a 0x2B7 sync extension after an AAC-LC config).
public struct AudioSpecificConfig: Equatable, Sendable {
    /// The object type the config starts with (5 or 29 for explicit HE-AAC).
    public var objectType: Int
    /// The core's sampling rate (what ADTS headers carry).
    public var sampleRate: Int
    public var channelConfiguration: Int
    /// The core codec's object type (2 for HE-AAC's AAC-LC core; else `objectType`).
    public var coreObjectType: Int
    /// Spectral band replication, and parametric stereo on top of it.
    public var sbr = false
    public var ps = false
    /// The rate after SBR, when the config gives one.
    public var extensionSampleRate: Int?

    static let rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

    public init?(_ bytes: [UInt8]) {
        var bits = BitReader(bytes)
        func readObjectType() -> Int? {
            guard let type = bits.read(5) else { return nil }
            guard type == 31 else { return type }
            return bits.read(6).map { 32 + $0 }
        }
        func readRate() -> Int? {
            guard let index = bits.read(4) else { return nil }
            if index == 15 { return bits.read(24) }
            return index < Self.rates.count ? Self.rates[index] : nil
        }
        guard let type = readObjectType(), let rate = readRate(), let channels = bits.read(4) else { return nil }
        self.objectType = type
        self.sampleRate = rate
        self.channelConfiguration = channels
        self.coreObjectType = type
        if type == 5 || type == 29 {
            sbr = true
            ps = type == 29
            guard let outputRate = readRate(), let core = readObjectType() else { return nil }
            extensionSampleRate = outputRate
            coreObjectType = core
        } else if type == 2, channels > 0, bits.read(1) != nil, let dependsOnCore = bits.read(1),  // frameLengthFlag, dependsOnCoreCoder
                  dependsOnCore == 0 || bits.read(14) != nil, bits.read(1) == 0 {                      // coreCoderDelay, extensionFlag
            // Backward-compatible signalling after the GASpecificConfig of AAC-LC.
            if bits.read(11) == 0x2B7, bits.read(5) == 5, let present = bits.read(1), present == 1 {
                sbr = true
                extensionSampleRate = readRate()
                if bits.read(11) == 0x548, bits.read(1) == 1 { ps = true }
            }
        }
    }

    /// The object type codec strings name (RFC 6381 `mp4a.40.N`): 29 with PS, 5 with SBR.
    public var codecObjectType: Int { ps ? 29 : sbr ? 5 : objectType }

    /// The rate a decoder outputs: after SBR when present.
    public var outputSampleRate: Int { extensionSampleRate ?? (sbr ? sampleRate * 2 : sampleRate) }

    /// Channel count for the configuration (0 means it is in a program config element).
    public var channelCount: Int {
        [0, 1, 2, 3, 4, 5, 6, 8][min(channelConfiguration, 7)]
    }
}

/// Reads big-endian bit fields; returns nil past the end.
struct BitReader {
    let bytes: [UInt8]
    var bitPosition = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read(_ count: Int) -> Int? {
        var value = 0
        for _ in 0..<count {
            let byte = bitPosition >> 3
            guard byte < bytes.count else { return nil }
            value = value << 1 | Int(bytes[byte] >> (7 - UInt8(bitPosition & 7)) & 1)
            bitPosition += 1
        }
        return value
    }
}
