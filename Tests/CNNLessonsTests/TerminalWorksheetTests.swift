import CNNFigures
import CNNTerminal
import Testing

/// A worksheet grid as text: given numbers right-aligned, blanks as [label], outlined cells marked.
@Test func worksheetGridAsText() {
    let grid = WorksheetGridFigure(cells: [[.given("1"), .blank("1a")], [.given("\u{2212}0.33"), .blank(nil)]],
                                   outlined: [Cell(row: 1, col: 0)], title: "products")
    let lines = TerminalPresenter(color: false).lines(for: .worksheetGrid(grid))
    #expect(lines.first?.contains("products") == true)
    #expect(lines.contains { $0.contains("[1a]") && $0.contains("1") })
    #expect(lines.contains { $0.contains(">\u{2212}0.33<") && $0.contains("[]") })
}
