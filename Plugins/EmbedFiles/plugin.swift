import Foundation
import PackagePlugin

/// Turns every file under one of the package's folders into Swift source (`bundledFiles`, each
/// file's path and bytes), so the program carries them: a copied binary needs nothing beside it
/// (SwiftPM resources would live in a folder next to the binary).
///
/// - `CNNBundled` gets `lessons/`: the lessons, their models, inputs and reference data.
/// - `CNNHTML` gets `web/`: the page's script and style sheet.
@main
struct EmbedFiles: BuildToolPlugin {
    /// The folder embedded into each target that uses the plugin.
    static let folders = ["CNNBundled": "lessons", "CNNHTML": "web"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let name = Self.folders[target.name] else { return [] }
        let folder = context.package.directoryURL.appendingPathComponent(name)
        var files: [URL] = []
        if let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker {
                let regular = (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false
                if regular && !url.lastPathComponent.hasPrefix(".") { files.append(url) }
            }
        }
        files.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BundledFiles.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) files of \(name)/ into \(target.name)",
            executable: try context.tool(named: "embed-files").url,
            arguments: [output.path, folder.path] + files.map(\.path),
            inputFiles: files,
            outputFiles: [output]
        )]
    }
}
