import Foundation
import VODKit

/// `vod sign --keys FILE [--key ID] --expires-in SECONDS [--ip ADDR] [--prefix] PATH`: prints
/// PATH signed (`/t/<token>/hls/<video>/master.m3u8`). The token covers the path's video
/// (every URL of it), or with `--prefix` the directory of PATH. A negative `--expires-in`
/// makes a token that has already expired.
enum SignCommand {
    static let usage = "usage: vod sign --keys FILE [--key ID] --expires-in SECONDS [--ip ADDR] [--prefix] PATH\n"

    static func run(_ arguments: [String]) -> Int32 {
        var keysFile: String?, keyID: String?, expiresIn: Int64?, ip: String?, path: String?, prefix = false
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--prefix" { prefix = true; i += 1; continue }
            if a.hasPrefix("--") {
                guard i + 1 < arguments.count else { return fail("\(a) needs a value") }
                let v = arguments[i + 1]
                switch a {
                case "--keys": keysFile = v
                case "--key": keyID = v
                case "--expires-in":
                    guard let s = Int64(v) else { return fail("--expires-in takes whole seconds") }
                    expiresIn = s
                case "--ip": ip = v
                default: return fail("unknown option \(a)")
                }
                i += 2
            } else {
                guard path == nil else { return fail("one PATH only") }
                path = a
                i += 1
            }
        }
        guard let keysFile, let expiresIn, let path, path.hasPrefix("/") else { return fail("--keys, --expires-in and an absolute PATH are required") }
        let keys: SigningKeys
        do { keys = try SigningKeys.load(keysFile) } catch { return fail(error.description) }
        let id = keyID ?? keys.keys[0].id
        guard let secret = keys.secret(Substring(id)) else { return fail("no key \(id) in \(keysFile)") }
        let scope: String
        if prefix { scope = String(path[...(path.lastIndex(of: "/") ?? path.startIndex)]) } else {
            guard let video = URLSigning.video(Substring(path)) else { return fail("\(path) names no video (use --prefix to sign a directory)") }
            scope = String(video)
        }
        let (now, overflow) = Int64(Date().timeIntervalSince1970).addingReportingOverflow(expiresIn)
        guard !overflow else { return fail("--expires-in is out of range") }
        let token = URLToken(keyID: id, expires: now, ip: ip, scope: scope).signed(secret: secret)
        print("/t/\(token)\(path)")
        return 0
    }

    static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("vod sign: \(message)\n\(usage)".utf8))
        return 2
    }
}
