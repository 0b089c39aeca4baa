import Foundation

/// Writes `data` to `path` so that `path` is either untouched or complete, never half-written:
/// the bytes go to a temporary file in the same folder (same file system, so the rename is
/// atomic), which is then renamed over `path`. On any failure the temporary file is removed.
/// - Throws: `FileError` naming `path` when the folder is missing or not writable, or the write fails.
public func writeAtomically(data: Data, to path: String) throws(FileError) {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
        throw FileError(file: path, "cannot write: the folder \(folder.path) does not exist")
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
        throw FileError(file: path, "cannot write: it is a folder")
    }
    let temp = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp")
    guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
        throw FileError(file: path, "cannot write: the folder \(folder.path) is not writable")
    }
    do {
        let handle = try FileHandle(forWritingTo: temp)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        guard rename(temp.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw FileError(file: path, "cannot write: \(reason)")
        }
    } catch let e as FileError {
        try? FileManager.default.removeItem(at: temp)
        throw e
    } catch {
        try? FileManager.default.removeItem(at: temp)
        throw FileError(file: path, "cannot write: \(error.localizedDescription)")
    }
}
