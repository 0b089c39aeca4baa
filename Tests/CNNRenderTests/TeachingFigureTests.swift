import CNNFigures
import Foundation
import Testing
@testable import CNNRender

/// Worksheet grids and slide decks: measured sizes, blank boxes left white, outlines drawn, same bytes twice.
@Suite struct TeachingFigureTests {
    let grid = WorksheetGridFigure(cells: [[.given("1"), .blank("1a")], [.given("−0.33"), .blank(nil)]],
                                   outlined: [Cell(row: 1, col: 0), Cell(row: 0, col: 0)], cellWidth: 40, cellHeight: 30, fontSize: 12)

    @Test func sizeIsTheCellsAndTheTitle() throws {
        let s = try size(of: .worksheetGrid(grid))
        #expect(s.width == 80 && s.height == 60)
        var titled = grid
        titled.title = "products"
        titled.showRowColumnNumbers = true
        let t = try size(of: .worksheetGrid(titled))
        #expect(t.width > 80 && t.height > 60)
    }

    @Test func blanksStayWhiteAndGivenCellsAreShaded() throws {
        let png = try PNGPixels(png: try renderData(.worksheetGrid(grid), format: .png, scale: 1))
        func rgb(_ x: Double, _ y: Double) -> [UInt8] {
            let p = png.pixel(x: Int(figurePadding + x), y: Int(figurePadding + y))
            return [p.r, p.g, p.b]
        }
        // The middle of the unlabelled blank (row 1, column 1) is white; a given cell's corner is light gray.
        #expect(rgb(60, 45) == [255, 255, 255])
        #expect(rgb(34, 4) != [255, 255, 255])
    }

    @Test func sameBytesTwiceInEveryFormat() throws {
        for format in OutputFormat.allCases {
            #expect(try renderData(.worksheetGrid(grid), format: format) == renderData(.worksheetGrid(grid), format: format))
        }
        let deck = SlideDeck(title: "t", slides: [Slide(title: "One", lines: ["a line"], figures: [.worksheetGrid(grid)]),
                                                  Slide(title: "Two")])
        #expect(try deck.data() == deck.data())
        #expect(try deck.data().count > 1000)
    }
}
