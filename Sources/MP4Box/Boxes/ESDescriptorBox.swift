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
        if let asc = audioSpecificConfig { return "mp4a.40.\(asc.objectType)" }
        return "mp4a." + hex2(objectTypeIndication).uppercased()
    }
}

/// The first fields of an MPEG-4 AudioSpecificConfig.
public struct AudioSpecificConfig: Equatable, Sendable {
    public var objectType: Int
    public var sampleRate: Int
    public var channelConfiguration: Int

    static let rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

    public init?(_ bytes: [UInt8]) {
        var bits = BitReader(bytes)
        guard var type = bits.read(5) else { return nil }
        if type == 31 { guard let ext = bits.read(6) else { return nil }; type = 32 + ext }
        guard let index = bits.read(4) else { return nil }
        if index == 15 {
            guard let rate = bits.read(24) else { return nil }
            sampleRate = rate
        } else {
            guard index < Self.rates.count else { return nil }
            sampleRate = Self.rates[index]
        }
        guard let channels = bits.read(4) else { return nil }
        objectType = type
        channelConfiguration = channels
    }

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
