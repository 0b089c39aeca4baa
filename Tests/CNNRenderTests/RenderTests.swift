import CNNCore
import Foundation
import Testing
@testable import CNNRender
#if canImport(FoundationXML)
import FoundationXML
import CNNFigures
import TestSupport
#endif

// MARK: numbers

@Test func formatNumberRoundsTruncatesAndUsesTheMinusSign() {
    #expect(formatNumber(5.0 / 9, .rounded(2)) == "0.56")
    #expect(formatNumber(5.0 / 9, .truncated(2)) == "0.55")
    #expect(formatNumber(7.0 / 9, .truncated(2)) == "0.77")
    #expect(formatNumber(-7.0 / 9, .truncated(2)) == "\u{2212}0.77")
    #expect(formatNumber(-0.333) == "\u{2212}0.33")
    #expect(formatNumber(1) == "1.00")
    #expect(formatNumber(0.29, .truncated(2)) == "0.29") // stored as 0.28999…
    #expect(formatNumber(7.0 / 9, .full) == "0.7777777777777778")
    #expect(formatNumber(-0.5, .full) == "\u{2212}0.5")
}

@Test func formatNumberNeverPrintsMinusZero() {
    #expect(formatNumber(-0.001) == "0.00")
    #expect(formatNumber(-0.009, .truncated(2)) == "0.00")
    #expect(formatNumber(-0.0) == "0.00")
    #expect(formatCount(-0.0) == "0")
    #expect(formatCount(-3) == "\u{2212}3")
    #expect(formatCount(9) == "9")
    #expect(!formatNumber(-1e-12, .rounded(3)).contains("\u{2212}"))
}

@Test func formatNumberHandlesNonFiniteValues() {
    #expect(formatNumber(.nan) == "NaN")
    #expect(formatNumber(-.infinity) == "\u{2212}∞")
}

// MARK: PNG

/// The X image with no title: cell (r, c) has its centre at padding + (c + 0.5) × cell points.
private let xImage = Figure.image(ImageFigure(grid: Article.x, cellSize: 26))

private func centre(_ index: Int, cell: Double, scale: Double) -> Int {
    Int(((figurePadding + (Double(index) + 0.5) * cell) * scale).rounded(.down))
}

@Test func pngHasTheExpectedPixelSizeAtEachScale() throws {
    for scale in [1.0, 2.0, 3.0] {
        let pixels = try PNGPixels(png: try renderData(xImage, format: .png, scale: scale))
        let side = Int(((9 * 26 + 2 * figurePadding) * scale).rounded(.up))
        #expect(pixels.width == side)
        #expect(pixels.height == side)
    }
}

@Test func pngDrawsPlusOneWhiteAndMinusOneBlack() throws {
    let pixels = try PNGPixels(png: try renderData(xImage, format: .png, scale: 2))
    let white = pixels.pixel(x: centre(1, cell: 26, scale: 2), y: centre(1, cell: 26, scale: 2)) // X[1][1] = +1
    let black = pixels.pixel(x: centre(0, cell: 26, scale: 2), y: centre(0, cell: 26, scale: 2)) // X[0][0] = −1
    #expect(white.r == 255 && white.g == 255 && white.b == 255)
    #expect(black.r == 0 && black.g == 0 && black.b == 0)
    #expect(black.a == 255)
}

/// The most common colour inside a cell (hatching and digits are thinner than the fill).
private func dominantColour(_ p: PNGPixels, col: Int, row: Int, cell: Double, scale: Double) -> (Int, Int, Int) {
    var counts: [Int: Int] = [:]
    let x0 = Int((figurePadding + Double(col) * cell + 3) * scale), x1 = Int((figurePadding + Double(col + 1) * cell - 3) * scale)
    let y0 = Int((figurePadding + Double(row) * cell + 3) * scale), y1 = Int((figurePadding + Double(row + 1) * cell - 3) * scale)
    for y in y0..<y1 { for x in x0..<x1 { let c = p.pixel(x: x, y: y); counts[Int(c.r) << 16 | Int(c.g) << 8 | Int(c.b), default: 0] += 1 } }
    let key = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
    return (key >> 16, (key >> 8) & 0xFF, key & 0xFF)
}

@Test func featureMapUsesTheDivergingPaletteWithDifferentLuminances() throws {
    let figure = Figure.featureMap(FeatureMapFigure(map: Grid([[1, -1, 0]]), showNumbers: false, showLegend: false, cellSize: 40))
    let pixels = try PNGPixels(png: try renderData(figure, format: .png, scale: 2))
    let positive = dominantColour(pixels, col: 0, row: 0, cell: 40, scale: 2)
    let negative = dominantColour(pixels, col: 1, row: 0, cell: 40, scale: 2)
    let zero = dominantColour(pixels, col: 2, row: 0, cell: 40, scale: 2)
    #expect(positive == (0x21, 0x66, 0xAC))
    #expect(negative == (0xE0, 0x82, 0x14))
    #expect(zero == (255, 255, 255))
    // In grayscale the two ends must differ: compare relative luminance.
    let lp = RGB(hex: 0x2166AC).luminance, ln = RGB(hex: 0xE08214).luminance
    #expect(abs(lp - ln) > 0.15)
    // Negative cells carry a hatch: some pixels in the cell are darker than the fill.
    var darker = 0
    for x in Int((figurePadding + 43) * 2)..<Int((figurePadding + 77) * 2) {
        let c = pixels.pixel(x: x, y: Int((figurePadding + 20) * 2))
        if Int(c.g) < 0x82 - 20 { darker += 1 }
    }
    #expect(darker > 3)
}

// MARK: PDF

private func pageObjects(_ bytes: [UInt8]) -> Int {
    let text = String(decoding: bytes, as: UTF8.self)
    // "/Type /Page" followed by anything but "s" (which would be /Pages).
    let parts = text.components(separatedBy: "/Type /Page")
    return parts.dropFirst().filter { !$0.hasPrefix("s") }.count
}

private func isCompletePDF(_ bytes: [UInt8]) -> Bool {
    let head = String(decoding: bytes.prefix(5), as: UTF8.self)
    var tail = String(decoding: bytes.suffix(8), as: UTF8.self)
    while tail.hasSuffix("\n") || tail.hasSuffix("\r") { tail.removeLast() }
    return head == "%PDF-" && tail.hasSuffix("%%EOF")
}

@Test func pdfOfAFigureIsCompleteWithOnePage() throws {
    let bytes = try renderData(xImage, format: .pdf)
    #expect(isCompletePDF(bytes))
    #expect(pageObjects(bytes) == 1)
}

private func sampleDocument() -> ReportDocument {
    var doc = ReportDocument(title: "How a CNN sees an X", author: "cnn-explain tests")
    doc.addTitlePage(subtitle: "Following Brandon Rohrer's article", lines: ["seed 42"])
    doc.addSection("The image")
    doc.addParagraph("The X is a <b>9×9</b> grid of pixels: <i>1</i> is white, <tt>−1</tt> is black.")
    doc.addFigure(xImage, caption: "The article's X")
    doc.addSection("Filtering", level: 2, newPage: false)
    doc.addFigure(.layer(LayerFigure(features: Article.features, maps: Article.maps)), caption: "Three feature maps")
    doc.addSection("Votes")
    doc.addFigure(.voteBars(VoteBarsFigure(labels: ["X", "O"], values: [0.92, 0.51])))
    return doc
}

@Test func documentHasPagesOutlineAndIsComplete() throws {
    let doc = sampleDocument()
    let bytes = try doc.data()
    #expect(isCompletePDF(bytes))
    let pages = try doc.pageCount()
    #expect(pages == 3) // title, "The image" (+ "Filtering" on the same page), "Votes"
    #expect(pageObjects(bytes) == pages)
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.contains("/Outlines"))
    #expect(text.contains("(Votes)") || text.contains("Votes"))
}

@Test func documentPageCountAgreesWithPdfinfo() throws {
    let pdfinfo = URL(fileURLWithPath: "/usr/bin/pdfinfo")
    try #require(FileManager.default.isExecutableFile(atPath: pdfinfo.path), "poppler-utils (pdfinfo) is needed")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cnnrender-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("doc.pdf")
    try Data(try sampleDocument().data()).write(to: url)
    let process = Process()
    process.executableURL = pdfinfo
    process.arguments = [url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(output.contains("Pages:           3"))
    #expect(output.contains("Title:           How a CNN sees an X"))
}

// MARK: SVG

@Test func svgIsWellFormedAndHasOneFillPerCell() throws {
    let bytes = try renderData(xImage, format: .svg)
    #if canImport(FoundationXML) || canImport(Darwin)
    let parser = XMLParser(data: Data(bytes))
    #expect(parser.parse(), "SVG is not well-formed XML: \(String(describing: parser.parserError))")
    #endif
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.hasPrefix("<?xml"))
    func count(_ needle: String) -> Int { text.components(separatedBy: needle).count - 1 }
    // One filled path per cell: the X has 13 white pixels and 68 black; the background is white too.
    let white = Article.x.values.filter { $0 == 1 }.count
    #expect(white == 13)
    #expect(count("fill:rgb(0%,0%,0%)") == 81 - white)
    #expect(count("fill:rgb(100%,100%,100%)") == white + 1)
}

// MARK: determinism

@Test(arguments: OutputFormat.allCases)
func renderingTwiceGivesTheSameBytes(format: OutputFormat) throws {
    for (_, figure) in Article.gallery {
        #expect(try renderData(figure, format: format) == renderData(figure, format: format))
    }
}

@Test func documentBytesAreReproducible() throws {
    #expect(try sampleDocument().data() == sampleDocument().data())
}

// MARK: errors

@Test func aCairoErrorBecomesAThrownError() throws {
    // 258 pt × 1000 is far beyond Cairo's 32767-pixel limit: cairo_image_surface_create fails.
    do {
        _ = try renderData(xImage, format: .png, scale: 1000)
        Issue.record("expected a Cairo error")
    } catch let error as RenderError {
        guard case let .cairo(operation, status) = error else { Issue.record("wrong error \(error)"); return }
        #expect(operation.contains("image surface"))
        #expect(status.contains("size"))
    }
    #expect(throws: RenderError.self) { _ = try PNGPixels(png: [1, 2, 3]) }
}

@Test func anImpossibleFigureIsReportedNotDrawn() {
    // A 3×3 feature at row 7 of a 9×9 image hangs over the bottom.
    let cross = Article.cross
    let step = Figure.convolutionStep(ConvolutionStepFigure(image: Article.x, feature: cross, row: 7, col: 0, patch: cross, products: cross,
                                                            sum: 0, divisor: 9, bias: nil, value: 0))
    #expect(throws: RenderError.self) { _ = try size(of: step) }
    let votes = Figure.votes(VotesFigure(inputs: [1, 2], outputLabels: ["X"], weights: [[1]]))
    #expect(throws: RenderError.self) { _ = try renderData(votes, format: .svg) }
}

// MARK: layout helpers

@Test func poolingWindowsKeepPartialEdgeWindows() throws {
    let map = Article.maps[0]
    let pooled = SampleFigure.pooling(input: map)
    #expect(pooled.output.rows == 4 && pooled.output.cols == 4 && pooled.windows.count == 16)
    let last = try #require(pooled.windows.last)
    #expect(last.rows == 6..<7 && last.cols == 6..<7)
    // The article's pooled diagonal-down map (p.47): top-left window max is 1.00 at (1, 1).
    #expect(pooled.windows[0].winner == Cell(row: 1, col: 1))
    #expect(try size(of: .pooling(pooled)).width > 0)
    // Windows that do not match the output are refused, not drawn.
    var broken = pooled
    broken.windows.removeLast()
    #expect(throws: RenderError.self) { _ = try size(of: .pooling(broken)) }
}

@Test func gridInitialisersAgree() {
    let a = Grid([[1, 2, 3], [4, 5, 6]])
    #expect(a.rows == 2 && a.cols == 3 && a[1, 2] == 6)
    #expect(Grid(rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6]) == a)
    #expect(Grid(rows: 2, cols: 2, values: [1]) == nil)
    #expect(a.shapeText == "2×3")
}

/// Cairo's coverage of a stroke: a 2-pixel pen along y = 4 across an 8×8 canvas covers rows 3
/// and 4 fully and nothing else; a pen along y = 4.5 covers row 4 fully and about half of rows 3 and 5.
@Test func strokesAreRasterizedAsCoverage() throws {
    let on = try rasterize(StrokeDrawing(size: 8, strokes: [[.init(x: -2, y: 4), .init(x: 10, y: 4)]], lineWidth: 2))
    for r in 0..<8 {
        for c in 0..<8 { #expect(on[r * 8 + c] == (r == 3 || r == 4 ? 1 : 0), "row \(r), column \(c)") }
    }
    let half = try rasterize(StrokeDrawing(size: 8, strokes: [[.init(x: -2, y: 4.5), .init(x: 10, y: 4.5)]], lineWidth: 2))
    #expect(half[4 * 8 + 2] == 1)
    // Cairo's rasterizer samples 15 rows per pixel, so "half" comes out as 7/15 or 8/15; the two sum to one pixel.
    let above = half[3 * 8 + 2], below = half[5 * 8 + 2]
    #expect(abs(above - 0.5) <= 1.0 / 15 + 1.0 / 255 && abs(below - 0.5) <= 1.0 / 15 + 1.0 / 255, "\(above) \(below)")
    #expect(abs(above + below - 1) <= 2.0 / 255)
    #expect(half[2 * 8 + 2] == 0 && half[6 * 8 + 2] == 0)
    #expect(throws: RenderError.self) { try rasterize(StrokeDrawing(size: 0, strokes: [], lineWidth: 1)) }
}

/// Small cells (no lines between them) at positions off the pixel grid leave no lighter seam:
/// every pixel inside a black picture is black, at several scales.
@Test func smallCellsLeaveNoSeams() throws {
    let cell = 4.3, n = 24
    let figure = Figure.image(ImageFigure(grid: Grid(Array(repeating: Array(repeating: -1.0, count: n), count: n)), cellSize: cell))
    for scale in [1.0, 1.5, 2.0] {
        let pixels = try PNGPixels(png: try renderData(figure, format: .png, scale: scale))
        let from = Int(((figurePadding + 1.5) * scale).rounded(.up)), to = Int(((figurePadding + Double(n) * cell - 1.5) * scale).rounded(.down))
        var light = 0
        for y in from..<to { for x in from..<to where pixels.pixel(x: x, y: y).r > 16 { light += 1 } }
        #expect(light == 0, "scale \(scale): \(light) lighter pixels inside the picture")
    }
}

/// `formatNumber` writes decimals through the C library directly; its text is Foundation's
/// `String(format: "%.Nf")` for every style, on halfway cases, tiny and huge values, both signs.
@Test func formatNumberWritesWhatStringFormatWrites() {
    var values: [Double] = [0, 0.5, 1.5, 2.5, 0.125, 0.375, 1e-9, 123456.789, 1e15, 1e300, -1e300, 7.0 / 9, 0.1 + 0.2, .leastNonzeroMagnitude]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<2000 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let mantissa = Double(state >> 11) / Double(1 << 53)
        let exponent = Double(Int((state >> 3) % 40)) - 20
        values.append((state & 1 == 0 ? 1 : -1) * mantissa * pow(10, exponent))
    }
    for x in values {
        for d in [0, 1, 2, 4, 9, 17] {
            let reference = String(format: "%.\(d)f", x)
            let expected = reference.hasPrefix("-") && reference.dropFirst().allSatisfy({ $0 == "0" || $0 == "." })
                ? String(reference.dropFirst())
                : reference.replacingOccurrences(of: "-", with: "\u{2212}")
            #expect(formatNumber(x, .rounded(d)) == expected, "\(x) to \(d) decimals")
        }
    }
}
