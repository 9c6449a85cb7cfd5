import Foundation
import HLSPackager
import Synchronization
import VODKit

/// Where protected videos' keys come from: a key service over HTTP (`keyServiceURL`, its
/// `{video}` replaced by the video id, answering `{"kid":"<hex>","key":"<hex>","iv":"<hex>"}`,
/// `iv` optional), each answer kept `keyCacheSeconds` and used past that while the service is
/// down; or, without a service, derived from `keySecret` (HMAC-SHA256 of the video id, as
/// nginx-vod-module derives them), which needs nothing but the secret on every origin.
public final class ContentKeys: Sendable {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    let secret: [UInt8]?
    let service: (upstream: HTTPClientPool.Upstream, path: String)?
    let cacheSeconds: Double
    private let known = Mutex<[String: (key: ContentKey, fetched: Double)]>([:])

    /// Nil when neither a secret nor a service is configured (no video can be protected).
    public init?(secretHex: String, serviceURL: String, cacheSeconds: Double) throws {
        guard !secretHex.isEmpty || !serviceURL.isEmpty else { return nil }
        if secretHex.isEmpty { secret = nil } else {
            guard let bytes = Hex.decode(secretHex), bytes.count >= 16 else { throw CommandLineConfig.UsageError("keySecret needs at least 32 hex digits") }
            secret = bytes
        }
        if serviceURL.isEmpty { service = nil } else {
            guard let split = HTTPClientPool.Upstream.split(url: serviceURL) else {
                throw CommandLineConfig.UsageError("keyServiceURL must be http://HOST:PORT/PATH (with {video})")
            }
            service = split
        }
        self.cacheSeconds = cacheSeconds
    }

    /// The key of `video` (blocking when it asks the service: call it on a worker).
    public func key(for video: String) throws(Unavailable) -> ContentKey {
        guard let service else { return try derived(video) }
        let now = Date().timeIntervalSince1970
        let kept = known.withLock { $0[video] }
        if let kept, now - kept.fetched < cacheSeconds { return kept.key }
        do {
            let key = try fetch(video, from: service)
            known.withLock { $0[video] = (key, now) }
            return key
        } catch {
            if let kept { return kept.key }  // the service is down: keys already known keep working
            throw error
        }
    }

    func derived(_ video: String) throws(Unavailable) -> ContentKey {
        let secret = self.secret ?? []
        func part(_ label: String) -> [UInt8] { Array(HMACSHA256.mac(key: secret, message: Array("\(label)|\(video)".utf8)).prefix(16)) }
        guard let key = ContentKey(id: part("kid"), key: part("key"), iv: part("iv")) else {
            throw Unavailable(description: "libcrypto could not derive the key of video \(video)")
        }
        return key
    }

    struct ServiceAnswer: Decodable {
        var kid: String
        var key: String
        var iv: String?
    }

    private func fetch(_ video: String, from service: (upstream: HTTPClientPool.Upstream, path: String)) throws(Unavailable) -> ContentKey {
        let path = service.path.replacingOccurrences(of: "{video}", with: video)
        do {
            let connection = try HTTPClientConnection(host: service.upstream.host, port: service.upstream.port, timeoutSeconds: 3, connectTimeoutMilliseconds: 1000)
            let response = try connection.request("GET", path)
            guard response.status == 200 else { throw Unavailable(description: "key service answered \(response.status) for video \(video)") }
            let answer = try JSONDecoder().decode(ServiceAnswer.self, from: Data(response.body))
            let iv = answer.iv.flatMap(Hex.decode) ?? Array(HMACSHA256.mac(key: Hex.decode(answer.key) ?? [], message: Array("iv|\(video)".utf8)).prefix(16))
            guard let kid = Hex.decode(answer.kid), let key = Hex.decode(answer.key), let made = ContentKey(id: kid, key: key, iv: iv) else {
                throw Unavailable(description: "key service answer for video \(video) is not 16-byte hex kid, key (and iv)")
            }
            return made
        } catch let error as Unavailable { throw error } catch {
            throw Unavailable(description: "key service \(service.upstream) unreachable for video \(video): \(error)")
        }
    }
}
