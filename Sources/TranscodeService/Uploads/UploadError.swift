import VODKit

/// Why a tus request is refused, with the status tus 1.0.0 (or RFC 9110) gives it.
public enum UploadError: Error, Equatable, Sendable, HTTPResponseError {
    case uploadsOff
    case unauthorized
    /// `Tus-Resumable` missing or not 1.0.0.
    case versionNotSupported
    case badRequest(String)
    case notFound
    case expired
    case tooLarge(max: Int64)
    case offsetMismatch(expected: Int64)
    /// Another PATCH of this upload is under way.
    case locked
    case checksumMismatch
    case unsupportedChecksum(String)
    case wrongContentType
    case tooMany(String)
    case storage(String)

    public var status: Int {
        switch self {
        case .uploadsOff: return 403
        case .unauthorized: return 401
        case .versionNotSupported: return 412
        case .badRequest, .unsupportedChecksum: return 400
        case .notFound: return 404
        case .expired: return 410
        case .tooLarge: return 413
        case .offsetMismatch: return 409
        case .locked: return 423
        case .checksumMismatch: return 460
        case .wrongContentType: return 415
        case .tooMany: return 429
        case .storage: return 507
        }
    }

    public var clientMessage: String {
        switch self {
        case .uploadsOff: return "uploads are off (no uploadTokens configured)"
        case .unauthorized: return "a valid bearer token is required"
        case .versionNotSupported: return "Tus-Resumable 1.0.0 is required"
        case .badRequest(let why): return why
        case .notFound: return "no such upload"
        case .expired: return "the upload expired and was removed"
        case .tooLarge(let max): return "larger than the limit of \(max) bytes"
        case .offsetMismatch(let expected): return "Upload-Offset must be \(expected)"
        case .locked: return "another PATCH of this upload is in progress"
        case .checksumMismatch: return "Upload-Checksum does not match the body: the chunk was discarded"
        case .unsupportedChecksum(let name): return "checksum algorithm \(name) is not supported (sha1, sha256)"
        case .wrongContentType: return "Content-Type must be application/offset+octet-stream"
        case .tooMany(let why): return why
        case .storage(let why): return "cannot store the upload: \(why)"
        }
    }
}
