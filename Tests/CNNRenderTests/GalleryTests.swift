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
                try render(figure, to: folder.appendingPathComponent("\(name).\(format.fileExtension)"), format: format, scale: 2)
            }
        }
    }
}
