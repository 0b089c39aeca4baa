import CNNBundled
import Foundation
import Yams

/// The largest file any reader accepts: 64 MiB. A weights file for the largest accepted model
/// (2^24 parameters per tensor) written as JSON text would be larger, but such a model is far
/// outside what this teaching tool is for; the limit keeps a wrong path (a disk image, a video)
/// from being read into memory.
public let maxFileBytes = 64 * 1024 * 1024

/// Reads a file's bytes, refusing missing, unreadable and oversized files.
/// - Throws: `FileError` naming `path`.
public func readFileBytes(_ path: String) throws(FileError) -> [UInt8] {
    if let bytes = BundledLessons.bytes(atPath: path) { return bytes }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        throw FileError(file: path, "no such file")
    }
    guard !isDir.boolValue else { throw FileError(file: path, "is a folder, not a file") }
    // A FIFO or a device would block the read forever (or never end): refuse it before opening.
    var info = stat()
    if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
        throw FileError(file: path, "is \(OutputPath.kind(info)), not a regular file")
    }
    if let attrs = try? FileManager.default.attributesOfItem(atPath: path),
       let size = attrs[.size] as? NSNumber, size.int64Value > Int64(maxFileBytes) {
        throw FileError(file: path, "the file is \(size.int64Value) bytes; files over \(maxFileBytes) bytes (64 MiB) are refused")
    }
    guard let handle = FileHandle(forReadingAtPath: path) else { throw FileError(file: path, "cannot be read (permission denied?)") }
    defer { try? handle.close() }
    let data: Data
    do {
        // Read one byte more than the limit, so a file that grew after the check is still caught.
        data = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
    } catch {
        throw FileError(file: path, "cannot be read: \(error.localizedDescription)")
    }
    guard data.count <= maxFileBytes else { throw FileError(file: path, "files over \(maxFileBytes) bytes (64 MiB) are refused") }
    return [UInt8](data)
}

/// Parses a document's text as JSON or YAML.
///
/// - A name ending in `.yaml` or `.yml` is read as YAML.
/// - Otherwise the text is read as JSON when it parses as JSON, else as YAML. When neither
///   works, the error is the JSON one if the text starts like JSON (`{` or `[`), else the YAML
///   one; both carry a line and column.
/// - Parameter file: the path, used for format choice and error messages.
/// - Throws: `FileError` for text that is neither.
public func parseDocument(_ bytes: [UInt8], file: String) throws(FileError) -> JSONValue {
    let lower = file.lowercased()
    let yamlByName = lower.hasSuffix(".yaml") || lower.hasSuffix(".yml")
    if !yamlByName {
        do {
            return try JSONReader.parse(bytes)
        } catch let jsonError {
            let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
            let looksJSON = first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
            // A string too long for JSON is too long for YAML too: no second, slower read.
            if jsonError.message.hasPrefix("a string longer than") {
                throw FileError(file: file, "not valid JSON: \(jsonError.description)")
            }
            do {
                return try parseYAML(bytes, file: file)
            } catch let yamlError {
                if looksJSON || lower.hasSuffix(".json") {
                    throw FileError(file: file, "not valid JSON: \(jsonError.description)")
                }
                throw yamlError
            }
        }
    }
    return try parseYAML(bytes, file: file)
}

/// Reads and parses a JSON or YAML file (see `parseDocument`).
public func loadDocument(_ path: String) throws(FileError) -> JSONValue {
    try parseDocument(try readFileBytes(path), file: path)
}

/// Parses YAML with Yams and converts the node tree; tags decide scalar types
/// (`3` is a number, `"3"` a string, `.nan` a number that the readers refuse).
func parseYAML(_ bytes: [UInt8], file: String) throws(FileError) -> JSONValue {
    if let message = overlongToken(bytes) { throw FileError(file: file, message) }
    guard var text = String(validating: bytes, as: UTF8.self) else {
        throw FileError(file: file, "not valid UTF-8 text, so neither JSON nor YAML")
    }
    if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
    let node: Node?
    do {
        node = try Yams.compose(yaml: text)
    } catch let e as YamlError {
        throw FileError(file: file, "not valid JSON or YAML: \(describeYAMLError(e))")
    } catch {
        throw FileError(file: file, "not valid JSON or YAML: \(error)")
    }
    guard let node else { throw FileError(file: file, "the file is empty") }
    guard yamlNodesFit(node, textBytes: bytes.count) else {
        throw FileError(file: file, "YAML aliases (*name) are not supported (this one repeats parts of the file more than its size allows)")
    }
    return try convert(node, file: file, path: "", depth: 0)
}

/// Whether a composed YAML tree has no more nodes than its text could hold without aliases.
///
/// Yams replaces each alias by the node it names while composing, sharing it rather than copying,
/// so a few lines of `&a [*b, *b, …]` compose quickly into a tree of 10^11 nodes that only
/// explodes when walked (the "billion laughs"). Without aliases every node takes at least one
/// byte of text, plus one for a mapping's implicit null, so more than `2 × bytes + 16` nodes
/// means aliases repeat parts of the file; the count stops as soon as it passes that bound.
public func yamlNodesFit(_ root: Node, textBytes: Int) -> Bool {
    var budget = 2 * textBytes + 16
    var stack = [root]
    while let node = stack.popLast() {
        budget -= 1
        if budget < 0 { return false }
        switch node {
        case .sequence(let seq): stack.append(contentsOf: seq)
        case .mapping(let map):
            for (k, v) in map { stack.append(k); stack.append(v) }
        case .scalar, .alias: break
        }
    }
    return true
}

/// A one-line description of a Yams error with its line and column.
func describeYAMLError(_ e: YamlError) -> String {
    switch e {
    case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
        let ctx = context.map { "\($0.text) " } ?? ""
        return "line \(mark.line), column \(mark.column): \(ctx)\(problem)"
    case let .reader(problem, offset, _, yaml):
        if let offset {
            let prefix = yaml.unicodeScalars.prefix(offset)
            let line = prefix.filter { $0 == "\n" }.count + 1
            let column = prefix.count - (prefix.lastIndex(of: "\n").map { prefix.distance(from: prefix.startIndex, to: $0) + 1 } ?? 0) + 1
            return "line \(line), column \(column): \(problem)"
        }
        return problem
    default:
        return e.description.split(separator: "\n").joined(separator: " ")
    }
}

private func convert(_ node: Node, file: String, path: String, depth: Int) throws(FileError) -> JSONValue {
    let at = path.isEmpty ? "" : path
    guard depth < JSONReader.maxDepth else { throw FileError(file: file, field: at, "nested more than \(JSONReader.maxDepth) levels deep") }
    switch node {
    case .scalar(let s):
        switch node.tag.description {
        case Tag.Name.null.rawValue: return .null
        case Tag.Name.bool.rawValue:
            if let b = node.bool { return .bool(b) }
        case Tag.Name.int.rawValue:
            if let i = node.int { return .number(Double(i)) }
            if let d = node.float { return .number(d) }
        case Tag.Name.float.rawValue:
            if let d = node.float { return .number(d) }
        default:
            break
        }
        return .string(s.string)
    case .sequence(let seq):
        var items: [JSONValue] = []
        items.reserveCapacity(seq.count)
        for (k, item) in seq.enumerated() {
            items.append(try convert(item, file: file, path: "\(at)[\(k)]", depth: depth + 1))
        }
        return .array(items)
    case .mapping(let map):
        var pairs: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        for (k, v) in map {
            guard case .scalar(let ks) = k else { throw FileError(file: file, field: at, "keys must be plain text") }
            let key = ks.string
            let field = at.isEmpty ? key : "\(at).\(key)"
            guard seen.insert(key).inserted else { throw FileError(file: file, field: field, "the key appears twice") }
            pairs.append((key, try convert(v, file: file, path: field, depth: depth + 1)))
        }
        return .object(pairs)
    case .alias:
        throw FileError(file: file, field: at, "YAML aliases are not supported")
    }
}

/// Why YAML text is refused before it is composed, or `nil`: a name or number runs for at most
/// 64 KiB without a space or a bracket, and a longer run (a 63 MiB name) would take seconds to
/// compose only to be refused afterwards.
public func overlongToken(_ bytes: [UInt8]) -> String? {
    var run = 0
    for b in bytes {
        if b <= 0x20 || b == UInt8(ascii: ",") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]")
            || b == UInt8(ascii: "{") || b == UInt8(ascii: "}") {
            run = 0
        } else {
            run += 1
            if run > JSONReader.maxStringBytes {
                return "a value longer than \(JSONReader.maxStringBytes) characters; names and numbers are short"
            }
        }
    }
    return nil
}
