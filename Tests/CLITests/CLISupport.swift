import Foundation
import TestSupport
import Testing

/// The package root, found from this file's path.
let packageRoot = Fixtures.packageRoot

/// The built `cnn-explain` binary, next to the test bundle.
func binaryURL() throws -> URL {
    var candidates: [URL] = []
    if let arg0 = CommandLine.arguments.first {
        var dir = URL(fileURLWithPath: arg0).deletingLastPathComponent()
        // On macOS the test bundle is a directory: walk up out of it.
        while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
        candidates.append(dir.appendingPathComponent("cnn-explain"))
    }
    candidates.append(packageRoot.appendingPathComponent(".build/debug/cnn-explain"))
    return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "cnn-explain binary not built")
}

/// What a run of the binary gave.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `cnn-explain` with `arguments` in `directory` (the package root by default), as a user would.
func run(_ arguments: [String], in directory: URL = packageRoot, environment: [String: String] = [:],
         binary: URL? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = try binary ?? binaryURL()
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    // Output goes to files, so a large output can never block the process on a full pipe.
    let dir = try temporaryDirectory()
    let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
    try? FileManager.default.removeItem(at: dir)
    return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary folder.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cnn-explain-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `name` inside `dir` and returns its path.
@discardableResult
func write(_ text: String, _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

let xoModel = "lessons/models/xo.json"
let xoWeights = "lessons/models/xo.weights.json"
let xoInput = "lessons/inputs/x.txt"
let goldenTrace = "Tests/Fixtures/golden/xo_x.trace.json"

/// What a poppler tool prints for a PDF: `pdftotext` gives its text (with -layout), `pdfinfo` its
/// metadata and page count. poppler-utils is installed by the README and CI.
func pdfTool(_ tool: String, _ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = tool == "pdftotext" ? ["pdftotext", "-layout", path, "-"] : [tool, path]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "\(tool) failed")
    return String(decoding: data, as: UTF8.self)
}
