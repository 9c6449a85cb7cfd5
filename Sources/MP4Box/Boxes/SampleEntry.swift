/// One entry of `stsd`: the codec and its configuration. The entry's bytes are
/// kept whole so an init segment repeats them exactly; the fields a packager
/// needs are parsed from them.
public struct SampleEntry: Equatable, Sendable {
    public struct Visual: Equatable, Sendable {
        public var width: UInt16
        public var height: UInt16
        public var compressorName: String
        public var depth: UInt16
    }

    public struct Audio: Equatable, Sendable {
        public var channelCount: UInt16
        public var sampleSize: UInt16
        /// From the entry header (16.16, or the QuickTime v2 double).
        public var sampleRate: Double
    }

    public var format: FourCC
    public var dataReferenceIndex: UInt16
    /// The whole entry, header included.
    public var raw: [UInt8]
    public var visual: Visual?
    public var audio: Audio?
    public var avcC: AVCConfigurationBox?
    public var hvcC: HEVCConfigurationBox?
    public var av1C: AV1ConfigurationBox?
    public var vpcC: VPCodecConfigurationBox?
    public var esds: ESDescriptorBox?
    public var dac3: AC3SpecificBox?
    public var dec3: EC3SpecificBox?
    public var dOps: OpusSpecificBox?
    public var pasp: PixelAspectRatioBox?
    public var colr: ColourInformationBox?
    public var btrt: BitRateBox?
    /// Dolby Vision configuration (`dvcC`, `dvvC`, `dvwC`).
    public var dolbyVision: DolbyVisionConfigurationBox?
    /// Types of the child boxes not interpreted here.
    public var otherBoxes: [FourCC] = []

    static let visualFormats: Set<FourCC> = ["avc1", "avc2", "avc3", "avc4", "hvc1", "hev1", "dvh1", "dvhe", "mp4v", "s263", "h263",
                                             "av01", "vp08", "vp09", "encv", "jpeg", "mjpa", "apch", "apcn", "apcs", "apco", "ap4h"]
    static let audioFormats: Set<FourCC> = ["mp4a", "ac-3", "ec-3", "ac-4", "Opus", "fLaC", "samr", "sawb", "alac", "enca",
                                            ".mp3", "lpcm", "sowt", "twos", "ipcm", "fpcm", "ulaw", "alaw", "mha1", "mhm1", "dtsc"]

    /// Parses one entry. `handler` (`vide`, `soun`) decides the layout for formats not known here.
    public init(header: BoxHeader, payload r: inout ByteReader, raw: [UInt8], handler: FourCC?) throws(MP4Error) {
        format = header.type
        self.raw = raw
        try r.skip(6)
        dataReferenceIndex = try r.u16()
        let isVisual = Self.visualFormats.contains(format) || (handler == "vide" && !Self.audioFormats.contains(format))
        let isAudio = !isVisual && (Self.audioFormats.contains(format) || handler == "soun")
        if isVisual {
            try r.skip(16)
            let width = try r.u16(), height = try r.u16()
            try r.skip(14)
            let nameBytes = try r.bytes(32)
            let nameLength = min(Int(nameBytes[0]), 31)
            let name = String(decoding: nameBytes[1..<1 + nameLength], as: UTF8.self)
            let depth = try r.u16()
            try r.skip(2)
            visual = Visual(width: width, height: height, compressorName: name, depth: depth)
        } else if isAudio {
            let version = try r.u16()
            try r.skip(6)
            var channels = try r.u16()
            var sampleSize = try r.u16()
            try r.skip(4)
            var rate = Double(try r.u32()) / 65536
            switch version {
            case 1: try r.skip(16)
            case 2:
                try r.skip(4)
                rate = Double(bitPattern: try r.u64())
                channels = UInt16(truncatingIfNeeded: try r.u32())
                try r.skip(4)
                sampleSize = UInt16(truncatingIfNeeded: try r.u32())
                try r.skip(12)
            default: break
            }
            audio = Audio(channelCount: channels, sampleSize: sampleSize, sampleRate: rate)
        } else {
            return  // opaque entry: only the format and the raw bytes matter
        }
        try readChildren(&r, depth: 0)
    }

    private mutating func readChildren(_ r: inout ByteReader, depth: Int) throws(MP4Error) {
        guard depth < 4 else { throw r.error(.limitExceeded, "sample entry boxes nested too deep") }
        for (header, child) in try r.boxes() {
            var body = child
            switch header.type {
            case "avcC": avcC = try AVCConfigurationBox(payload: &body)
            case "hvcC": hvcC = try HEVCConfigurationBox(payload: &body)
            case "av1C": av1C = try AV1ConfigurationBox(payload: &body)
            case "vpcC": vpcC = try VPCodecConfigurationBox(payload: &body)
            case "esds": esds = try ESDescriptorBox(payload: &body)
            case "dac3": dac3 = try AC3SpecificBox(payload: &body)
            case "dec3": dec3 = try EC3SpecificBox(payload: &body)
            case "dOps": dOps = try OpusSpecificBox(payload: &body)
            case "pasp": pasp = try PixelAspectRatioBox(payload: &body)
            case "colr": colr = try ColourInformationBox(payload: &body)
            case "btrt": btrt = try BitRateBox(payload: &body)
            case "dvcC", "dvvC", "dvwC": dolbyVision = try DolbyVisionConfigurationBox(payload: &body)
            case "wave":  // QuickTime wraps esds in a wave atom
                try readChildren(&body, depth: depth + 1)
            default: otherBoxes.append(header.type)
            }
        }
    }

    /// RFC 6381 codec parameter (`avc1.64001f`, `hvc1.1.6.L93.B0`, `av01.0.04M.08`, `vp09.00.21.08.01.01.01.01.00`,
    /// `mp4a.40.2`, `ac-3`, `ec-3`, `opus`).
    public var codecString: String {
        // A Dolby Vision sample entry (`dvh1`, …: no other decoder may take it) is named by its Dolby Vision configuration.
        if Self.dolbyVisionFormats.contains(format), let dv = dolbyVision?.codecString(format: format) { return dv }
        if let avcC { return avcC.codecString(format: format) }
        if let hvcC { return hvcC.codecString(format: format) }
        if let av1C { return av1C.codecString(colour: colr) }
        if let vpcC { return vpcC.codecString(format: format) }
        if let esds, format == "mp4a" { return esds.codecString }
        if format == "Opus" { return "opus" }  // Opus in ISOBMFF §4.3: the codecs parameter is lowercase (MSE checks it so)
        return format.description
    }

    static let dolbyVisionFormats: Set<FourCC> = ["dvh1", "dvhe", "dav1", "dva1", "dvav"]

    /// The Dolby Vision layer of a video whose sample entry is for another codec (`hvc1` with
    /// `dvcC`): its codec string and the base layer's compatibility brand, as HLS
    /// SUPPLEMENTAL-CODECS wants (`dvh1.08.07/db4h`). Nil without one, or when the entry itself is Dolby Vision.
    public var supplementalCodec: (codec: String, brand: String?)? {
        guard !Self.dolbyVisionFormats.contains(format), let dv = dolbyVision, dv.compatibilityID != 0,
              let codec = dv.codecString(format: format) else { return nil }
        return (codec, dv.compatibilityBrand)
    }

    /// The CICP transfer characteristics (ITU-T H.273) from `colr` or `vpcC`; nil when neither says.
    public var transferCharacteristics: Int? {
        if let colr, colr.colourType == "nclx" || colr.colourType == "nclc" { return Int(colr.transfer) }
        return vpcC.map { Int($0.transferCharacteristics) }
    }

    /// The dynamic range: PQ (transfer 16), HLG (18), else what a Dolby Vision base layer is
    /// compatible with (profile 5 has none and is PQ); SDR otherwise. Nil for non-video entries.
    public var videoRange: VideoRange? {
        guard visual != nil else { return nil }
        switch transferCharacteristics {
        case 16: return .pq
        case 18: return .hlg
        default: break
        }
        switch dolbyVision?.compatibilityID {
        case 0?, 1?: return .pq
        case 4?: return .hlg
        default: return .sdr
        }
    }

    /// Channel count, from the codec configuration where the entry header is unreliable.
    public var channelCount: Int? {
        if let dac3 { return dac3.channelCount }
        if let dec3 { return dec3.channelCount }
        if let dOps { return Int(dOps.outputChannelCount) }
        if let asc = esds?.audioSpecificConfig, asc.channelCount > 0 { return asc.channelCount }
        return audio.map { Int($0.channelCount) }
    }

    /// Sample rate of the decoded audio.
    public var sampleRate: Int? {
        if let dOps { return dOps.inputSampleRate == 0 ? 48000 : Int(dOps.inputSampleRate) }
        if let asc = esds?.audioSpecificConfig { return asc.outputSampleRate }
        return audio.flatMap { Int(exactly: $0.sampleRate.rounded()) }  // a v2 entry stores a double: NaN or huge is possible
    }
}

/// `stsd`: the sample entries of a track.
public struct SampleDescriptionBox: BoxCodable {
    public static let type: FourCC = "stsd"
    public var entries: [SampleEntry]

    public init(entries: [SampleEntry]) { self.entries = entries }

    public init(payload r: inout ByteReader) throws(MP4Error) { try self.init(payload: &r, handler: nil) }

    public init(payload r: inout ByteReader, handler: FourCC?) throws(MP4Error) {
        _ = try r.versionAndFlags()
        let count = try r.u32()
        try r.checkEntries(UInt64(count), of: 8, "entry count")
        entries = []
        for _ in 0..<count {
            let start = r.position
            let (header, payload) = try r.nextBox()
            let raw = Array(r.bytes[start..<r.position])
            var body = payload
            entries.append(try SampleEntry(header: header, payload: &body, raw: raw, handler: handler))
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(UInt32(entries.count))
        entries.forEach { w.append($0.raw) }
    }
}
