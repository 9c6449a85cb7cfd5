/// Where the scrub-preview tiles of a video fall: one every `interval` milliseconds (whole
/// seconds, at most `maxTiles` in all), `tileWidth` wide in the video's shape, `columns`×`rows`
/// to a sheet (`sprite-<k>.jpg`), and the WebVTT thumbnails track that names each tile by its
/// sheet and `#xywh=` rectangle (the form video.js plugins, shaka and JW Player read).
public struct SpritePlan: Equatable, Sendable {
    public let duration: Int64
    public let interval: Int64
    public let count: Int
    public let tileWidth: Int
    public let tileHeight: Int
    public let columns: Int
    public let rowsPerSheet: Int

    public static let maxTiles = 200

    public init(durationMilliseconds: Int64, width: Int, height: Int, tileWidth: Int = 160, columns: Int = 10, rowsPerSheet: Int = 10) {
        duration = max(1, durationMilliseconds)
        let seconds = (duration + 999) / 1000
        interval = max(1, (seconds + Int64(Self.maxTiles) - 1) / Int64(Self.maxTiles)) * 1000
        count = Int((duration + interval - 1) / interval)
        let size = Thumbnailer.size(width: width, height: height, requested: tileWidth)
        self.tileWidth = size.width
        tileHeight = size.height
        self.columns = columns
        self.rowsPerSheet = rowsPerSheet
    }

    public var perSheet: Int { columns * rowsPerSheet }
    public var sheets: Int { (count + perSheet - 1) / perSheet }

    /// The times of sheet `k`'s tiles (k from 1); empty for a sheet that does not exist.
    public func times(ofSheet k: Int) -> [Int64] {
        guard k >= 1, k <= sheets else { return [] }
        return ((k - 1) * perSheet..<min(count, k * perSheet)).map { Int64($0) * interval }
    }

    /// The WebVTT thumbnails track: a cue per tile covering its interval (the last up to the
    /// video's end), pointing at `sprite-<k>.jpg#xywh=x,y,w,h` beside it.
    public func vtt() -> String {
        var out = "WEBVTT\n\n"
        for n in 0..<count {
            let start = Int64(n) * interval, end = min(duration, start + interval)
            let sheet = n / perSheet + 1, place = n % perSheet
            out += "\(Self.timestamp(start)) --> \(Self.timestamp(end))\nsprite-\(sheet).jpg#xywh=\((place % columns) * tileWidth),\((place / columns) * tileHeight),\(tileWidth),\(tileHeight)\n\n"
        }
        return out
    }

    static func timestamp(_ ms: Int64) -> String {
        let h = ms / 3_600_000, m = ms / 60_000 % 60, s = ms / 1000 % 60, f = ms % 1000
        func pad(_ v: Int64, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
        return "\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(f, 3))"
    }
}
