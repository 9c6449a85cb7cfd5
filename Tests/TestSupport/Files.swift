import Foundation

/// Whether `path` names a directory (test inputs are listed from folders that may hold folders).
public func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
}
