import Foundation
import PackagePlugin

/// Embeds the page's script and style (web/page.js, web/page.css) into the CNNHTML target as Swift
/// string constants (`enum WebFiles`), so a copied binary writes complete pages with no resource
/// bundle beside it.
@main
struct EmbedWebFiles: BuildToolPlugin {
    /// The files embedded, by the constant's name.
    static let files = [("pageJS", "page.js"), ("pageCSS", "page.css")]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let web = context.package.directoryURL.appending(path: "web")
        let output = context.pluginWorkDirectoryURL.appending(path: "WebFiles.swift")
        let inputs = Self.files.map { web.appending(path: $0.1) }
        let pairs = zip(Self.files, inputs).map { "\($0.0.0)=\($0.1.path(percentEncoded: false))" }
        return [
            .buildCommand(
                displayName: "Embedding web/ into \(target.name)",
                executable: try context.tool(named: "embed-text").url,
                arguments: [output.path(percentEncoded: false), "WebFiles"] + pairs,
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
