/// `hdlr`: what kind of media a track holds (`vide`, `soun`, `text`, `subt`, …).
public struct HandlerBox: BoxCodable {
    public static let type: FourCC = "hdlr"
    public var handlerType: FourCC
    public var name: String

    public init(handlerType: FourCC, name: String) { self.handlerType = handlerType; self.name = name }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        try r.skip(4)  // pre_defined (QuickTime: component type)
        handlerType = try r.fourCC()
        try r.skip(12)
        name = r.cString()
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(0)
        w.fourCC(handlerType)
        w.zeros(12)
        w.append(Array(name.utf8))
        w.u8(0)
    }
}
