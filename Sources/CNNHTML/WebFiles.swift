import Foundation

/// The page's script and style sheet (`web/page.js`, `web/page.css`), built into the program by
/// the EmbedFiles plugin, so a copied binary writes complete pages with nothing beside it.
enum WebFiles {
    static let pageJS = text("page.js")
    static let pageCSS = text("page.css")

    /// The text of the embedded file `name` (a path relative to `web/`). The plugin embeds every
    /// file of `web/` at build time, so a name it lacks is a build mistake; the page's self-test
    /// then fails on the missing script or style.
    static func text(_ name: String) -> String {
        guard let entry = bundledFiles.first(where: { $0.path == name }),
              let data = Data(base64Encoded: entry.base64) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
