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
/// The archive is a plain zip with every member stored (no compression), CRC-32 computed, and
/// a fixed timestamp (1980-01-01 00:00), so equal traces give equal bytes. Each member is a
/// `.npy` version 1.0 file: the magic `\x93NUMPY`, version 1.0, a little-endian header length,
/// a Python-dict header such as `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 7, 7), }`
/// padded with spaces and ended by a newline so the data starts at a multiple of 64 bytes,
/// then the doubles in little-endian, row-major order. A scalar (the loss) has shape `()`.
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
        appendLE(&out, UInt16(header.utf8.count))
        out += Array(header.utf8)
        out.reserveCapacity(out.count + data.count * 8)
        for x in data { appendLE(&out, x.bitPattern) }
        return out
    }

    /// The member name of a record: `forward/conv1/output.npy`.
    public static func memberName(_ r: TraceRecord) -> String { "\(r.pass.rawValue)/\(r.layer)/\(r.role).npy" }

    /// The `.npz` bytes of a trace.
    /// - Throws: `FileError` (file `path`) if the archive would exceed the 4 GiB limit of a
    ///   zip without Zip64 extensions, or two records share a name.
    public static func data(_ trace: Trace, path: String = "trace.npz") throws(FileError) -> Data {
        var out: [UInt8] = []
        var central: [UInt8] = []
        var names = Set<String>()
        for r in trace.records {
            let name = Array(memberName(r).utf8)
            guard names.insert(memberName(r)).inserted else {
                throw FileError(file: path, field: memberName(r), "two records have this name")
            }
            let body = npy(shape: r.shape, data: r.data)
            let crc = crc32(body)
            let offset = out.count
            guard offset + body.count + name.count + 30 < Int(UInt32.max) else {
                throw FileError(file: path, "the archive would be larger than 4 GiB")
            }
            // Local file header.
            appendLE(&out, UInt32(0x0403_4b50))
            appendLE(&out, UInt16(20))          // version needed: 2.0
            appendLE(&out, UInt16(0))           // flags
            appendLE(&out, UInt16(0))           // method: stored
            appendLE(&out, UInt16(0))           // time 00:00:00
            appendLE(&out, UInt16(0x21))        // date 1980-01-01
            appendLE(&out, crc)
            appendLE(&out, UInt32(body.count))  // compressed size
            appendLE(&out, UInt32(body.count))  // uncompressed size
            appendLE(&out, UInt16(name.count))
            appendLE(&out, UInt16(0))           // extra length
            out += name
            out += body
            // Central directory entry.
            appendLE(&central, UInt32(0x0201_4b50))
            appendLE(&central, UInt16(20))      // version made by
            appendLE(&central, UInt16(20))      // version needed
            appendLE(&central, UInt16(0))
            appendLE(&central, UInt16(0))
            appendLE(&central, UInt16(0))
            appendLE(&central, UInt16(0x21))
            appendLE(&central, crc)
            appendLE(&central, UInt32(body.count))
            appendLE(&central, UInt32(body.count))
            appendLE(&central, UInt16(name.count))
            appendLE(&central, UInt16(0))       // extra length
            appendLE(&central, UInt16(0))       // comment length
            appendLE(&central, UInt16(0))       // disk number
            appendLE(&central, UInt16(0))       // internal attributes
            appendLE(&central, UInt32(0))       // external attributes
            appendLE(&central, UInt32(offset))
            central += name
        }
        guard trace.records.count < 65_535, out.count + central.count < Int(UInt32.max) else {
            throw FileError(file: path, "too many records or bytes for a zip without Zip64")
        }
        let centralOffset = out.count
        out += central
        // End of central directory.
        appendLE(&out, UInt32(0x0605_4b50))
        appendLE(&out, UInt16(0))
        appendLE(&out, UInt16(0))
        appendLE(&out, UInt16(trace.records.count))
        appendLE(&out, UInt16(trace.records.count))
        appendLE(&out, UInt32(central.count))
        appendLE(&out, UInt32(centralOffset))
        appendLE(&out, UInt16(0))               // comment length
        return Data(out)
    }

    /// Writes a trace as `.npz` atomically.
    public static func write(trace: Trace, to path: String) throws(FileError) {
        try writeAtomically(data: data(trace, path: path), to: path)
    }

    /// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip requires.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc = crcTable[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
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
    /// - Throws: `FileError` for a missing or oversized file, a file that is not a zip, a member
    ///   that is not a `.npy` array (naming it), or a damaged member.
    public static func read(_ path: String) throws(FileError) -> [(name: String, array: NPYArray)] {
        try parse(try readFileBytes(path), file: path)
    }

    /// Reads the bytes of an `.npz` archive (see `read`).
    public static func parse(_ bytes: [UInt8], file: String) throws(FileError) -> [(name: String, array: NPYArray)] {
        guard bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B else {
            throw FileError(file: file, "not an .npz archive (a zip file starts with 'PK')")
        }
        let archive: Archive
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            throw FileError(file: file, "not a readable .npz (zip) archive: \(error)")
        }
        var arrays: [(name: String, array: NPYArray)] = []
        var total = 0
        for entry in archive where entry.type == .file {
            let name = entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
            guard entry.path.hasSuffix(".npy") else {
                throw FileError(file: file, field: entry.path, "not a .npy member (numpy.load would not read it as an array)")
            }
            let body = try member(entry, of: archive, file: file, name: name, total: &total)
            arrays.append((name: name, array: try NPY.parse(body[...], file: file, field: name)))
        }
        guard !arrays.isEmpty else { throw FileError(file: file, "the archive holds no .npy arrays") }
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

private func appendLE<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}
