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
