import CNNFigures
import CNNRender
import Foundation

/// Creates `path` (and its parents) if it does not exist.
func makeFolder(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw TeachingError(file: path, "cannot create the folder: \(error.localizedDescription)")
    }
}

/// `folder/name` as a URL.
func fileURL(_ folder: String, _ name: String) -> URL {
    URL(fileURLWithPath: folder).appendingPathComponent(name)
}

/// A problem with a file or an option, as one line `FILE: FIELD: MESSAGE`.
public struct TeachingError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var field: String
    public var message: String

    public init(file: String, field: String = "", _ message: String) {
        self.file = file; self.field = field; self.message = message
    }

    public var description: String { field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)" }
}

extension WhatIfResult {
    /// Writes one PNG per changed forward array into `folder`, and `whatif.pdf`: all of them on
    /// one page. Returns the paths written.
    public func write(to folder: String, style: NumberStyle) throws -> [String] {
        try makeFolder(folder)
        var written: [String] = []
        for f in figures(style: style) {
            let url = fileURL(folder, f.name + ".png")
            try render(f.figure, to: url, format: .png)
            written.append(url.path)
        }
        let pdf = fileURL(folder, "whatif.pdf")
        try render(summaryFigure(style: style), to: pdf, format: .pdf)
        written.append(pdf.path)
        return written
    }
}
