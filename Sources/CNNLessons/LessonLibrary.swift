import CNNBundled
import CNNFigures
import Foundation

/// Finds lesson files by name.
///
/// Lessons are looked for, in order, in `$CNN_EXPLAIN_LESSONS` (a folder of lessons you write),
/// in `./lessons`, and in the lessons built into the program (`BundledLessons`), so an installed
/// binary finds them from any folder.
public enum LessonLibrary {
    /// A lesson file found in a lessons folder.
    public struct Entry: Sendable {
        public var name: String
        public var path: String
        /// The lesson's one-line summary (its title when it has none).
        public var summary: String
    }

    /// The folders searched, existing ones only, without repeats; the built-in one last.
    public static func folders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        var candidates: [URL] = []
        if let env = environment["CNN_EXPLAIN_LESSONS"], !env.isEmpty { candidates.append(URL(fileURLWithPath: env)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("lessons"))
        var seen = Set<String>()
        let onDisk = candidates.filter { url in
            var isDir: ObjCBool = false
            let path = url.standardizedFileURL.path
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue && seen.insert(path).inserted
        }
        return onDisk + [URL(fileURLWithPath: BundledLessons.root)]
    }

    /// The names of the files in `folder`, on disk or built in.
    static func fileNames(in folder: URL) -> [String] {
        if BundledLessons.isFolder(folder.path) { return BundledLessons.fileNames(inFolder: folder.path) }
        return (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    }

    /// Whether `path` is a file, on disk or built in.
    public static func fileExists(_ path: String) -> Bool {
        BundledLessons.bytes(atPath: path) != nil || FileManager.default.fileExists(atPath: path)
    }

    /// The path of a shipped file (`models/xo-train.json`) in the first lessons folder that has it.
    public static func shippedFile(_ relative: String) -> String? {
        folders().map { $0.appendingPathComponent(relative).path }.first(where: fileExists)
    }

    /// Every lesson in the first folder that has any, sorted by name. A file that does not load
    /// is listed with its error as the summary.
    public static func available() -> [Entry] {
        lessonFiles().map { file in
            let summary: String
            do {
                let lesson = try Lesson.load(file.path)
                summary = lesson.summary.isEmpty ? lesson.title : lesson.summary
            } catch {
                summary = "(does not load: \(error))"
            }
            return Entry(name: file.name, path: file.path, summary: summary)
        }
    }

    /// The name and path of every lesson file in the first folder that has any, sorted by file
    /// name, without loading them.
    static func lessonFiles() -> [(name: String, path: String)] {
        for folder in folders() {
            let lessons = fileNames(in: folder).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            guard !lessons.isEmpty else { continue }
            return lessons.map { file in
                (URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent, folder.appendingPathComponent(file).path)
            }
        }
        return []
    }

    /// The path of a lesson given by name (`xo`) or by path (`my/lesson.yaml`).
    /// - Throws: `LessonError` listing the available lessons when there is no such lesson.
    public static func resolve(_ nameOrPath: String) throws(LessonError) -> String {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            guard fileExists(nameOrPath) else { throw LessonError(file: nameOrPath, "no such lesson file") }
            return nameOrPath
        }
        // Found by file name: the other lessons need not be loaded for their summaries.
        let all = lessonFiles()
        if let entry = all.first(where: { $0.name == nameOrPath }) { return entry.path }
        let names = all.map(\.name).joined(separator: ", ")
        throw LessonError(file: nameOrPath, "no lesson of that name; available lessons: \(names.isEmpty ? "none found (set CNN_EXPLAIN_LESSONS to a folder of lessons)" : names)")
    }
}
