import Foundation

/// Writes `data` to `path` so that `path` is either untouched or complete, never half-written:
/// the bytes go to a temporary file in the same folder (same file system, so the rename is
/// atomic), which is then renamed over `path`. On any failure the temporary file is removed,
/// and while it exists it is listed in `TemporaryFiles`, so an interrupted run can remove it.
///
/// - A symbolic link to a regular file is written through: the file it points to is replaced and
///   the link is kept. A link to anything else, a dangling link, a device, a FIFO or a socket is
///   refused and left as it is.
/// - Throws: `FileError` naming `path` and the cause: a missing folder, a folder in the way, no
///   permission, no space left (ENOSPC, EFBIG), a name too long.
public func writeAtomically(data: Data, to path: String) throws(FileError) {
    try PendingFile(data, to: path).commit()
}

/// A file written to a temporary file beside its path and not yet in place: `commit` flushes it
/// to the disk and renames it over its path; dropped without `commit`, it is removed. Listed in
/// `TemporaryFiles` until then.
final class PendingFile: @unchecked Sendable {
    private let path: String, target: String, temp: String, folder: String
    private var fd: Int32 = -1

    /// Writes `data` into a new temporary file in the folder of `path` (or of the file a link at
    /// `path` points to), without flushing it.
    init(_ data: Data, to path: String) throws(FileError) {
        self.path = path
        target = try OutputPath.resolve(path)
        let parent = (target as NSString).deletingLastPathComponent
        folder = parent.isEmpty ? "." : parent
        temp = (folder as NSString).appendingPathComponent(".cnn-explain-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp")
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) else {
            throw FileError(file: path, "cannot write: the folder \(folder) does not exist")
        }
        guard isDir.boolValue else { throw FileError(file: path, "cannot write: \(folder) is a file, not a folder") }
        guard TemporaryFiles.shared.begin(temp) else { throw FileError(file: path, "cannot write: the program is stopping") }
        do throws(FileError) {
            fd = try writeFile(data, to: temp, shownAs: path, folder: folder)
        } catch {
            discard()
            throw error
        }
    }

    /// Flushes the file to the disk and renames it over its path.
    func commit() throws(FileError) {
        guard fd >= 0 else { throw FileError(file: path, "cannot write: the file was already committed") }
        var failure: Int32 = 0
        if fsync(fd) != 0 && errno != EINVAL { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        fd = -1
        do throws(FileError) {
            if failure != 0 { throw writeError(failure, path: path, folder: folder) }
            let isNew = access(target, F_OK) != 0
            guard rename(temp, target) == 0 else { throw writeError(errno, path: path, folder: folder) }
            if isNew { TemporaryFiles.shared.created(target) }
            TemporaryFiles.shared.end(temp)
        } catch {
            discard()
            throw error
        }
    }

    /// Removes the temporary file (closing it first if it is open).
    private func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temp)
        TemporaryFiles.shared.end(temp)
    }

    deinit { if fd >= 0 { discard() } }
}

/// Files written as `writeAtomically` writes them, except that each file's flush to the disk
/// and its rename are done on a thread of their own, one file after another, so that the threads
/// that make the bytes do not wait for the disk. A file reaches its path complete and flushed,
/// never half-written, as with `writeAtomically`; `finish()` waits for every one.
public final class AtomicWrites: @unchecked Sendable {
    private let queue = DispatchQueue(label: "cnn-explain.atomic-writes")
    private let lock = NSLock()
    private var failures: [(order: Int, error: FileError)] = []

    public init() {}

    /// Writes `data` for `path` now and puts it in place soon after (see `finish`).
    /// - Parameter order: ranks the file's failure among those `finish` reports.
    /// - Throws: `FileError` when the temporary file cannot be written.
    public func write(data: Data, to path: String, order: Int = 0) throws(FileError) {
        let pending = try PendingFile(data, to: path)
        queue.async {
            do throws(FileError) { try pending.commit() } catch { self.record(error, order: order) }
        }
    }

    private func record(_ error: FileError, order: Int) {
        lock.withLock { failures.append((order, error)) }
    }

    /// Waits until every file written is in place; returns the failure of the lowest `order`
    /// whose file could not be flushed or renamed, if any (its temporary file removed).
    public func finish() -> (order: Int, error: FileError)? {
        queue.sync {}
        return lock.withLock { failures.min { $0.order < $1.order } }
    }
}

/// Writes every byte to a new file `temp`; returns it open, not flushed.
private func writeFile(_ data: Data, to temp: String, shownAs path: String, folder: String) throws(FileError) -> Int32 {
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard fd >= 0 else { throw writeError(errno, path: path, folder: folder) }
    var failure: Int32 = 0
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        var done = 0
        while done < buffer.count, let base = buffer.baseAddress {
            let n = write(fd, base + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            done += n
        }
    }
    if failure != 0 {
        close(fd)
        throw writeError(failure, path: path, folder: folder)
    }
    return fd
}

/// A write error in words, naming its cause.
func writeError(_ code: Int32, path: String, folder: String) -> FileError {
    let reason: String
    switch code {
    case ENOSPC, EDQUOT: reason = "no space left on the device"
    case EFBIG: reason = "the file is too large for the device (no space for it)"
    case ENAMETOOLONG: reason = "the name is too long"
    case EACCES, EPERM: reason = "permission denied: the folder \(folder) is not writable"
    case EROFS: reason = "the folder \(folder) is on a read-only file system"
    case ENOENT: reason = "the folder \(folder) does not exist"
    case ENOTDIR: reason = "a part of the path is a file, not a folder"
    case EISDIR: reason = "it is a folder"
    default: reason = String(cString: strerror(code))
    }
    return FileError(file: path, "cannot write: \(reason)")
}

/// Where an output really goes, checked before anything is written.
public enum OutputPath {
    /// The path to replace for output `path`: `path` itself, or the regular file a symbolic
    /// link points to.
    /// - Throws: `FileError` for a name too long, a folder, a device, a FIFO, a socket, or a link to
    ///   one of those (or to nothing).
    public static func resolve(_ path: String) throws(FileError) -> String {
        let name = (path as NSString).lastPathComponent
        guard name.utf8.count <= 255, path.utf8.count < 4096 else {
            throw FileError(file: String(path.prefix(80)) + (path.count > 80 ? "…" : ""), "cannot write: the name is too long (\(name.utf8.count) bytes; at most 255)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return path }
        if info.st_mode & S_IFMT == S_IFLNK {
            guard let real = realpath(path, nil) else {
                throw FileError(file: path, "cannot write: it is a symbolic link to nothing (a missing file); remove the link or choose another name")
            }
            defer { free(real) }
            let target = String(cString: real)
            guard stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                throw FileError(file: path, "cannot write: it is a symbolic link to \(target), \(kind(info)), not a regular file")
            }
            return target
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileError(file: path, "cannot write: it is \(kind(info)), not a regular file\(info.st_mode & S_IFMT == S_IFDIR ? "" : " (use --out - for standard output)")")
        }
        return path
    }

    /// "a folder", "a FIFO (named pipe)", "a device", "a socket", "a regular file".
    static func kind(_ info: stat) -> String {
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFSOCK: return "a socket"
        case S_IFREG: return "a regular file"
        default: return "a special file"
        }
    }

    /// Refuses outputs that would overwrite an input, or each other.
    /// - Parameters:
    ///   - outputs: each output's option (`--out`) and path; `-` (standard output) is skipped.
    ///   - inputs: each input's option (`--model`) and path.
    /// - Throws: `FileError` naming the path and both options.
    public static func checkDistinct(outputs: [(option: String, path: String)], inputs: [(option: String, path: String)]) throws(FileError) {
        let outs = outputs.filter { $0.path != "-" }
        for (k, out) in outs.enumerated() {
            for input in inputs where same(out.path, input.path) {
                throw FileError(file: out.path, "\(out.option) is the same file as \(input.option); it would be overwritten")
            }
            for other in outs[..<k] where same(out.path, other.path) {
                throw FileError(file: out.path, "\(other.option) and \(out.option) name the same file; give each its own")
            }
        }
    }

    /// Whether two paths name one file: the same device and inode when both exist, else the same
    /// absolute path (links resolved).
    static func same(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        if stat(a, &sa) == 0 && stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
        let ua = URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath()
        let ub = URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath()
        return ua.path == ub.path
    }
}

/// Creates the folder `path` and any missing parents, noting each one created in
/// `TemporaryFiles`, so an interrupted run can remove the folders it made.
/// - Throws: `FileError` naming `path` and the cause.
public func createFolders(_ path: String) throws(FileError) {
    var missing: [String] = []
    var probe = (path as NSString).standardizingPath
    var isDir: ObjCBool = false
    while !probe.isEmpty && probe != "/" && !FileManager.default.fileExists(atPath: probe, isDirectory: &isDir) {
        missing.append(probe)
        probe = (probe as NSString).deletingLastPathComponent
    }
    if !probe.isEmpty && probe != "/" && !isDir.boolValue {
        throw FileError(file: path, "cannot create the folder: '\(probe)' is a file, not a folder")
    }
    guard TemporaryFiles.shared.begin(nil) else { throw FileError(file: path, "cannot create the folder: the program is stopping") }
    defer { TemporaryFiles.shared.end(nil) }
    for folder in missing.reversed() {
        guard mkdir(folder, 0o777) == 0 || errno == EEXIST else {
            throw writeError(errno, path: path, folder: (folder as NSString).deletingLastPathComponent)
        }
        TemporaryFiles.shared.created(folder)
    }
}

/// The files a run is writing, so that an interrupted run (SIGINT, SIGTERM) can remove them
/// before it exits: temporary files being written, and the files and folders it has created
/// that were not there before. An existing file it replaced cannot be given back and is kept.
///
/// Writers bracket their work with `begin` and `end`; `removeAll` refuses new work, waits for the
/// work in flight to finish (each write is short), then removes, so no write lands after it.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths = Set<String>()
    private var createdPaths: [String] = []
    private var inFlight = 0
    private var closed = false

    /// Starts one write (of temporary file `path`, when given); false once `removeAll` has run.
    func begin(_ path: String?) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard !closed else { return false }
        inFlight += 1
        if let path { paths.insert(path) }
        return true
    }

    /// Ends a write started with `begin`.
    func end(_ path: String?) {
        lock.lock(); defer { lock.unlock() }
        inFlight -= 1
        if let path { paths.remove(path) }
    }

    /// Notes a file or folder this run created.
    func created(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        createdPaths.append(path)
    }

    /// Refuses new writes, waits up to 5 seconds for those in flight, then deletes every temporary
    /// file and every file and (empty) folder this run created, newest first. Call when the run is
    /// interrupted.
    public func removeAll() {
        lock.lock()
        closed = true
        lock.unlock()
        for _ in 0..<500 {
            lock.lock()
            let busy = inFlight > 0
            lock.unlock()
            if !busy { break }
            usleep(10_000)
        }
        lock.lock(); defer { lock.unlock() }
        for p in paths { unlink(p) }
        paths.removeAll()
        for p in createdPaths.reversed() {
            var info = stat()
            guard lstat(p, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR { rmdir(p) } else { unlink(p) }
        }
        createdPaths.removeAll()
    }
}
