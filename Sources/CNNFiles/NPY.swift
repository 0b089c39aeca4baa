import CNNCore
import Foundation

/// One array read from a NumPy `.npy` file, its numbers converted to `Double`.
public struct NPYArray: Sendable, Equatable {
    /// The array's shape; `[]` for a scalar (`np.save("x.npy", np.float64(3))`).
    public var shape: [Int]
    /// Row-major elements (C order), `data.count == shape.reduce(1, *)`.
    public var data: [Double]
    /// NumPy's name of the element type as stored: `float64`, `float32`, `float16`, `uint8`, `int64`, ….
    public var dtype: String

    /// An array of `shape` with row-major `data`, read from elements of NumPy type `dtype`.
    public init(shape: [Int], data: [Double], dtype: String) {
        self.shape = shape
        self.data = data
        self.dtype = dtype
    }

    /// The array as a tensor.
    public var tensor: Tensor { Tensor(shape: shape, data: data) }
}

/// NumPy's `.npy` format, versions 1.0, 2.0 and 3.0:
///
///     \x93NUMPY  major minor  header-length (2 bytes in 1.0, 4 in 2.0 and 3.0, little-endian)
///     {'descr': '<f8', 'fortran_order': False, 'shape': (3, 7, 7), }   (padded with spaces, then \n)
///     the elements, row-major
///
/// Element types read: floats of 2, 4 and 8 bytes, signed and unsigned integers of 1, 2, 4 and
/// 8 bytes, and booleans, in either byte order; each becomes a `Double` (integers above 2^53 round).
/// Fortran (column-major) order, structured types, objects and strings are refused.
public enum NPY {
    /// The element type of a `descr` such as `<f8`: its name, its size, and how to read one.
    struct ElementType {
        var name: String
        var size: Int
        var bigEndian: Bool
        var read: (UInt64) -> Double
    }

    /// Reads the `.npy` bytes of one array.
    /// - Parameters:
    ///   - file: the path, for errors; `field` names the member of an `.npz` (`forward/conv1/output`).
    /// - Throws: `FileError` for a bad magic string or header, an unsupported type, Fortran order,
    ///   a shape over `Limits.maxElements`, or data shorter than the shape needs.
    public static func parse(_ bytes: ArraySlice<UInt8>, file: String, field: String = "") throws(FileError) -> NPYArray {
        func fail(_ m: String) -> FileError { FileError(file: file, field: field, m) }
        let b = Array(bytes)
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("not a .npy array (it does not start with \\x93NUMPY)")
        }
        let major = b[6]
        guard (1...3).contains(major) else { throw fail(".npy version \(major).\(b[7]) is not one this program reads (1.0, 2.0, 3.0)") }
        let lengthBytes = major == 1 ? 2 : 4
        var headerLength = 0
        for k in 0..<lengthBytes where 8 + k < b.count { headerLength |= Int(b[8 + k]) << (8 * k) }
        let start = 8 + lengthBytes
        guard headerLength > 0, start + headerLength <= b.count,
              let header = String(validating: b[start..<(start + headerLength)], as: UTF8.self) else {
            throw fail("the .npy header is cut short or not text")
        }
        let (type, shape) = try parseHeader(header, fail: fail)
        guard let count = checkedProduct(shape) else { throw fail("shape \(ShapeText.list(shape)) has more than \(Limits.maxElements) elements") }
        let body = start + headerLength
        guard b.count - body >= count * type.size else {
            throw fail("shape \(ShapeText.list(shape)) of \(type.name) needs \(count * type.size) bytes of data, the file has \(b.count - body)")
        }
        var data: [Double] = []
        data.reserveCapacity(count)
        for e in 0..<count {
            var raw: UInt64 = 0
            let at = body + e * type.size
            for k in 0..<type.size {
                let byte = UInt64(b[at + (type.bigEndian ? type.size - 1 - k : k)])
                raw |= byte << (8 * UInt64(k))
            }
            data.append(type.read(raw))
        }
        return NPYArray(shape: shape, data: data, dtype: type.name)
    }

    /// Reads `descr`, `fortran_order` and `shape` from a header such as
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    static func parseHeader(_ header: String, fail: (String) -> FileError) throws(FileError) -> (ElementType, [Int]) {
        func value(_ key: String) -> Substring? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return header[r.upperBound...].drop { $0 == " " }
        }
        guard let d = value("descr"), d.first == "'", let end = d.dropFirst().firstIndex(of: "'") else {
            throw fail("the .npy header has no 'descr' string (a structured or object array?)")
        }
        let descr = String(d[d.index(after: d.startIndex)..<end])
        guard let type = elementType(descr) else {
            throw fail("element type '\(descr)' is not a number type this program reads (float16/32/64, int, uint, bool)")
        }
        guard let f = value("fortran_order") else { throw fail("the .npy header has no 'fortran_order'") }
        if f.hasPrefix("True") {
            throw fail("the array is stored in Fortran (column-major) order; save np.ascontiguousarray(x) instead")
        }
        guard let s = value("shape"), s.first == "(", let close = s.firstIndex(of: ")") else {
            throw fail("the .npy header has no 'shape' tuple")
        }
        var shape: [Int] = []
        for part in s[s.index(after: s.startIndex)..<close].split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty else { continue }
            guard let n = Int(t), n >= 0 else { throw fail("shape entry '\(t)' is not a size") }
            shape.append(n)
        }
        return (type, shape)
    }

    /// The element type of a NumPy `descr` (`<f8`, `>i4`, `|u1`, `|b1`, …), or nil.
    static func elementType(_ descr: String) -> ElementType? {
        guard descr.count >= 3, let order = descr.first, "<>|=".contains(order),
              let size = Int(descr.dropFirst(2)) else { return nil }
        let big = order == ">"
        let kind = descr[descr.index(after: descr.startIndex)]
        func signed(_ raw: UInt64) -> Double {
            let shift = UInt64(64 - 8 * size)
            return Double(Int64(bitPattern: raw << shift) >> Int64(shift))
        }
        switch (kind, size) {
        case ("f", 2): return ElementType(name: "float16", size: 2, bigEndian: big) { Double(halfToFloat(UInt16(truncatingIfNeeded: $0))) }
        case ("f", 4): return ElementType(name: "float32", size: 4, bigEndian: big) { Double(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) }
        case ("f", 8): return ElementType(name: "float64", size: 8, bigEndian: big) { Double(bitPattern: $0) }
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): return ElementType(name: "int\(8 * size)", size: size, bigEndian: big, read: signed)
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): return ElementType(name: "uint\(8 * size)", size: size, bigEndian: big) { Double($0) }
        case ("b", 1): return ElementType(name: "bool", size: 1, bigEndian: big) { $0 == 0 ? 0 : 1 }
        default: return nil
        }
    }
}

/// An IEEE 754 half-precision number's value, from its 16 bits (sign, 5 exponent bits, 10 fraction bits).
func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = h & 0x8000 != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F)
    let fraction = Float(h & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24                         // zero and subnormals: f · 2^−24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
}
