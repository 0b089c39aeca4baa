import CNNCore
import Foundation
import ZIPFoundation

/// A trace as a NumPy `.npz` archive: one `.npy` array per record, named
/// `PASS/LAYER/ROLE.npy`, so that
///
///     import numpy as np
///     f = np.load("trace.npz")
///     f["forward/conv1/output"].shape   # (3, 7, 7)
///
/// The archive is written with ZIPFoundation: every member stored (no compression), with a fixed
/// timestamp (1980-01-01 00:00 UTC) and permissions (0644), so equal traces give equal bytes.
/// Each member is a `.npy` version 1.0 file: the magic `\x93NUMPY`, version 1.0, a little-endian
/// header length, a Python-dict header such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 7, 7), }` padded with spaces and ended
/// by a newline so the data starts at a multiple of 64 bytes, then the doubles in little-endian,
/// row-major order. A scalar (the loss) has shape `()`.
public enum NPZ {
    /// The `.npy` bytes of one array.
    public static func npy(shape: [Int], data: [Double]) -> [UInt8] {
        let dims: String
        switch shape.count {
        case 0: dims = "()"
        case 1: dims = "(\(shape[0]),)"
        default: dims = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(dims), }"
        // magic (6) + version (2) + length (2) + header + "\n" must be a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        out.reserveCapacity(out.count + data.count * 8)
        for x in data { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// The member name of a record: `forward/conv1/output.npy`.
    public static func memberName(_ r: TraceRecord) -> String { "\(r.pass.rawValue)/\(r.layer)/\(r.role).npy" }

    /// The timestamp of every member: 1980-01-01 00:00:00 UTC, the earliest a zip can hold.
    static let fixedDate = Date(timeIntervalSince1970: 315_532_800)

    /// The `.npz` bytes of a trace.
    /// - Throws: `FileError` (file `path`) if two records share a name or the archive cannot be built.
    public static func data(_ trace: Trace, path: String = "trace.npz") throws(FileError) -> Data {
        var names = Set<String>()
        for r in trace.records where !names.insert(memberName(r)).inserted {
            throw FileError(file: path, field: memberName(r), "two records have this name")
        }
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for r in trace.records {
                let body = Data(npy(shape: r.shape, data: r.data))
                try archive.addEntry(with: memberName(r), type: .file, uncompressedSize: Int64(body.count),
                                     modificationDate: fixedDate, permissions: 0o644, compressionMethod: .none) { position, size in
                    body.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
            guard let bytes = archive.data else { throw FileError(file: path, "the archive could not be built") }
            return bytes
        } catch let e as FileError {
            throw e
        } catch {
            throw FileError(file: path, "the archive could not be built: \(error)")
        }
    }

    /// Writes a trace as `.npz` atomically.
    public static func write(trace: Trace, to path: String) throws(FileError) {
        try writeAtomically(data: data(trace, path: path), to: path)
    }
}

extension NPZ {
    /// The most bytes one member may decompress to: the largest accepted array (2^24 float64
    /// numbers) and a generous header. A member that claims or gives more is refused, so a small
    /// archive cannot expand to fill memory.
    static let maxMemberBytes = Limits.maxElements * 8 + 65_536
    /// The most bytes all members together may decompress to (1 GiB).
    static let maxTotalBytes = 1 << 30

    /// Reads every array of an `.npz` (from `np.savez` or `np.savez_compressed`), in archive
    /// order, named as `numpy.load` names them: the member name without `.npy`.
    ///
    /// The archive is read from the file, not from memory: ZIPFoundation's in-memory reader
    /// traps on offsets past the end of a damaged archive, where reading a file just stops.
    /// - Throws: `FileError` for a missing or oversized file, a file that is not a zip, a member
    ///   that is not a `.npy` array (naming it), or a damaged member.
    public static func read(_ path: String) throws(FileError) -> [(name: String, array: NPYArray)] {
        let head = try readFileBytes(path)
        guard head.count >= 4, head[0] == 0x50, head[1] == 0x4B else {
            throw FileError(file: path, "not an .npz archive (a zip file starts with 'PK')")
        }
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw FileError(file: path, "not a readable .npz (zip) archive, damaged or cut short: \(error)")
        }
        var arrays: [(name: String, array: NPYArray)] = []
        var total = 0
        for entry in archive where entry.type == .file {
            let name = entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
            guard entry.path.hasSuffix(".npy") else {
                throw FileError(file: path, field: entry.path, "not a .npy member (numpy.load would not read it as an array)")
            }
            let body = try member(entry, of: archive, file: path, name: name, total: &total)
            arrays.append((name: name, array: try NPY.parse(body[...], file: path, field: name)))
        }
        guard !arrays.isEmpty else { throw FileError(file: path, "the archive holds no .npy arrays") }
        return arrays
    }

    /// The decompressed bytes of one member, checking its CRC and the size limits.
    private static func member(_ entry: Entry, of archive: Archive, file: String, name: String, total: inout Int) throws(FileError) -> [UInt8] {
        guard entry.uncompressedSize <= UInt64(maxMemberBytes) else {
            throw FileError(file: file, field: name, "the member is \(entry.uncompressedSize) bytes uncompressed; at most \(maxMemberBytes) are read")
        }
        var body: [UInt8] = []
        body.reserveCapacity(Int(entry.uncompressedSize))
        let limit = maxMemberBytes
        do {
            _ = try archive.extract(entry) { chunk in
                guard body.count + chunk.count <= limit else { throw CocoaError(.fileReadTooLarge) }
                body.append(contentsOf: chunk)
            }
        } catch {
            throw FileError(file: file, field: name, "the member cannot be read (damaged, or larger than it claims): \(error)")
        }
        total += body.count
        guard total <= maxTotalBytes else { throw FileError(file: file, "the arrays add up to more than \(maxTotalBytes) bytes") }
        return body
    }
}

/// Writes a trace as `.npz` (see `NPZ`).
public func writeNPZ(trace: Trace, to path: String) throws(FileError) {
    try NPZ.write(trace: trace, to: path)
}
