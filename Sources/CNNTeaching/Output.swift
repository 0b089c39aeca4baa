import CNNFigures
import CNNFiles
import CNNRender
import Foundation

/// Creates `path` (and its parents) if it does not exist (see `createFolders`).
func makeFolder(_ path: String) throws {
    try createFolders(path)
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
            try writeAtomically(data: Data(try renderData(f.figure, format: .png)), to: url.path)
            written.append(url.path)
        }
        let pdf = fileURL(folder, "whatif.pdf")
        try writeAtomically(data: Data(try renderData(summaryFigure(style: style), format: .pdf)), to: pdf.path)
        written.append(pdf.path)
        return written
    }
}

extension Worksheet {
    /// Writes worksheet.pdf, answers.pdf, answers.yaml and filled.yaml (the template) into `folder`.
    /// Returns the paths written. Same worksheet, same bytes.
    public func write(to folder: String) throws -> [String] {
        try makeFolder(folder)
        let files: [(String, () throws -> [UInt8])] = [
            ("worksheet.pdf", { try studentDocument().data() }),
            ("answers.pdf", { try keyDocument().data() }),
            ("answers.yaml", { Array(answersYAML().utf8) }),
            ("filled.yaml", { Array(filledTemplate().utf8) }),
        ]
        var written: [String] = []
        for (name, bytes) in files {
            let url = fileURL(folder, name)
            try writeAtomically(data: Data(try bytes()), to: url.path)
            written.append(url.path)
        }
        return written
    }
}

extension SlideDeck {
    /// The speaker notes as an A4 document: per slide its title, what to say, and the worksheet question.
    public func notesDocument() -> ReportDocument {
        var doc = ReportDocument(title: "\(title) · speaker notes")
        doc.addSection("Speaker notes: \(title)")
        doc.addParagraph("One entry per slide, in order. The worksheet questions are those of <tt>cnn-explain worksheet xo</tt>.")
        for (k, slide) in slides.enumerated() {
            doc.addSection("Slide \(k + 1): \(slide.title)", level: 2, newPage: false)
            doc.addParagraph(TextBlock.escape(slide.notes))
            if let q = slide.question { doc.addParagraph("<b>Worksheet:</b> question " + TextBlock.escape(q)) }
        }
        return doc
    }

    /// Writes the slides to `path` and the notes next to it (`NAME-notes.pdf`). Returns both paths.
    public func write(slides path: String) throws -> [String] {
        let url = URL(fileURLWithPath: path)
        let notes = url.deletingPathExtension().path + "-notes.pdf"
        try OutputPath.checkDistinct(outputs: [("the slides", url.path), ("the notes", notes)], inputs: [])
        try writeAtomically(data: Data(try data()), to: url.path)
        try writeAtomically(data: Data(try notesDocument().data()), to: notes)
        return [url.path, notes]
    }
}
