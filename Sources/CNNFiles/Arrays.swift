import CNNCore

/// Turns nested JSON arrays into a tensor, taking the shape from the nesting:
/// `[[1, 2, 3], [4, 5, 6]]` is shape `[2, 3]`, a bare number is shape `[]`.
///
/// - Parameter field: the name used in errors, e.g. `conv1.weight`; indices are appended
///   (`conv1.weight[2][0]`).
/// - Throws: `FileError` for ragged arrays (rows of different lengths, or a number where an
///   array belongs), non-numbers, NaN or infinity (YAML can write `.nan` and `.inf`), empty
///   arrays, and more than `Limits.maxElements` elements.
public func tensorFromNested(_ value: JSONValue, field: String, file: String) throws(FileError) -> Tensor {
    // The shape is read down the first elements; every other element is checked against it.
    var shape: [Int] = []
    var probe = value
    while case .array(let items) = probe {
        guard let first = items.first else {
            throw FileError(file: file, field: field, "an empty array at depth \(shape.count); every dimension needs at least one element")
        }
        shape.append(items.count)
        probe = first
        guard shape.count <= 8 else { throw FileError(file: file, field: field, "nested more than 8 levels deep") }
    }
    guard checkedProduct(shape) != nil else {
        throw FileError(file: file, field: field, "more than \(Limits.maxElements) elements")
    }
    var data: [Double] = []
    data.reserveCapacity(shape.reduce(1, *))
    func walk(_ v: JSONValue, depth: Int, at: String) throws(FileError) {
        if depth == shape.count {
            switch v {
            case .number(let d):
                guard d.isFinite else { throw FileError(file: file, field: at, "\(d) is not a finite number") }
                data.append(d)
            case .array:
                throw FileError(file: file, field: at, "ragged: expected a number here (shape \(ShapeText.list(shape)) from the first elements), got an array")
            default:
                throw FileError(file: file, field: at, "expected a number, got \(v.kindName)")
            }
            return
        }
        guard case .array(let items) = v else {
            throw FileError(file: file, field: at, "ragged: expected an array of \(shape[depth]) here (shape \(ShapeText.list(shape)) from the first elements), got \(v.kindName)")
        }
        guard items.count == shape[depth] else {
            throw FileError(file: file, field: at, "ragged: \(items.count) elements where the first has \(shape[depth]) (shape \(ShapeText.list(shape)))")
        }
        for (k, item) in items.enumerated() { try walk(item, depth: depth + 1, at: "\(at)[\(k)]") }
    }
    try walk(value, depth: 0, at: field)
    return Tensor(shape: shape, data: data)
}

/// A tensor as nested JSON arrays (the inverse of `tensorFromNested`).
func nestedFromTensor(_ t: Tensor) -> JSONValue {
    func build(_ depth: Int, _ offset: Int) -> JSONValue {
        if depth == t.shape.count { return .number(t.data[offset]) }
        let stride = t.shape[(depth + 1)...].reduce(1, *)
        return .array((0..<t.shape[depth]).map { build(depth + 1, offset + $0 * stride) })
    }
    return build(0, 0)
}
