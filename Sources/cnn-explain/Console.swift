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

/// SIGINT and SIGTERM: the run's temporary files, and the files and folders it created, are
/// removed, the terminal is given back as it was, then the program ends by the same signal (so a
/// shell sees an interrupted run).
///
/// The two signals are blocked in every thread and taken by one thread waiting in `sigwait`, so
/// the cleanup runs as ordinary code (locks, `unlink`), not inside a signal handler.
enum Interrupts {
    /// Work to do before exiting on a signal (restoring the terminal), set by whoever changed it.
    nonisolated(unsafe) static var beforeExit: (@Sendable () -> Void)?

    /// Call once, first thing in `main`, before any other thread starts (threads inherit the mask).
    static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let waiter = Thread {
            var wanted = sigset_t()
            sigemptyset(&wanted)
            sigaddset(&wanted, SIGINT)
            sigaddset(&wanted, SIGTERM)
            var number: Int32 = 0
            guard sigwait(&wanted, &number) == 0 else { return }
            TemporaryFiles.shared.removeAll()
            beforeExit?()
            signal(number, SIG_DFL)
            var only = sigset_t()
            sigemptyset(&only)
            sigaddset(&only, number)
            pthread_sigmask(SIG_UNBLOCK, &only, nil)
            raise(number)
            exit(128 + number)
        }
        waiter.start()
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
