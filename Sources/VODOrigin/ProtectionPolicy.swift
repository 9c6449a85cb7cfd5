import HLSPackager
import VODKit

/// Which videos the origin encrypts and with what: the manifest's `encryption`, else the
/// origin's `encryption` setting; keys from `ContentKeys`.
public struct ProtectionPolicy: Sendable {
    public let defaultScheme: EncryptionScheme?
    public let keys: ContentKeys?

    public init(defaultScheme: EncryptionScheme? = nil, keys: ContentKeys? = nil) {
        self.defaultScheme = defaultScheme
        self.keys = keys
    }

    public static let none = ProtectionPolicy()

    /// The protection of video `id` (nil: served clear). Blocking when keys come from a service.
    func protection(id: String, manifest: VideoManifest?) throws(PackagerError) -> Protection? {
        let scheme: EncryptionScheme
        if let named = manifest?.encryption {
            guard let known = EncryptionScheme(rawValue: named) else {
                throw .cannotProtect(file: id, reason: "video \(id) names encryption \(named), which is not aes-128, cenc or cbcs")
            }
            scheme = known
        } else if let defaultScheme { scheme = defaultScheme } else { return nil }
        guard let keys else { throw .keyUnavailable(video: id, reason: "video \(id) is to be encrypted but the origin has no keySecret or keyServiceURL") }
        do throws(ContentKeys.Unavailable) { return Protection(scheme: scheme, key: try keys.key(for: id)) } catch {
            throw .keyUnavailable(video: id, reason: error.description)
        }
    }
}
