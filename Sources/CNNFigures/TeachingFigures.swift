// Figures for the teacher's kit: worksheet grids with blanks to fill in, and slide decks.
// Plain values; CNNRender draws them (WorksheetDrawing.swift, SlideDrawing.swift).

/// A grid of cells to read or fill in, sized for writing by hand on paper:
/// each cell either shows a given number or is an empty box a student writes in.
///
/// - `cells`: rows of cells, all rows the same length.
/// - `shades`: optional pixel values (same shape), +1 white, −1 black, drawn under the cells
///   (for pictures whose pixels a student reads).
/// - `outlined`: cells drawn with a thick dashed outline (a patch, a window, a changed cell);
///   dashed so it reads in grayscale.
/// - Sizes in points: a blank of at least 8 mm (22.7 pt) leaves room for a handwritten "−0.77".
public struct WorksheetGridFigure: Sendable {
    /// What one cell holds.
    public enum Content: Sendable, Equatable {
        /// A number (or word) printed in the cell.
        case given(String)
        /// An empty box to write in, with an optional small label in its corner ("a", "1").
        case blank(String?)
    }

    public var cells: [[Content]]
    public var shades: Grid?
    public var outlined: Set<Cell>
    public var cellWidth: Double
    public var cellHeight: Double
    /// Size of the numbers in the cells, in points.
    public var fontSize: Double
    public var title: String?
    /// Writes the row numbers left and the column numbers above, counted from 1.
    public var showRowColumnNumbers: Bool
    /// The number of the first row and column in those labels (a piece of a larger map).
    public var firstRow: Int
    public var firstColumn: Int

    public init(cells: [[Content]], shades: Grid? = nil, outlined: Set<Cell> = [], cellWidth: Double = 30,
                cellHeight: Double = 30, fontSize: Double = 12, title: String? = nil, showRowColumnNumbers: Bool = false,
                firstRow: Int = 1, firstColumn: Int = 1) {
        self.cells = cells; self.shades = shades; self.outlined = outlined
        self.cellWidth = cellWidth; self.cellHeight = cellHeight; self.fontSize = fontSize; self.title = title
        self.showRowColumnNumbers = showRowColumnNumbers; self.firstRow = firstRow; self.firstColumn = firstColumn
    }

    /// Rows of numbers as given cells, in `style`.
    public static func numbers(_ grid: Grid, style: NumberStyle) -> [[Content]] {
        grid.rowArrays.map { row in row.map { .given(formatCount($0, style)) } }
    }
}

/// One projector slide: a title, a few large lines, figures, and notes for the speaker.
public struct Slide: Sendable {
    public var title: String
    /// Short lines in Pango markup, drawn large under the title.
    public var lines: [String]
    /// Figures side by side under the lines, scaled up or down to fill the space left.
    public var figures: [Figure]
    /// What to say, plain text; printed on the notes pages, not on the slide.
    public var notes: String
    /// The worksheet question this slide prepares for, printed with the notes.
    public var question: String?

    public init(title: String, lines: [String] = [], figures: [Figure] = [], notes: String = "", question: String? = nil) {
        self.title = title; self.lines = lines; self.figures = figures; self.notes = notes; self.question = question
    }
}

/// A 16:9 deck: slides of `width`×`height` points (960×540, which is 1920×1080 pixels at 2 px per point).
/// CNNRender writes the slides as one PDF and the notes as another.
public struct SlideDeck: Sendable {
    public var title: String
    public var slides: [Slide]
    public var width: Double
    public var height: Double
    /// The smallest text size on a slide, in points; lines and numbers are never drawn smaller.
    public var minimumFontSize: Double

    public init(title: String, slides: [Slide], width: Double = 960, height: Double = 540, minimumFontSize: Double = 22) {
        self.title = title; self.slides = slides; self.width = width; self.height = height; self.minimumFontSize = minimumFontSize
    }
}
