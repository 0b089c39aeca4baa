import CNNInputs
import CNNCore
import CNNData
import CNNFigures
import CNNFiles
import Foundation

/// Data sets on disk: a folder of images, one file each, plus `labels.json`.
///
///     DIR/labels.json     {"classes": ["X", "O"], "images": [{"file": "x-0001.txt", "label": "X"}, …]}
///     DIR/x-0001.txt      a grid of '#' (+1) and '.' (−1), or with --format json
///     DIR/x-0001.json     nested arrays [H][W]
///
/// Without `labels.json`, a file's class is the part of its name before the first `-`
/// (`x-0001.txt` is an X), matched to the model's class names ignoring case.
public enum TrainingDataFolder {
    /// How each image is written.
    public enum Format: String, Sendable, CaseIterable {
        /// A text grid, `#` for +1 and `.` for −1 (what `trace --input` reads).
        case text
        /// Nested JSON arrays `[H][W]`.
        case json
    }

    /// Writes `images` (one channel, ±1) into `folder`, creating it if needed, with `labels.json`.
    /// Files are named `CLASS-NNNN.EXT`, numbered per class from 1.
    /// - Returns: the file names written, in data set order.
    /// - Throws: `FileError` naming the folder or file that could not be written.
    @discardableResult
    public static func write(_ images: [LabeledImage], classes: [String], to folder: String, format: Format) throws(FileError) -> [String] {
        do {
            try createFolders(folder)
        } catch {
            throw FileError(file: folder, "cannot create the folder: \(error.localizedDescription)")
        }
        var counters = [Int](repeating: 0, count: classes.count)
        var names: [String] = []
        var entries: [String] = []
        for ex in images {
            counters[ex.label] += 1
            let name = "\(classes[ex.label].lowercased())-\(String(format: "%04d", counters[ex.label])).\(format == .text ? "txt" : "json")"
            let path = (folder as NSString).appendingPathComponent(name)
            try writeAtomically(data: Data(render(ex.image, format: format).utf8), to: path)
            names.append(name)
            entries.append("  {\"file\": \(jsonString(name)), \"label\": \(jsonString(classes[ex.label]))}")
        }
        let labels = "{\n \"classes\": [\(classes.map(jsonString).joined(separator: ", "))],\n \"images\": [\n"
            + entries.joined(separator: ",\n") + "\n ]\n}\n"
        try writeAtomically(data: Data(labels.utf8), to: (folder as NSString).appendingPathComponent("labels.json"))
        return names
    }

    /// One image as text: a `#`/`.` grid (positive pixels are `#`), or nested arrays `[H][W]`.
    public static func render(_ image: Tensor, format: Format) -> String {
        let rows = image.rows()
        switch format {
        case .text:
            return rows.map { $0.map { $0 > 0 ? "#" : "." }.joined() }.joined(separator: "\n") + "\n"
        case .json:
            return "[\n" + rows.map { " [" + $0.map(jsonNumber).joined(separator: ", ") + "]" }.joined(separator: ",\n") + "\n]\n"
        }
    }

    /// Reads every image of `folder`, checking each against the model's input `shape` and `classes`.
    /// - Throws: `FileError` naming the file and field at fault: a missing folder, a bad
    ///   `labels.json`, an unknown class, an image of the wrong size.
    public static func load(_ folder: String, shape: [Int], classes: [String]) throws(FileError) -> [LabeledImage] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw FileError(file: folder, "no such folder (give --data xo to generate images, or a folder written by 'cnn-explain data xo')")
        }
        let labelsPath = (folder as NSString).appendingPathComponent("labels.json")
        var items: [(file: String, label: Int)] = []
        func classIndex(_ name: String, file: String, field: String) throws(FileError) -> Int {
            if let k = classes.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return k }
            throw FileError(file: file, field: field, "unknown class '\(name)'; the model's classes are \(classes.joined(separator: ", "))")
        }
        if FileManager.default.fileExists(atPath: labelsPath) {
            let doc = try loadDocument(labelsPath)
            guard case .array(let list)? = doc["images"] else {
                throw FileError(file: labelsPath, field: "images", "expected a list of {\"file\": …, \"label\": …}")
            }
            for (i, entry) in list.enumerated() {
                guard case .string(let file)? = entry["file"] else {
                    throw FileError(file: labelsPath, field: "images[\(i)].file", "expected a file name")
                }
                let label: Int
                switch entry["label"] {
                case .string(let s)?: label = try classIndex(s, file: labelsPath, field: "images[\(i)].label")
                // Compared as a Double first: 1e300 must not reach Int(_:), which traps.
                case .number(let d)? where d == d.rounded() && d >= 0 && d < Double(classes.count): label = Int(d)
                default: throw FileError(file: labelsPath, field: "images[\(i)].label", "expected a class name or index")
                }
                items.append(((folder as NSString).appendingPathComponent(file), label))
            }
        } else {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted() } catch {
                throw FileError(file: folder, "cannot list the folder: \(error.localizedDescription)")
            }
            for name in names where (name.hasSuffix(".txt") || name.hasSuffix(".json")) && !name.hasPrefix(".") {
                guard let dash = name.firstIndex(of: "-") else {
                    throw FileError(file: (folder as NSString).appendingPathComponent(name), "no labels.json, and the name does not start with a class (x-0001.txt)")
                }
                let path = (folder as NSString).appendingPathComponent(name)
                items.append((path, try classIndex(String(name[..<dash]), file: path, field: "")))
            }
        }
        guard !items.isEmpty else { throw FileError(file: folder, "the folder holds no images") }
        var result: [LabeledImage] = []
        for item in items {
            result.append(LabeledImage(image: try InputFile.load(item.file, expecting: shape), label: item.label))
        }
        return result
    }
}
