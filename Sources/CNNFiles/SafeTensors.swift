import CNNCore

/// The `.safetensors` format (Hugging Face's `safetensors`, `safetensors.torch.save_file`):
///
///     8 bytes     N, the header's length, unsigned little-endian
///     N bytes     a JSON object: {"conv1.weight": {"dtype": "F32", "shape": [3, 1, 3, 3],
///                                  "data_offsets": [0, 108]}, ..., "__metadata__": {...}}
///     the rest    the tensors' bytes, little-endian, row-major; offsets count from here
///
/// Element types read: `F64`, `F32`, `F16` and `BF16` (bfloat16: the top 16 bits of a float32),
/// each converted exactly to `Double`; also the integer types `I64`, `I32`, `I16`, `I8`, `U8`
/// and `BOOL` (a `state_dict` with batch norm holds `num_batches_tracked` as `I64`).
public enum SafeTensors {
    /// Reads the tensors of a `.safetensors` file's bytes, in header order.
    /// - Throws: `FileError` for a header that is cut short or not JSON, an unknown element type
    ///   (naming the tensor), a shape over `Limits.maxElements`, or offsets that do not fit the
    ///   shape or the file.
    public static func parse(_ bytes: [UInt8], file: String) throws(FileError) -> [(name: String, array: NPYArray)] {
        guard bytes.count >= 8 else { throw FileError(file: file, "not a .safetensors file: shorter than its 8-byte header length") }
        var n: UInt64 = 0
        for k in 0..<8 { n |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        guard n >= 2, n <= UInt64(bytes.count - 8) else {
            throw FileError(file: file, "not a .safetensors file: its header length \(n) does not fit the file's \(bytes.count) bytes")
        }
        let header: JSONValue
        do {
            header = try JSONReader.parse(Array(bytes[8..<(8 + Int(n))]))
        } catch {
            throw FileError(file: file, "the .safetensors header is not valid JSON: \(error.description)")
        }
        guard case .object(let pairs) = header else { throw FileError(file: file, "the .safetensors header is not a JSON object") }
        let data = bytes[(8 + Int(n))...]
        var tensors: [(name: String, array: NPYArray)] = []
        for (name, spec) in pairs where name != "__metadata__" {
            tensors.append((name: name, array: try tensor(spec, data: data, file: file, name: name)))
        }
        return tensors
    }

    /// One tensor from its header entry.
    static func tensor(_ spec: JSONValue, data: ArraySlice<UInt8>, file: String, name: String) throws(FileError) -> NPYArray {
        var f = try Fields(spec, file: file, path: name, what: "a tensor entry")
        guard let dtype = try f.string("dtype") else { throw f.error("dtype", "is required") }
        guard let type = elementType(dtype) else {
            throw f.error("dtype", "'\(dtype)' is not a type this program reads (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)")
        }
        guard let sv = f.value("shape"), case .array(let dims) = sv else { throw f.error("shape", "expected an array of sizes") }
        var shape: [Int] = []
        for (d, dv) in dims.enumerated() { shape.append(try intValue(dv, field: f.name("shape[\(d)]"), file: file)) }
        guard let count = checkedProduct(shape) else { throw f.error("shape", "\(ShapeText.list(shape)) has more than \(Limits.maxElements) elements") }
        guard let ov = f.value("data_offsets"), case .array(let offs) = ov, offs.count == 2 else {
            throw f.error("data_offsets", "expected [begin, end]")
        }
        let begin = try intValue(offs[0], field: f.name("data_offsets[0]"), file: file)
        let end = try intValue(offs[1], field: f.name("data_offsets[1]"), file: file)
        try f.finish(allowed: ["dtype", "shape", "data_offsets"])
        guard begin >= 0, end >= begin, end <= data.count else {
            throw f.error("data_offsets", "[\(begin), \(end)] lies outside the \(data.count) bytes of data")
        }
        guard end - begin == count * type.size else {
            throw f.error("data_offsets", "[\(begin), \(end)] holds \(end - begin) bytes, but shape \(ShapeText.list(shape)) of \(dtype) needs \(count * type.size)")
        }
        let start = data.startIndex + begin
        var values: [Double] = []
        values.reserveCapacity(count)
        for e in 0..<count {
            var raw: UInt64 = 0
            for k in 0..<type.size { raw |= UInt64(data[start + e * type.size + k]) << (8 * UInt64(k)) }
            values.append(type.read(raw))
        }
        return NPYArray(shape: shape, data: values, dtype: type.name)
    }

    /// A safetensors `dtype` as the `.npy` reader's element type (little-endian).
    static func elementType(_ dtype: String) -> NPY.ElementType? {
        switch dtype {
        case "BF16":
            return NPY.ElementType(name: "bfloat16", size: 2, bigEndian: false) { Double(Float(bitPattern: UInt32(truncatingIfNeeded: $0) << 16)) }
        case "BOOL": return NPY.elementType("|b1")
        default:
            let map = ["F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "|i1", "U8": "|u1"]
            return map[dtype].flatMap(NPY.elementType)
        }
    }
}
