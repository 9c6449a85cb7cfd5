import HLSPackager
import Thumbnails
import VODKit

/// `/thumb/<video>/…`: single frames as JPEG and scrub-preview sprites, decoded with libav on
/// a worker (never on an event loop) and kept in the built-segment memory.
extension OriginRouter {
    /// The rendition a thumbnail `width` wide is cut from: the narrowest at least that wide,
    /// else the widest (the widest too when no width is asked).
    static func thumbnailSource(_ set: MediaSet, width: Int?) -> SegmentedTrack? {
        let sized = set.videos.compactMap { v in v.track.track.sampleEntry?.visual.map { (v, Int($0.width), Int($0.height)) } }
        let widest = sized.max { $0.1 < $1.1 }
        guard let width else { return widest?.0 }
        return sized.filter { $0.1 >= width }.min { $0.1 < $1.1 }?.0 ?? widest?.0
    }

    /// How long the video plays, in milliseconds (its first video track).
    static func durationMilliseconds(_ track: SegmentedTrack) -> Int64 {
        let milliseconds = track.plan.durations.reduce(0, +) * 1000
        return milliseconds.isFinite && milliseconds > 0 && milliseconds < 1e15 ? Int64(milliseconds) : 0
    }

    func thumbnail(_ e: MediaSetCache.Entry, at ms: Int64, width: Substring?, mayBlock: Bool) -> HTTPResponse? {
        var w: Int?
        if let width {
            guard width.count <= 4, width.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(width), n >= 16 else {
                return .text(400, "w must be a width in pixels from 16 to 8192")
            }
            w = n
        }
        guard let source = Self.thumbnailSource(e.set, width: w) else { return .text(404, "video \(e.set.name) has no video track") }
        let duration = Self.durationMilliseconds(source)
        guard ms < duration else { return .text(404, "\(ms) ms is after the end of video \(e.set.name) (\(duration) ms)") }
        let key = "\(e.key)|thumb|\(source.track.name)|\(ms)|\(w ?? 0)"
        return made(key, "image/jpeg", mayBlock: mayBlock, video: e.set.name) { () throws(ThumbnailError) in
            try Thumbnailer.jpeg(path: source.track.moviePath, at: ms, width: w)
        }
    }

    /// The sprite plan of a video: tiles from its narrowest rendition at least 160 wide.
    static func spritePlan(_ set: MediaSet) -> (SpritePlan, SegmentedTrack)? {
        guard let source = thumbnailSource(set, width: 160), let visual = source.track.track.sampleEntry?.visual else { return nil }
        return (SpritePlan(durationMilliseconds: durationMilliseconds(source), width: Int(visual.width), height: Int(visual.height)), source)
    }

    func sprites(_ e: MediaSetCache.Entry) -> HTTPResponse {
        guard let (plan, _) = Self.spritePlan(e.set) else { return .text(404, "video \(e.set.name) has no video track") }
        var r = HTTPResponse(status: 200, body: [.bytes(Array(plan.vtt().utf8))])
        r.headers.append("Content-Type", "text/vtt; charset=utf-8")
        r.headers.append("Cache-Control", Self.playlistCache)
        r.headers.append("ETag", etag("\(e.key)|sprites"))
        return r
    }

    func spriteSheet(_ e: MediaSetCache.Entry, _ k: Int, mayBlock: Bool) -> HTTPResponse? {
        guard let (plan, source) = Self.spritePlan(e.set) else { return .text(404, "video \(e.set.name) has no video track") }
        guard k <= plan.sheets else { return .text(404, "video \(e.set.name) has \(plan.sheets) sprite sheet(s)") }
        return made("\(e.key)|sprite|\(k)", "image/jpeg", mayBlock: mayBlock, video: e.set.name) { () throws(ThumbnailError) in
            try Thumbnailer.spriteSheet(path: source.track.moviePath, plan: plan, sheet: k)
        }
    }

    /// A picture kept in memory under `key`, made on a worker the first time.
    func made(_ key: String, _ type: String, mayBlock: Bool, video: String, _ make: () throws(ThumbnailError) -> [UInt8]) -> HTTPResponse? {
        if let kept = segments.get(key) { return sent(kept, type, etag: key) }
        guard mayBlock else { return nil }
        do {
            let bytes = try make()
            metrics.add("vod_thumbnails_made_total")
            if let kept = segments.put(key, bytes) { return sent(kept, type, etag: key) }
            return body(ResponseBody(bytes), type, etag: key)
        } catch {
            if error.isOutOfRange { return .text(404, error.reason) }
            log("video \(video): thumbnail: \(error)")
            return .text(500, "cannot make the picture: \(error.reason)")
        }
    }
}
