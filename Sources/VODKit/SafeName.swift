/// A name that may be used as one path component taken from outside (a video id, a file,
/// a task, a profile): `[A-Za-z0-9._-]`, not empty, not starting with a dot (so never `.`,
/// `..` or a hidden file), at most `maxBytes` long.
public enum SafeName {
    public static func isValid(_ name: some StringProtocol, maxBytes: Int) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), name.utf8.count <= maxBytes else { return false }
        return name.utf8.allSatisfy { c in
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x2E || c == 0x5F || c == 0x2D
        }
    }
}
