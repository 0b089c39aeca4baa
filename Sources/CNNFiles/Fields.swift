/// Reads the fields of one JSON object, each error naming the file and the field.
///
/// Every field read is remembered, so `finish()` can refuse the ones nobody asked for:
/// a typo such as `"strid": 2` is an error, not a silent default.
struct Fields {
    let file: String
    /// The object's own path, e.g. `layers[0]`; empty at the top level.
    let path: String
    let pairs: [(key: String, value: JSONValue)]
    private var used = Set<String>()

    init(_ value: JSONValue, file: String, path: String, what: String) throws(FileError) {
        guard case .object(let pairs) = value else {
            throw FileError(file: file, field: path, "expected \(what) (an object with named fields), got \(value.kindName)")
        }
        self.file = file
        self.path = path
        self.pairs = pairs
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ message: String) -> FileError { FileError(file: file, field: name(key), message) }

    mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        return pairs.first { $0.key == key }?.value
    }

    mutating func has(_ key: String) -> Bool { value(key) != nil }

    mutating func int(_ key: String, default def: Int? = nil, min: Int = 0) throws(FileError) -> Int {
        guard let v = value(key) else {
            guard let def else { throw error(key, "is required") }
            return def
        }
        return try intValue(v, field: name(key), file: file, min: min)
    }

    mutating func bool(_ key: String, default def: Bool) throws(FileError) -> Bool {
        guard let v = value(key) else { return def }
        guard case .bool(let b) = v else { throw error(key, "expected true or false, got \(v.kindName)") }
        return b
    }

    /// A number, `def` when the field is absent.
    mutating func number(_ key: String, default def: Double) throws(FileError) -> Double {
        guard let v = value(key) else { return def }
        guard case .number(let d) = v, d.isFinite else { throw error(key, "expected a number, got \(v.jsonText)") }
        return d
    }

    /// A layer's name: a string, or a whole number written as one (`0` → `"0"`), else `def`.
    mutating func name(default def: String) throws(FileError) -> String {
        guard let v = value("name") else { return def }
        switch v {
        case .string(let s): return s
        case .number(let d) where d == d.rounded() && d >= 0 && d < 1e15: return String(Int64(d))
        default: throw error("name", "expected a string or a whole number, got \(v.jsonText)")
        }
    }

    /// One of a fixed set of strings, `def` when the field is absent.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default def: T) throws(FileError) -> T where T.RawValue == String {
        guard let s = try string(key) else { return def }
        guard let v = T(rawValue: s) else {
            throw error(key, "unknown value '\(s)' (known: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return v
    }

    mutating func string(_ key: String) throws(FileError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw error(key, "expected a string, got \(v.kindName)") }
        return s
    }

    /// Refuses any field that was not read, listing the ones that are allowed.
    func finish(allowed: [String]) throws(FileError) {
        if let extra = pairs.first(where: { !used.contains($0.key) }) {
            throw error(extra.key, "unknown field (allowed here: \(allowed.joined(separator: ", ")))")
        }
    }
}

/// A whole number from a JSON value: no fractions, no strings, within `min…Limits.maxDimension`-ish
/// bounds checked later; here only `min` and the `Int` range are checked.
func intValue(_ v: JSONValue, field: String, file: String, min: Int = 0) throws(FileError) -> Int {
    guard case .number(let d) = v else {
        throw FileError(file: file, field: field, "expected a whole number, got \(v.kindName)")
    }
    guard d.isFinite, d == d.rounded() else {
        throw FileError(file: file, field: field, "expected a whole number, got \(jsonNumber(d))")
    }
    // Anything beyond ±2^53 is absurd for a size; refusing it keeps `Int(d)` from trapping.
    guard abs(d) <= 9_007_199_254_740_992 else {
        throw FileError(file: file, field: field, "\(jsonNumber(d)) is far too large")
    }
    let i = Int(d)
    guard i >= min else { throw FileError(file: file, field: field, "must be at least \(min), got \(i)") }
    return i
}
