import Foundation
import Testing
@testable import CNNFiles

/// Each write error names its cause. No space (ENOSPC) and permission (EACCES) cannot be caused
/// for real in a test run as root on a roomy disk, so the mapping is checked here; the CLI tests
/// cause EFBIG (a file-size limit) and a name too long for real.
@Suite struct WriteErrorTests {
    @Test(arguments: [
        (ENOSPC, "out/t.json: cannot write: no space left on the device"),
        (EFBIG, "out/t.json: cannot write: the file is too large for the device (no space for it)"),
        (ENAMETOOLONG, "out/t.json: cannot write: the name is too long"),
        (EACCES, "out/t.json: cannot write: permission denied: the folder out is not writable"),
        (EPERM, "out/t.json: cannot write: permission denied: the folder out is not writable"),
        (EROFS, "out/t.json: cannot write: the folder out is on a read-only file system"),
    ])
    func writeErrorsNameTheirCause(code: Int32, message: String) {
        #expect("\(writeError(code, path: "out/t.json", folder: "out"))" == message)
    }
}

/// `AtomicWrites` puts every file in place, complete, by `finish()`, and leaves no temporary
/// file; a file whose folder is missing fails at once, naming it, and leaves nothing.
@Test func atomicWritesPutEveryFileInPlace() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-writes-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let writes = AtomicWrites()
    let contents = (0..<20).map { Data(repeating: UInt8($0), count: 1000 * ($0 + 1)) }
    for (i, data) in contents.enumerated() {
        try writes.write(data: data, to: folder.appendingPathComponent("f\(i).bin").path, order: i)
    }
    #expect(writes.finish()?.order == nil)
    for (i, data) in contents.enumerated() {
        #expect(FileManager.default.contents(atPath: folder.appendingPathComponent("f\(i).bin").path) == data)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == contents.count, "no temporary file left")
    let missing = folder.appendingPathComponent("no-such-folder/f.bin").path
    #expect(throws: FileError.self) { try writes.write(data: Data([1]), to: missing) }
    #expect(writes.finish()?.order == nil)
    #expect(!FileManager.default.fileExists(atPath: missing))
}
