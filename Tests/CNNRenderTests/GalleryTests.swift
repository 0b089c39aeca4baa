import CNNCore
import CNNFigures
import Foundation
import Testing
@testable import CNNRender

/// Renders every figure type; set CNN_RENDER_GALLERY=/some/folder to keep the PNGs for looking at.
@Test func everyFigureRendersToEveryFormat() throws {
    let folder = ProcessInfo.processInfo.environment["CNN_RENDER_GALLERY"].map { URL(fileURLWithPath: $0) }
    for (name, figure) in Article.gallery {
        let s = try size(of: figure)
        #expect(s.width > 0 && s.height > 0, "\(name) has no size")
        for format in OutputFormat.allCases {
            let bytes = try renderData(figure, format: format, scale: 2)
            #expect(bytes.count > 100, "\(name).\(format) is empty")
        }
        if let folder {
            for format in OutputFormat.allCases {
                try Data(try renderData(figure, format: format, scale: 2)).write(to: folder.appendingPathComponent("\(name).\(format.fileExtension)"))
            }
        }
    }
}

/// A sample report: a title page and three sections. Set CNN_RENDER_GALLERY=/some/folder to keep it
/// next to the gallery PNGs, for looking at with pdftoppm.
@Test func galleryDocument() throws {
    var doc = ReportDocument(title: "How a CNN sees an X", author: "cnn-explain")
    doc.addTitlePage(subtitle: "Following Brandon Rohrer's “How do CNNs work?”", lines: ["seed 42", "cnn-explain report"])
    doc.addSection("The image")
    doc.addParagraph("The X is a <b>9×9</b> grid of pixels: <i>1</i> is white, <tt>−1</tt> is black. A computer sees only numbers, so a slightly different X looks like a different picture.")
    doc.addFigure(Article.gallery[0].1, caption: "A deformed X: the 16 pixels that differ are outlined")
    doc.addSection("One step", level: 2, newPage: false)
    doc.addFigure(Article.gallery[3].1, caption: "Multiply, add, divide by 9")
    doc.addSection("Layers")
    for (_, f) in Article.gallery[4...9] { doc.addFigure(f) }
    #expect(try doc.pageCount() >= 4)
    let bytes = try doc.data()
    #expect(bytes.starts(with: Array("%PDF".utf8)))
    #expect(try doc.data() == bytes, "the same document gives the same bytes")
    if let out = ProcessInfo.processInfo.environment["CNN_RENDER_GALLERY"] {
        try Data(bytes).write(to: URL(fileURLWithPath: out).appendingPathComponent("doc.pdf"))
    }
}
