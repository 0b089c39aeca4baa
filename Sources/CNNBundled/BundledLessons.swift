import Foundation

/// The shipped `lessons/` folder (lessons, models, inputs, reference data), built into the
/// program by the EmbedFiles plugin, so a copied binary runs every lesson from any folder.
///
/// Its files appear under the path `BundledLessons.root`, `/(built-in)/lessons`: the file
/// readers look there before the disk, and lessons name their models relative to it as usual.
public enum BundledLessons {
    /// The folder the built-in files appear in.
    public static let root = "/(built-in)/lessons"

    /// Every built-in file's bytes by its path relative to `lessons/` (`models/xo.json`).
    static let files: [String: [UInt8]] = {
        var table: [String: [UInt8]] = [:]
        for (path, base64) in bundledFiles {
            if let data = Data(base64Encoded: base64) { table[path] = [UInt8](data) }
        }
        return table
    }()

    /// The part of `path` below `root`, when `path` is inside it.
    static func relative(_ path: String) -> String? {
        let standard = (path as NSString).standardizingPath
        guard standard.hasPrefix(root + "/") else { return nil }
        return String(standard.dropFirst(root.count + 1))
    }

    /// The bytes of the built-in file at `path`, or `nil` when `path` names none.
    public static func bytes(atPath path: String) -> [UInt8]? {
        relative(path).flatMap { files[$0] }
    }

    /// Whether `path` is the built-in folder or one of its subfolders.
    public static func isFolder(_ path: String) -> Bool {
        let standard = (path as NSString).standardizingPath
        if standard == root { return true }
        guard let rel = relative(standard) else { return false }
        return files.keys.contains { $0.hasPrefix(rel + "/") }
    }

    /// The names of the files directly inside the built-in folder `path`, sorted.
    public static func fileNames(inFolder path: String) -> [String] {
        let standard = (path as NSString).standardizingPath
        let prefix = standard == root ? "" : (relative(standard).map { $0 + "/" } ?? "\u{0}")
        return files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
            .map { String($0.dropFirst(prefix.count)) }.sorted()
    }
}
