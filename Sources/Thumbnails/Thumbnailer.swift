import CAVCodec
import Foundation
import LibAV

/// Single thumbnails and sprite sheets of a video file, as JPEG. Blocking (decodes with
/// libavcodec): call on a worker thread.
public enum Thumbnailer {
    /// The size a thumbnail of a `width`×`height` picture gets when `requested` wide: never
    /// wider than the picture, at least 16, even numbers, the picture's shape.
    public static func size(width: Int, height: Int, requested: Int?) -> (width: Int, height: Int) {
        let w = max(16, min(requested ?? width, width, 8192)) & ~1
        let h = width > 0 ? max(16, Int((Double(height) * Double(w) / Double(width)).rounded())) & ~1 : w
        return (w, min(h, 8192))
    }

    /// The frame shown at `milliseconds` after the video's first frame (the last one at or
    /// before that time), `width` wide (the picture's own width when nil), as JPEG.
    public static func jpeg(path: String, at milliseconds: Int64, width: Int?) throws(ThumbnailError) -> [UInt8] {
        let grabber = try FrameGrabber(path: path)
        let picture = Frame()
        try grabber.picture(at: milliseconds, keyframe: false, into: picture)
        let p = picture.pointer.pointee
        let (w, h) = size(width: Int(p.width), height: Int(p.height), requested: width)
        return try ThumbnailError.naming(path) { try JPEGPicture.encode(try JPEGPicture.scaled(picture, width: Int32(w), height: Int32(h))) }
    }

    /// Sheet `sheet` (from 1) of `plan`: its tiles left to right, top to bottom, each the
    /// keyframe at or before the tile's time (cheap: one decode each), as JPEG.
    public static func spriteSheet(path: String, plan: SpritePlan, sheet: Int) throws(ThumbnailError) -> [UInt8] {
        let times = plan.times(ofSheet: sheet)
        guard !times.isEmpty else { throw ThumbnailError("no sprite sheet \(sheet)", outOfRange: true) }
        let grabber = try FrameGrabber(path: path)
        let rows = (times.count + plan.columns - 1) / plan.columns
        return try ThumbnailError.naming(path) {
            let canvas = try JPEGPicture.blank(width: Int32(plan.columns * plan.tileWidth), height: Int32(rows * plan.tileHeight))
            let picture = Frame()
            for (k, time) in times.enumerated() {
                try grabber.picture(at: time, keyframe: true, into: picture)
                let tile = try JPEGPicture.scaled(picture, width: Int32(plan.tileWidth), height: Int32(plan.tileHeight))
                JPEGPicture.paste(tile, into: canvas, x: (k % plan.columns) * plan.tileWidth, y: (k / plan.columns) * plan.tileHeight)
            }
            return try JPEGPicture.encode(canvas)
        }
    }
}
