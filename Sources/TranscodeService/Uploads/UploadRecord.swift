import Foundation

/// `uploads/<id>/info.json`: one tus upload, rewritten (atomically, after the data is
/// fsynced) each time an offset is acknowledged, so `offset` never names a byte that
/// could be lost.
public struct UploadRecord: Codable, Equatable, Sendable {
    public var id: String
    public var length: Int64
    /// Bytes acknowledged (durable).
    public var offset: Int64
    /// The raw `Upload-Metadata` header, echoed on HEAD.
    public var metadata: String
    /// The file name the uploader gave (`filename` in the metadata), as given.
    public var filename: String
    public var title: String?
    /// The profile named in the metadata, or the default one when it named none.
    public var profile: String?
    /// First 16 hex digits of the SHA-256 of the bearer token that created it (for the
    /// per-token cap; the token itself is never stored).
    public var tokenTag: String
    public var created: Double
    /// Unfinished uploads are removed at this time (pushed back by every PATCH).
    public var expires: Double
    /// Set once every byte is in: the job (content hash), the name it was queued under in
    /// `incoming/`, or the video it duplicates.
    public var job: String?
    public var queuedAs: String?
    public var duplicateOf: String?
    public var finishedAt: Double?

    public var isComplete: Bool { offset == length }
}
