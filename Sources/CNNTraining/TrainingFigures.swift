import CNNCore
import CNNFigures
import Foundation

/// Figures for the training commands.
public enum TrainingFigures {
    /// A contact sheet: the first `limit` images in rows of `perRow`, each titled with its class
    /// and number (`X 1`, `O 2`, …), +1 white and −1 black as in the article.
    public static func contactSheet(_ images: [LabeledImage], classes: [String], perRow: Int = 10, limit: Int = 100, cellSize: Double = 5) -> Figure {
        let shown = Array(images.prefix(max(limit, 1)))
        var rows: [Figure] = []
        var start = 0
        while start < shown.count {
            let end = min(start + max(perRow, 1), shown.count)
            rows.append(.row((start..<end).map { i in
                let ex = shown[i]
                let name = ex.label < classes.count ? classes[ex.label] : String(ex.label)
                return .image(ImageFigure(grid: Grid(ex.image.rows()), title: "\(name) \(i + 1)", cellSize: cellSize))
            }, spacing: 8))
            start = end
        }
        return .column(rows, spacing: 8)
    }
}
