import CNNCore
import Foundation
import Testing
@testable import CNNRender
import CNNFigures

private let edges: [Double] = [0, 58, 120, 188, 261, 341, 427, 520, 621, 730, 848, 975, 1114, 1264, 1426, 1601, 1791,
                               1997, 2220, 2461, 2722, 3004, 3310, 3641, 4000]

private func sampleSpectrogram(legend: String? = "loudness") -> SpectrogramFigure {
    // A rising line on a quiet background, row 0 the highest band.
    let values = (0..<24).flatMap { r in (0..<24).map { c in 23 - r == c ? 1.0 : -0.8 } }
    return SpectrogramFigure(grid: Grid(rows: 24, cols: 24, values: values) ?? Grid([[]]), bandEdges: edges,
                             timeEdges: (0...24).map { Double($0) * 0.02 + 0.006 }, title: "rising", legend: legend)
}

@Test func spectrogramAndTableRenderToEveryFormat() throws {
    let table = TableFigure(header: ["data", "CNN", "dense"], rows: [["original", "99.0%", "92.6%"], ["pixels shuffled", "90.5%"]],
                            title: "accuracy", bold: [Cell(row: 0, col: 1)])
    for figure in [Figure.spectrogram(sampleSpectrogram()), .spectrogram(sampleSpectrogram(legend: nil)), .table(table)] {
        let s = try size(of: figure)
        #expect(s.width > 100 && s.height > 50)
        for format in OutputFormat.allCases {
            #expect(try renderData(figure, format: format).count > 100)
        }
        #expect(try renderData(figure, format: .png) == renderData(figure, format: .png))
    }
}

@Test func spectrogramRejectsEdgesThatDoNotMatch() {
    var f = sampleSpectrogram()
    f.bandEdges = Array(edges.dropLast())
    #expect(throws: RenderError.self) { try size(of: .spectrogram(f)) }
    f = sampleSpectrogram()
    f.timeEdges = f.timeEdges.reversed()
    #expect(throws: RenderError.self) { try size(of: .spectrogram(f)) }
}

@Test func loudIsLighterAllTheWayUp() {
    // The colour scale must read in grayscale: luminance rises with the value.
    let lum = stride(from: -1.0, through: 1.0, by: 0.01).map { Palette.sequential($0, range: -1...1).luminance }
    #expect(zip(lum, lum.dropFirst()).allSatisfy { $0 < $1 })
    #expect(lum.first ?? 1 < 0.01 && lum.last ?? 0 > 0.9)
}

@Test func frequenciesLandInTheirBandOnTheAxis() {
    #expect(Drawer.bandPosition(0, edges: edges) == 0)
    #expect(Drawer.bandPosition(4000, edges: edges) == 24)
    #expect(Drawer.bandPosition(1000, edges: edges) > 11 && Drawer.bandPosition(1000, edges: edges) < 12)  // band 975–1114
    let ticks = Drawer.frequencyTicks(edges: edges, cellHeight: 7)
    #expect(ticks.first == 0 && ticks.last == 4000)
    let ys = ticks.map { Drawer.bandPosition($0, edges: edges) * 7 }
    #expect(zip(ys, ys.dropFirst()).allSatisfy { $1 - $0 >= 13 })  // labels never overlap
}
