import Foundation
import PackagePlugin

/// Turns every file under the package's `lessons/` folder into Swift source, so the lessons, their
/// models, inputs and reference data are built into the program: a copied binary needs nothing
/// beside it (SwiftPM resources would live in a folder next to the binary).
@main
struct EmbedLessons: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let lessons = context.package.directoryURL.appendingPathComponent("lessons")
        var files: [URL] = []
        if let walker = FileManager.default.enumerator(at: lessons, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker {
                let regular = (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false
                if regular && !url.lastPathComponent.hasPrefix(".") { files.append(url) }
            }
        }
        files.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BundledFiles.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) lesson files",
            executable: try context.tool(named: "embed-lessons").url,
            arguments: [output.path, lessons.path] + files.map(\.path),
            inputFiles: files,
            outputFiles: [output]
        )]
    }
}
