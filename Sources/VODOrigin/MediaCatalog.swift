import Foundation
import HLSPackager
import VODKit
#if canImport(Glibc)
import Glibc
#endif

/// One file of a video, with what identifies its version (for caches and ETags).
public struct SourceFile: Equatable, Sendable {
    public enum Role: String, Sendable { case video, audio, subtitle }
    public var name: String
    public var path: String
    public var role: Role
    public var size: Int64
    public var modified: Int
}

/// The videos under the media root: `media/<video>/` with a `manifest.json`
/// written by the transcoder, or a bare `media/<name>.<ext>` with any extension
/// of the ISO BMFF / QuickTime family the parser reads. Either may have cue files
/// in `media/<video>/subtitles/` (`<language>[.forced].vtt|srt`). Ids and file names
/// are checked (`[A-Za-z0-9._-]`, no leading dot) and every path is resolved
/// through symlinks and must stay inside the root, so no request reads a byte
/// outside it.
public struct MediaCatalog: Sendable {
    public let root: String

    public enum LookupError: Error, Equatable { case invalidID, notFound, outsideRoot, badManifest(String) }

    public init(root: String) throws {
        guard let resolved = realpath(root, nil) else { throw SystemErrorDescription("media root \(root) does not exist") }
        self.root = String(cString: resolved)
        free(resolved)
    }

    /// Extensions of bare files served as videos, in the order a name is looked up
    /// when several files share a stem.
    public static let bareExtensions = ["mp4", "m4v", "mov", "m4a", "3gp", "3g2"]

    /// A `manifest.json` over this many bytes is not read (a video's is a few KB).
    static let manifestLimit = 16 << 20

    /// The id of a bare file (`name.mp4` → `name`), nil for other files.
    static func bareID(_ fileName: String) -> String? {
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return nil }
        let ext = fileName[fileName.index(after: dot)...].lowercased()
        return bareExtensions.contains(ext) ? String(fileName[..<dot]) : nil
    }

    public static func isValidName(_ id: Substring) -> Bool {
        SafeName.isValid(id, maxBytes: 200)
    }

    /// Every video id that resolves to files inside the root, sorted.
    public func videoIDs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var ids: [String] = []
        for name in names where Self.isValidName(Substring(name)) {
            if let id = Self.bareID(name) { ids.append(id) }
            else if FileManager.default.fileExists(atPath: "\(root)/\(name)/manifest.json") { ids.append(name) }
        }
        // Only what a request would find: not a symlink leading out, not a directory named like a file.
        return Array(Set(ids)).sorted().filter { (try? files(of: Substring($0))) != nil }
    }

    /// The files of video `id`, video renditions first, then audio, then subtitle files.
    public func files(of id: Substring) throws(LookupError) -> [SourceFile] { try video(id).files }

    /// The files of video `id` and the manifest they were found by (none for a bare file).
    public func video(_ id: Substring) throws(LookupError) -> VideoFiles {
        guard Self.isValidName(id) else { throw .invalidID }
        let dir = "\(root)/\(id)"
        if let bytes = LocalFiles.contents("\(dir)/manifest.json", limit: Self.manifestLimit) {
            try checkInside(dir)
            let manifest = try Self.decode(bytes)
            return VideoFiles(files: try filesFromManifest(manifest, dir: dir) + subtitleFiles(of: id), manifest: manifest, manifestBytes: bytes)
        }
        for ext in Self.bareExtensions {
            let bare = "\(root)/\(id).\(ext)"
            if let info = try fileInfo(bare) {
                return VideoFiles(files: [SourceFile(name: "\(id).\(ext)", path: bare, role: .video, size: info.size, modified: info.modified)] + subtitleFiles(of: id))
            }
        }
        throw .notFound
    }

    /// The directory of a video's cue files.
    public static let subtitleDirectory = VideoManifest.subtitleDirectory

    /// `subtitles/<name>` with a valid name of a `.vtt` or `.srt` file: a cue file's path in a video's directory.
    public static func isSubtitlePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0] == subtitleDirectory && isValidName(parts[1]) && SubtitleFile.Format(fileName: parts[1]) != nil
    }

    /// The cue files in `media/<id>/subtitles/` whose names are valid, sorted; ones that
    /// resolve outside the root are left out.
    func subtitleFiles(of id: Substring) -> [SourceFile] {
        let dir = "\(root)/\(id)/\(Self.subtitleDirectory)"
        let names = LocalFiles.names(inDirectory: dir) ?? []
        return names.sorted().compactMap { name -> SourceFile? in
            guard Self.isValidName(Substring(name)), SubtitleFile.Format(fileName: Substring(name)) != nil,
                  let info = try? fileInfo("\(dir)/\(name)") else { return nil }
            return SourceFile(name: name, path: "\(dir)/\(name)", role: .subtitle, size: info.size, modified: info.modified)
        }
    }

    /// Download version `name` of video `id`: listed in its manifest's `downloads`, a file
    /// inside the root; with that manifest.
    public func download(_ name: Substring, of id: Substring) throws(LookupError) -> (file: SourceFile, manifest: VideoManifest) {
        guard Self.isValidName(id) else { throw .invalidID }
        guard Self.isValidName(name), DownloadFormat(fileName: name) != nil else { throw .notFound }
        let dir = "\(root)/\(id)"
        guard let data = LocalFiles.contents("\(dir)/manifest.json", limit: Self.manifestLimit) else { throw .notFound }
        try checkInside(dir)
        let manifest = try Self.decode(data)
        guard (manifest.downloads ?? []).contains(where: { $0.file == name }) else { throw .notFound }
        let path = "\(dir)/\(name)"
        guard let info = try fileInfo(path) else { throw .notFound }
        return (SourceFile(name: String(name), path: path, role: .video, size: info.size, modified: info.modified), manifest)
    }

    /// Every file a manifest lists (renditions, then downloads), each a valid file name: what an
    /// origin must hold before it publishes the manifest.
    public static func listedFiles(inManifest data: Data) throws(LookupError) -> [String] {
        let manifest = try decode(data)
        let downloads = (manifest.downloads ?? []).map(\.file)
        for name in downloads where !isValidName(Substring(name)) || DownloadFormat(fileName: name) == nil || name == "manifest.json" {
            throw .badManifest("a download without a valid file name")
        }
        let subtitles = manifest.subtitles ?? []
        for path in subtitles where !isSubtitlePath(path) { throw .badManifest("a subtitle file not named subtitles/<language>.vtt|srt") }
        return try renditions(of: manifest).map(\.file) + downloads + subtitles
    }

    /// The renditions a `manifest.json` (`VideoManifest`) lists, each a valid file name.
    public static func renditions(inManifest data: Data) throws(LookupError) -> [(file: String, role: SourceFile.Role)] {
        try renditions(of: try decode(data))
    }

    static func decode(_ data: Data) throws(LookupError) -> VideoManifest {
        do { return try VideoManifest.decode(data) } catch { throw .badManifest("not a manifest: \(error)") }
    }

    static func renditions(of manifest: VideoManifest) throws(LookupError) -> [(file: String, role: SourceFile.Role)] {
        guard !manifest.renditions.isEmpty else { throw .badManifest("no renditions") }
        return try manifest.renditions.map { r throws(LookupError) in
            guard isValidName(Substring(r.file)), r.file != "manifest.json" else { throw .badManifest("a rendition without a valid file name") }
            return (r.file, r.type == .video ? .video : .audio)
        }
    }

    private func filesFromManifest(_ manifest: VideoManifest, dir: String) throws(LookupError) -> [SourceFile] {
        var files: [SourceFile] = []
        for (name, role) in try Self.renditions(of: manifest) {
            let path = "\(dir)/\(name)"
            guard let info = try fileInfo(path) else { throw .badManifest("\(name) is missing") }
            files.append(SourceFile(name: name, path: path, role: role, size: info.size, modified: info.modified))
        }
        return files.sorted { $0.role == .video && $1.role == .audio }
    }

    /// Size and mtime of a regular file inside the root (after symlinks), nil if absent.
    private func fileInfo(_ path: String) throws(LookupError) -> (size: Int64, modified: Int)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        try checkInside(path)
        guard (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (Int64(st.st_size), Int(st.st_mtim.tv_sec))
    }

    private func checkInside(_ path: String) throws(LookupError) {
        guard let resolved = realpath(path, nil) else { throw .notFound }
        defer { free(resolved) }
        let real = String(cString: resolved)
        guard real.hasPrefix(root + "/") else { throw .outsideRoot }
    }
}

struct SystemErrorDescription: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
