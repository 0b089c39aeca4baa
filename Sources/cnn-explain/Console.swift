import ArgumentParser
import CNNFiles
import Foundation

/// Standard output and standard error, with every write checked.
///
/// - SIGPIPE is ignored, so a reader that goes away (`cnn-explain … | head -1`) shows up as a
///   failed write (EPIPE) instead of killing the program.
/// - A descriptor 0, 1 or 2 that is closed at start is pointed at `/dev/null`, so no file the
///   program opens later takes its number (and receives text meant for the terminal). A closed
///   standard output is remembered and reported as a write error on the first write.
/// - A failed write to standard output throws `OutputError`; the command then stops, one line
///   goes to standard error (when it can still be written) and the exit status is 1.
enum Console {
    /// Set at start when descriptor 1 was closed.
    nonisolated(unsafe) private static var outputClosed = false
    /// Set when a file goes to standard output (`--out -`): messages then go to standard error.
    nonisolated(unsafe) static var messagesToStandardError = false

    /// Call once, first thing in `main`.
    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        for fd: Int32 in [0, 1, 2] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != fd {
                dup2(null, fd)
                close(null)
            }
            if fd == 1 { outputClosed = true }
        }
    }

    /// Writes `text` to standard output.
    /// - Throws: `OutputError` when it cannot be written (closed, full, broken pipe).
    static func out(_ text: String) throws(OutputError) {
        guard !outputClosed else { throw OutputError(reason: "it is closed") }
        if let errorNumber = writeAll(STDOUT_FILENO, text) { throw OutputError(errorNumber: errorNumber) }
    }

    /// Writes bytes to standard output (`--out -`).
    /// - Throws: `OutputError` when they cannot be written.
    static func out(bytes: Data) throws(OutputError) {
        guard !outputClosed else { throw OutputError(reason: "it is closed") }
        if let errorNumber = writeAll(STDOUT_FILENO, bytes) { throw OutputError(errorNumber: errorNumber) }
    }

    /// Writes `text` to standard error; returns false when it could not be written.
    @discardableResult
    static func err(_ text: String) -> Bool {
        writeAll(STDERR_FILENO, text) == nil
    }

    /// Writes every byte of `text`, retrying after interruptions; returns `errno` on failure.
    private static func writeAll(_ fd: Int32, _ text: String) -> Int32? {
        writeAll(fd, Data(text.utf8))
    }

    private static func writeAll(_ fd: Int32, _ data: Data) -> Int32? {
        var bytes = [UInt8](data)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress.map { $0 + done }, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        bytes.removeAll()
        return nil
    }
}

/// Standard output could not be written.
struct OutputError: Error, CustomStringConvertible {
    var reason: String

    init(reason: String) { self.reason = reason }

    init(errorNumber: Int32) {
        switch errorNumber {
        case EPIPE: reason = "the reader has gone (broken pipe)"
        case ENOSPC, EFBIG: reason = "no space left on the device"
        default: reason = String(cString: strerror(errorNumber))
        }
    }

    var description: String { "cannot write to standard output: \(reason)" }
}

/// Writes a line (or `text` followed by `terminator`) to standard output, as `print` does, but
/// throws `OutputError` when it cannot be written.
func say(_ text: String = "", terminator: String = "\n") throws(OutputError) {
    if Console.messagesToStandardError {
        Console.err(text + terminator)
    } else {
        try Console.out(text + terminator)
    }
}

/// Writes one output file, or standard output when `path` is `-`.
func writeOutput(_ data: Data, to path: String) throws {
    if path == "-" {
        try Console.out(bytes: data)
    } else {
        try writeAtomically(data: data, to: path)
    }
}
