/// Reads the structure of an MP4: walks the top-level boxes by their headers,
/// loads `moov` (and each `moof`) into memory within `ParseLimits`, and builds
/// every track's sample index. Never reads `mdat` payloads.
struct MovieReader {
    let source: ByteSource
    let limits: ParseLimits

    func read() throws(MP4Error) -> Movie {
        let fileSize = source.size
        var headers: [BoxHeader] = []
        var offset: Int64 = 0
        var moovHeader: BoxHeader?
        var fileType: FileTypeBox?
        var droppedFragmentAt: Int64?
        while fileSize - offset >= 8 {
            guard headers.count < limits.maxTopLevelBoxes else {
                throw MP4Error(.limitExceeded, path: "", "more than \(limits.maxTopLevelBoxes) top-level boxes")
            }
            let headerBytes = try source.read(at: offset, count: Int(min(32, fileSize - offset)))
            var header: BoxHeader
            do {
                header = try BoxHeader.parse(headerBytes, offset: offset, limit: fileSize, path: "")
            } catch let error where error.kind == .truncated {
                // A media data box that claims more bytes than the file has keeps what is there
                // (FFmpeg does the same); any other box cut short ends the walk.
                let type = FourCC(rawValue: ByteReader.u32(headerBytes, at: 4))
                // A recording cut off inside its last fragment: the fragments before it play.
                if type == "moof" && moovHeader != nil { droppedFragmentAt = offset; break }
                guard type == "mdat" || type == "free" || type == "skip" else { throw error.under("\(type)") }
                header = BoxHeader(type: type, offset: offset, size: fileSize - offset, headerSize: 8, userType: nil)
            }
            headers.append(header)
            if header.type == "moov" && moovHeader == nil { moovHeader = header }
            if header.type == "ftyp" && fileType == nil {
                var r = try payload(of: header, path: "ftyp")
                fileType = try FileTypeBox(payload: &r)
            }
            offset = header.end
        }
        guard let moovHeader else {
            throw MP4Error(.invalid, path: "", "no 'moov' box: not an MP4 file, or its index is missing")
        }
        var moov = try payload(of: moovHeader, path: "moov")
        var movie = try readMovie(&moov, fileSize: fileSize)
        movie.fileType = fileType
        movie.topLevelBoxes = headers
        movie.droppedFragmentAt = droppedFragmentAt
        let moofs = headers.filter { $0.type == "moof" }
        if !moofs.isEmpty || !movie.trackExtends.isEmpty {
            movie.isFragmented = true
            var fragments = FragmentIndexer(movie: movie, limits: limits)
            for header in moofs {
                var r = try payload(of: header, path: "moof")
                try fragments.add(moof: &r, header: header)
            }
            movie.tracks = fragments.finish()
        }
        return movie
    }

    private func payload(of header: BoxHeader, path: String) throws(MP4Error) -> ByteReader {
        guard header.payloadSize <= limits.maxMetadataBoxSize else {
            throw MP4Error(.limitExceeded, path: path, "\(header.payloadSize) bytes exceed the limit of \(limits.maxMetadataBoxSize)")
        }
        var reader = ByteReader(try source.read(at: header.payloadOffset, count: Int(header.payloadSize)), path: path)
        reader.fileOffset = header.payloadOffset
        reader.maxDepth = limits.maxDepth
        return reader
    }

    /// `stored`: every track's samples from an index file (one per `trak`, in order) instead of its tables.
    func readMovie(_ r: inout ByteReader, fileSize: Int64, stored: [IndexedSamples]? = nil) throws(MP4Error) -> Movie {
        var header: MovieHeaderBox?
        var traks: [ByteReader] = []
        var trex: [UInt32: TrackExtendsBox] = [:]
        var other: [OpaqueBox] = []
        for (h, child) in try r.boxes() {
            var body = child
            switch h.type {
            case "mvhd": header = try body.whole(MovieHeaderBox.self)
            case "trak": traks.append(child)
            case "mvex":
                for (eh, e) in try body.boxes() where eh.type == "trex" {
                    var eb = e
                    let box = try eb.whole(TrackExtendsBox.self)
                    trex[box.trackID] = box
                }
            default: other.append(OpaqueBox(header: h, path: child.path))
            }
        }
        guard let header else { throw MP4Error(.invalid, path: "moov", "no 'mvhd' box") }
        guard traks.count <= limits.maxTracks else {
            throw MP4Error(.limitExceeded, path: "moov", "\(traks.count) tracks exceed the limit of \(limits.maxTracks)")
        }
        let read: [Result<Track?, MP4Error>]
        if let stored {
            guard stored.count == traks.count else { throw MP4Error(.invalid, path: "index", "\(stored.count) stored tracks for \(traks.count) in the movie") }
            read = zip(traks, stored).map { trak, samples in
                var trak = trak
                return Result { () throws(MP4Error) in try readTrack(&trak, fileSize: fileSize, stored: samples) }
            }
        } else {
            // Each track's sample table is expanded on its own core (a long movie's first request waits for them all).
            let reader = self
            read = traks.concurrentMap { trak -> Result<Track?, MP4Error> in
                var trak = trak
                return Result { () throws(MP4Error) in try reader.readTrack(&trak, fileSize: fileSize) }
            }
        }
        var tracks: [Track] = []
        for result in read { if let track = try result.get() { tracks.append(track) } }
        return Movie(fileType: nil, header: header, tracks: tracks, isFragmented: false, topLevelBoxes: [],
                     fileSize: fileSize, trackExtends: trex, otherBoxes: other)
    }

    /// Returns nil for a track without a media box (FFmpeg skips those too).
    private func readTrack(_ r: inout ByteReader, fileSize: Int64, stored: IndexedSamples? = nil) throws(MP4Error) -> Track? {
        let path = r.path
        var tkhd: TrackHeaderBox?
        var elst: EditListBox?
        var mdia: ByteReader?
        var other: [OpaqueBox] = []
        for (h, child) in try r.boxes() {
            var body = child
            switch h.type {
            case "tkhd": tkhd = try body.whole(TrackHeaderBox.self)
            case "edts":
                for (eh, e) in try body.boxes() where eh.type == "elst" {
                    var eb = e
                    elst = try eb.whole(EditListBox.self)
                }
            case "mdia": mdia = child
            default: other.append(OpaqueBox(header: h, path: child.path))
            }
        }
        guard var mdia else { return nil }
        guard let tkhd else { throw MP4Error(.invalid, path: path, "no 'tkhd' box") }
        var mdhd: MediaHeaderBox?
        var hdlr: HandlerBox?
        var elng: String?
        var stbl: ByteReader?
        for (h, child) in try mdia.boxes() {
            var body = child
            switch h.type {
            case "mdhd": mdhd = try body.whole(MediaHeaderBox.self)
            case "hdlr": hdlr = try HandlerBox(payload: &body)
            case "elng": if (try? body.versionAndFlags()) != nil { elng = body.cString() }
            case "minf":
                for (mh, m) in try body.boxes() where mh.type == "stbl" { stbl = m }
            default: break
            }
        }
        guard let mdhd else { throw MP4Error(.invalid, path: mdia.path, "no 'mdhd' box") }
        guard mdhd.timescale > 0, mdhd.timescale <= UInt32(Int32.max) else {
            throw MP4Error(.invalid, path: mdia.path + "/mdhd", "timescale \(mdhd.timescale) is not usable (FFmpeg would guess 1)")
        }
        let handler = hdlr ?? HandlerBox(handlerType: "    ", name: "")
        var table = SampleTable()
        if var stbl { table = try SampleTable(reading: &stbl, handler: handler.handlerType) }
        let stblPath = "\(mdia.path)/minf/stbl"
        let built: IndexedSamples
        if let stored { built = stored } else {
            built = try SampleTableIndexer(table: table, path: stblPath, limits: limits, fileSize: fileSize, isAudio: handler.handlerType == "soun").build()
        }
        var track = Track(header: tkhd, mediaHeader: mdhd, handler: handler, editList: elst,
                          sampleDescription: table.description ?? SampleDescriptionBox(entries: []), samples: built.index)
        track.indexed = built
        track.otherBoxes = other
        track.extendedLanguage = elng.flatMap(Track.languageTag)
        return track
    }
}
