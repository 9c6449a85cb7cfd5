extension ByteWriter {
    /// The start of a `minf` for a track of `type`: its media header (`vmhd`, `smhd`, `sthd`
    /// or `nmhd`) and a `dinf` whose one data reference is this file.
    mutating func mediaHeaderAndSelfReference(for type: MediaType) {
        switch type {
        case .video: box("vmhd") { $0.versionAndFlags(0, 1); $0.zeros(8) }
        case .audio: box("smhd") { $0.versionAndFlags(0, 0); $0.zeros(4) }
        case .subtitle: box("sthd") { $0.versionAndFlags(0, 0) }
        default: box("nmhd") { $0.versionAndFlags(0, 0) }
        }
        box("dinf") { dinf in
            dinf.box("dref") { dref in
                dref.versionAndFlags(0, 0)
                dref.u32(1)
                dref.box("url ") { $0.versionAndFlags(0, 1) }
            }
        }
    }
}
