import Foundation

// embed-files OUTPUT ROOT FILE…
// Writes OUTPUT, a Swift file listing each FILE by its path relative to ROOT with its bytes in
// base64 (string literals compile quickly, unlike large array literals).
/// One line on standard error; a failed write is ignored (the exit status still tells).
func complain(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    complain("usage: embed-files OUTPUT ROOT FILE…\n")
    exit(2)
}
let root = URL(fileURLWithPath: arguments[2]).standardizedFileURL.path + "/"
var source = "// Generated at build time by the EmbedFiles plugin. Do not edit.\n\n"
source += "let bundledFiles: [(path: String, base64: String)] = [\n"
for file in arguments.dropFirst(3) {
    let path = URL(fileURLWithPath: file).standardizedFileURL.path
    guard path.hasPrefix(root), let data = FileManager.default.contents(atPath: path) else {
        complain("embed-files: cannot read \(file)\n")
        exit(1)
    }
    let relative = String(path.dropFirst(root.count))
    source += "    (\"\(relative)\", \"\(data.base64EncodedString())\"),\n"
}
source += "]\n"
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: arguments[1]))
} catch {
    complain("embed-files: cannot write \(arguments[1]): \(error)\n")
    exit(1)
}
