import Foundation
import VODKit

/// `GET /api/uploads/<id>`: what became of an upload, from its record and the spool.
public struct UploadStatus: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable { case receiving, queued, transcoding, publishing, done, failed, duplicate }

    public var id: String
    public var state: State
    public var filename: String
    public var title: String?
    public var offset: Int64
    public var length: Int64
    public var job: String?
    public var percent: Double?
    public var fps: Double?
    public var etaSeconds: Double?
    public var replicas: [String]?
    /// Once done, a duplicate or published early: the video, where to play it, its download versions and each rendition's MP4.
    public var video: String?
    public var hls: String?
    public var dash: String?
    public var downloads: [String]?
    public var stage: String?
    public var reason: String?

    public init(_ record: UploadRecord, spool: Spool) {
        id = record.id
        filename = record.filename
        title = record.title
        offset = record.offset
        length = record.length
        job = record.job
        state = .receiving
        guard record.isComplete else { return }
        state = .queued
        guard let job = record.job else { return }  // being hashed
        if let done = JSONDecoder.read(JobRecord.self, at: "\(spool.done)/\(job).json") {
            state = record.duplicateOf == nil ? .done : .duplicate
            published(job, renditions: done.manifest.renditions.map(\.file), downloads: (done.manifest.downloads ?? []).map(\.file))
            replicas = done.replicas
        } else if record.duplicateOf != nil {
            state = .duplicate
            published(job, renditions: [])
        } else if let failure = JSONDecoder.read(FailureRecord.self, at: "\(spool.failed)/\(job)/error.json") {
            state = .failed
            stage = failure.stage.rawValue
            reason = failure.reason
        } else if let lease = spool.lease(job) {
            let publishing = lease.state == "replicating" || lease.state == "under-replicated"
            state = publishing ? .publishing : (lease.state == "claimed" ? .queued : .transcoding)
            percent = lease.percent
            fps = lease.fps
            etaSeconds = lease.etaSeconds
            replicas = lease.replicas
            reason = lease.message
            // Published early: playable already, with more rungs to come.
            if let live = lease.playable, !live.isEmpty { published(job, renditions: live) }
        }
    }

    mutating func published(_ video: String, renditions: [String], downloads versions: [String] = []) {
        self.video = video
        hls = "/hls/\(video)/master.m3u8"
        dash = "/dash/\(video)/manifest.mpd"
        downloads = versions.map { "/download/\(video)/\($0)" } + renditions.map { "/mp4/\(video)/\($0)?download=1" }
    }
}
