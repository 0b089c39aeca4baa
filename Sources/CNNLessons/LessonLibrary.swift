import CNNFigures
import Foundation

/// Finds lesson files by name.
///
/// Lessons are looked for, in order, in `$CNN_EXPLAIN_LESSONS`, in `./lessons`, and in the
/// `lessons` folder of the source tree the binary was built in (two folders above
/// `.build/release/cnn-explain`).
public enum LessonLibrary {
    /// A lesson file found in a lessons folder.
    public struct Entry: Sendable {
        public var name: String
        public var path: String
        /// The lesson's one-line summary (its title when it has none).
        public var summary: String
    }

    /// The folders searched, existing ones only, without repeats.
    public static func folders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        var candidates: [URL] = []
        if let env = environment["CNN_EXPLAIN_LESSONS"], !env.isEmpty { candidates.append(URL(fileURLWithPath: env)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("lessons"))
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let root = exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("lessons"))
        var seen = Set<String>()
        return candidates.filter { url in
            var isDir: ObjCBool = false
            let path = url.standardizedFileURL.path
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue && seen.insert(path).inserted
        }
    }

    /// Every lesson in the first folder that has any, sorted by name. A file that does not load
    /// is listed with its error as the summary.
    public static func available() -> [Entry] {
        for folder in folders() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            let lessons = files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            guard !lessons.isEmpty else { continue }
            return lessons.map { file in
                let path = folder.appendingPathComponent(file).path
                let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                let summary: String
                do {
                    let lesson = try Lesson.load(path)
                    summary = lesson.summary.isEmpty ? lesson.title : lesson.summary
                } catch {
                    summary = "(does not load: \(error))"
                }
                return Entry(name: name, path: path, summary: summary)
            }
        }
        return []
    }

    /// The path of a lesson given by name (`xo`) or by path (`my/lesson.yaml`).
    /// - Throws: `LessonError` listing the available lessons when there is no such lesson.
    public static func resolve(_ nameOrPath: String) throws(LessonError) -> String {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else { throw LessonError(file: nameOrPath, "no such lesson file") }
            return nameOrPath
        }
        let all = available()
        if let entry = all.first(where: { $0.name == nameOrPath }) { return entry.path }
        let names = all.map(\.name).joined(separator: ", ")
        throw LessonError(file: nameOrPath, "no lesson of that name; available lessons: \(names.isEmpty ? "none found (run from the source folder, or set CNN_EXPLAIN_LESSONS)" : names)")
    }
}
