// Figures are plain values: data plus labels. They know nothing about Cairo;
// `Drawing.swift` turns them into pictures. All lengths are in points (1/72 inch).

/// A picture to draw. Build one from a figure value, then draw it with `renderData(_:format:scale:)`,
/// ask its `size(of:)`, or add it to a `ReportDocument`.
public indirect enum Figure: Sendable {
    /// A pixel image: +1 white, −1 black, grays between.
    case image(ImageFigure)
    /// A small named feature (filter), drawn like an image.
    case feature(FeatureFigure)
    /// One step of convolution: patch ⊙ feature = products, then sum / n.
    case convolutionStep(ConvolutionStepFigure)
    /// A feature map (or a gradient map) with numbers and a diverging colour scale.
    case featureMap(FeatureMapFigure)
    /// A convolution layer: several feature maps side by side, each under its feature.
    case layer(LayerFigure)
    /// A map before and after ReLU.
    case relu(ReLUFigure)
    /// Max pooling: every window on the input, the winner of each, and the pooled output.
    case pooling(PoolingFigure)
    /// Max-pooling backward: the gradient of each output goes to the winning input cell.
    case poolingGradient(PoolingGradientFigure)
    /// A flip-book of a sliding window: frames in which the window moves and the output fills.
    case slidingWindow(SlidingWindowFigure)
    /// Fully connected votes: values in a column, lines to the output nodes.
    case votes(VotesFigure)
    /// Horizontal bars with their values (e.g. the vote for X and for O).
    case voteBars(VoteBarsFigure)
    /// The network as one box per layer with shape labels.
    case pipeline(PipelineFigure)
    /// Series against a shared x axis (e.g. loss and accuracy per epoch).
    case linePlot(LinePlotFigure)
    /// The error against one weight (the slides' U), the point now, its tangent and the nudged slope.
    case errorCurve(ErrorCurveFigure)
    /// Rows of features (e.g. hand-made and learned) as small grids.
    case filterBank(FilterBankFigure)
    /// A spectrogram: time across, frequency up, loudness as a dark-to-light colour.
    case spectrogram(SpectrogramFigure)
    /// A table of strings with a header row and grid lines.
    case table(TableFigure)
    /// A wrapped paragraph with simple markup.
    case text(TextBlock)
    /// Cells to read or fill in by hand: given numbers and blank boxes (worksheets, slides).
    case worksheetGrid(WorksheetGridFigure)
    /// Figures side by side, tops aligned, `spacing` points apart.
    case row([Figure], spacing: Double = 24)
    /// Figures one above the other, left aligned, `spacing` points apart.
    case column([Figure], spacing: Double = 16)
}

/// A pixel image in the article's convention.
///
/// - `grid`: any shape; +1 is drawn white, −1 black, values between as grays (clamped to [−1, 1]).
public struct ImageFigure: Sendable {
    public var grid: Grid
    public var title: String?
    /// Write each value in its cell.
    public var showNumbers: Bool
    public var numberStyle: NumberStyle
    /// Cells to outline in the highlight colour (e.g. pixels that differ from another image).
    public var highlighted: Set<Cell>
    /// Side of one cell in points.
    public var cellSize: Double
    /// Row numbers at the left and column numbers on top, counted from 1, so a reader finds
    /// "row 2, column 3" (the code's index is [1, 2]). Set by the builder; every drawer draws them.
    public var labelled = false

    public init(grid: Grid, title: String? = nil, showNumbers: Bool = false, numberStyle: NumberStyle = .standard,
                highlighted: Set<Cell> = [], cellSize: Double = 26) {
        self.grid = grid; self.title = title; self.showNumbers = showNumbers; self.numberStyle = numberStyle
        self.highlighted = highlighted; self.cellSize = cellSize
    }

    /// Where each cell's number comes from (row-major, one per cell, or empty): the HTML page makes
    /// those cells buttons that open the number's derivation. Other drawers ignore it.
    public var sources: [TraceSource?] = []
    /// A block of cells outlined as one box (e.g. the patch of the image one cell of a later layer
    /// sees); the terminal marks its cells.
    public var region: CellRegion?
}

/// A rectangular block of cells: `rows` × `cols` (counted from 0).
public struct CellRegion: Sendable, Equatable {
    public var rows: Range<Int>
    public var cols: Range<Int>
    public init(rows: Range<Int>, cols: Range<Int>) { self.rows = rows; self.cols = cols }

    /// Every cell of the block.
    public var cells: Set<Cell> { Set(rows.flatMap { r in cols.map { Cell(row: r, col: $0) } }) }
}

/// A feature (filter) with its name under it, drawn in pixel colours.
///
/// - `grid`: usually 3×3 of ±1.
public struct FeatureFigure: Sendable {
    public var grid: Grid
    public var name: String
    public var showNumbers: Bool
    public var numberStyle: NumberStyle
    public var cellSize: Double

    public init(grid: Grid, name: String, showNumbers: Bool = false, numberStyle: NumberStyle = .standard, cellSize: Double = 26) {
        self.grid = grid; self.name = name; self.showNumbers = showNumbers; self.numberStyle = numberStyle; self.cellSize = cellSize
    }

    /// Where each cell's number comes from (row-major, one per cell, or empty): the HTML page makes
    /// those cells buttons that open the number's derivation. Other drawers ignore it.
    public var sources: [TraceSource?] = []
}

/// One convolution step: the patch of the image under the feature, the products, and the numbers
/// the engine traced. The figure only shows them; it never computes them (see `ConvDerivation`
/// in CNNCore, which builds them):
///
///     products[a, b] = patch[a, b] · feature[a, b]
///     sum            = Σ products
///     value          = sum / divisor + bias      (the traced output)
///
/// - `image`: H×W; `feature`, `patch`, `products`: h×w with `row + h <= H`, `col + w <= W`.
///   `row`, `col`: the patch's top-left cell, from 0 (labels in the picture count from 1).
/// - `divisor`: `nil` when the layer does not divide (`normalize: false`); `bias`: `nil` when it has none.
public struct ConvolutionStepFigure: Sendable {
    public var image: Grid
    public var feature: Grid
    public var featureName: String
    public var row: Int
    public var col: Int
    public var patch: Grid
    public var products: Grid
    public var sum: Double
    public var divisor: Int?
    public var bias: Double?
    public var value: Double
    public var numberStyle: NumberStyle
    public var title: String?
    /// Row and column numbers on the image (counted from 1).
    public var labelled = false

    public init(image: Grid, feature: Grid, featureName: String = "feature", row: Int, col: Int, patch: Grid, products: Grid,
                sum: Double, divisor: Int?, bias: Double?, value: Double, numberStyle: NumberStyle = .article, title: String? = nil) {
        self.image = image; self.feature = feature; self.featureName = featureName
        self.row = row; self.col = col; self.patch = patch; self.products = products
        self.sum = sum; self.divisor = divisor; self.bias = bias; self.value = value
        self.numberStyle = numberStyle; self.title = title
    }

    /// The step from the sum to the value, as every drawer writes it: `9 / 9 = 1.00`,
    /// `0.57 / 9 + 0.1 = 0.16`, `0.57 − 0.02 = 0.55` (no divisor, a bias), or `= 0.57` (neither).
    public var resultText: String {
        var text = formatCount(sum, numberStyle)
        if let divisor { text += " / \(divisor)" }
        if let bias {
            text += bias < 0 ? " \u{2212} " + formatNumber(-bias, numberStyle) : " + " + formatNumber(bias, numberStyle)
        }
        if divisor == nil && bias == nil { text = "" }
        return (text.isEmpty ? "= " : text + " = ") + formatNumber(value, numberStyle)
    }

    /// Where the feature's, the patch's and the value's numbers come from (row-major; empty or nil
    /// when unknown), for the HTML page's derivations. Other drawers ignore them.
    public var featureSources: [TraceSource?] = []
    public var patchSources: [TraceSource?] = []
    public var valueSource: TraceSource?
    /// How each product (row-major), the sum and the step from the sum to the value (`sum / divisor
    /// + bias`) are worked out, for the HTML page's derivations (empty or nil when not set).
    public var productDerivations: [DerivedNumber?] = []
    public var sumDerivation: DerivedNumber?
    public var resultDerivation: DerivedNumber?
}

/// A feature map (or gradient map) with numbers in its cells, coloured on a diverging scale:
/// positive blue (darker), negative orange (lighter, hatched), white near 0.
///
/// - `map`: any shape. `scale`: the |value| drawn at full colour; `nil` uses the map's largest |value| (or 1 if all 0).
public struct FeatureMapFigure: Sendable {
    public var map: Grid
    public var title: String?
    public var scale: Double?
    public var numberStyle: NumberStyle
    public var showNumbers: Bool
    public var showLegend: Bool
    public var highlighted: Set<Cell>
    public var cellSize: Double
    /// Row numbers at the left and column numbers on top, counted from 1, so a reader finds
    /// "row 2, column 3" (the code's index is [1, 2]). Set by the builder; every drawer draws them.
    public var labelled = false

    public init(map: Grid, title: String? = nil, scale: Double? = nil, numberStyle: NumberStyle = .standard,
                showNumbers: Bool = true, showLegend: Bool = true, highlighted: Set<Cell> = [], cellSize: Double = 38) {
        self.map = map; self.title = title; self.scale = scale; self.numberStyle = numberStyle
        self.showNumbers = showNumbers; self.showLegend = showLegend; self.highlighted = highlighted; self.cellSize = cellSize
    }

    /// Where each cell's number comes from (row-major, one per cell, or empty): the HTML page makes
    /// those cells buttons that open the number's derivation. Other drawers ignore it.
    public var sources: [TraceSource?] = []
}

/// A feature and the map it produced, for `LayerFigure` and `FilterBankFigure`.
public struct NamedGrid: Sendable {
    public var name: String
    public var grid: Grid
    public init(name: String, grid: Grid) { self.name = name; self.grid = grid }

    /// Where each cell's number comes from (row-major, one per cell, or empty): the HTML page makes
    /// those cells buttons that open the number's derivation. Other drawers ignore it.
    public var sources: [TraceSource?] = []
}

/// One convolution layer: for each feature, the feature (small, pixel colours) above its map.
///
/// - `features[i]` produced `maps[i]`; both arrays have the same length, or `features` is empty to
///   draw the maps alone, each under its name in `mapNames` ("map 1", "map 2", … where none is given).
///   All maps share one colour scale.
public struct LayerFigure: Sendable {
    public var features: [NamedGrid]
    public var maps: [Grid]
    public var title: String?
    public var scale: Double?
    public var numberStyle: NumberStyle
    public var cellSize: Double
    /// Names over the maps when `features` is empty.
    public var mapNames: [String]
    /// Row and column numbers on every map (counted from 1).
    public var labelled = false

    public init(features: [NamedGrid], maps: [Grid], title: String? = nil, scale: Double? = nil,
                numberStyle: NumberStyle = .article, cellSize: Double = 34, mapNames: [String] = []) {
        self.features = features; self.maps = maps; self.title = title; self.scale = scale
        self.numberStyle = numberStyle; self.cellSize = cellSize; self.mapNames = mapNames
    }

    /// Per feature and per map, where each cell's number comes from (row-major; empty when unknown),
    /// for the HTML page's derivations. Other drawers ignore them.
    public var featureSources: [[TraceSource?]] = []
    public var mapSources: [[TraceSource?]] = []
}

/// ReLU: `after[i] = max(0, before[i])`. Negative cells of `before` are outlined.
///
/// - `after`: same shape as `before`; `nil` computes it.
public struct ReLUFigure: Sendable {
    public var before: Grid
    public var after: Grid?
    public var title: String?
    public var numberStyle: NumberStyle
    public var cellSize: Double
    /// Row and column numbers on both grids (counted from 1).
    public var labelled = false

    public init(before: Grid, after: Grid? = nil, title: String? = nil, numberStyle: NumberStyle = .article, cellSize: Double = 36) {
        self.before = before; self.after = after; self.title = title; self.numberStyle = numberStyle; self.cellSize = cellSize
    }

    /// Where each cell's number comes from (row-major; empty when unknown), for the HTML page.
    public var beforeSources: [TraceSource?] = []
    public var afterSources: [TraceSource?] = []
}

/// One window of a pooling layer, as the engine defines it (`PoolWindows` in CNNCore): the output
/// cell, the input rows and columns it covers (clipped to the input), and the input cell that won it.
public struct PoolWindowCells: Sendable, Equatable {
    public var output: Cell
    public var rows: Range<Int>
    public var cols: Range<Int>
    public var winner: Cell

    public init(output: Cell, rows: Range<Int>, cols: Range<Int>, winner: Cell) {
        self.output = output; self.rows = rows; self.cols = cols; self.winner = winner
    }
}

/// Max pooling with `size`×`size` windows moved by `stride`:
///
///     output[i, j] = input[winner(i, j)],  the largest value in window(i, j)
///
/// - `input`: H×W. `output`: H'×W', the traced output. `windows`: one per output cell, row-major,
///   from the engine; a window at the edge may be partial, and cells in no window are shown plain.
public struct PoolingFigure: Sendable {
    public var input: Grid
    public var output: Grid
    public var windows: [PoolWindowCells]
    public var size: Int
    public var stride: Int
    public var title: String?
    public var numberStyle: NumberStyle
    public var cellSize: Double
    /// Row and column numbers on the input and the pooled output (counted from 1).
    public var labelled = false

    public init(input: Grid, output: Grid, windows: [PoolWindowCells], size: Int, stride: Int, title: String? = nil,
                numberStyle: NumberStyle = .article, cellSize: Double = 40) {
        self.input = input; self.output = output; self.windows = windows; self.size = size; self.stride = stride
        self.title = title; self.numberStyle = numberStyle; self.cellSize = cellSize
    }

    /// Where each cell's number comes from (row-major; empty when unknown), for the HTML page.
    public var inputSources: [TraceSource?] = []
    public var outputSources: [TraceSource?] = []
}

/// One frame of a sliding window's flip-book: where the window sits on the input, the output cell
/// it has just computed, and the output so far.
///
/// - `rows`, `cols`: the input cells under the window (clipped to the input at an edge).
/// - `output`: the output map row-major, `nil` for the cells the window has not reached yet.
public struct SlidingWindowFrame: Sendable, Equatable {
    public var position: Cell
    public var rows: Range<Int>
    public var cols: Range<Int>
    public var output: [Double?]

    public init(position: Cell, rows: Range<Int>, cols: Range<Int>, output: [Double?]) {
        self.position = position; self.rows = rows; self.cols = cols; self.output = output
    }
}

/// A flip-book of a sliding window (convolution or pooling), as the slides build it: frames in
/// order, in each the window's box on the input and the output map filled up to the cell the
/// window has just computed; cells not yet computed are blank.
///
/// - `input`: H×W, drawn as pixels (`inputIsImage`, ±1) or as a coloured map.
/// - `outputRows`×`outputCols`: the output's shape; every frame's `output` has that many cells.
/// - `scale`: the |value| of the output (and a map input) drawn at full colour; `nil` uses the largest.
/// - `operation`: what the window does, in words, for the frame labels ("match", "max").
public struct SlidingWindowFigure: Sendable {
    public var input: Grid
    public var inputIsImage: Bool
    public var outputRows: Int
    public var outputCols: Int
    public var frames: [SlidingWindowFrame]
    public var operation: String
    public var title: String?
    public var scale: Double?
    public var numberStyle: NumberStyle
    /// Cell sides in points: the frames are small, so they carry colours, not numbers; each
    /// frame's label gives the number just computed.
    public var inputCell: Double
    public var outputCell: Double
    /// Frames side by side before the next row of frames.
    public var framesPerRow: Int

    public init(input: Grid, inputIsImage: Bool, outputRows: Int, outputCols: Int, frames: [SlidingWindowFrame],
                operation: String, title: String? = nil, scale: Double? = nil, numberStyle: NumberStyle = .article,
                inputCell: Double = 10, outputCell: Double = 12, framesPerRow: Int = 2) {
        self.input = input; self.inputIsImage = inputIsImage; self.outputRows = outputRows; self.outputCols = outputCols
        self.frames = frames; self.operation = operation; self.title = title; self.scale = scale
        self.numberStyle = numberStyle; self.inputCell = inputCell; self.outputCell = outputCell; self.framesPerRow = framesPerRow
    }

    /// The label of frame `k`: "3. row 1, column 3: 0.11" (its place in the walk, from 1, and the new value).
    public func label(_ k: Int) -> String {
        let parts = labelParts(k)
        return parts.words + (parts.value.map { formatNumber($0, numberStyle) } ?? "?")
    }

    /// Frame `k`'s label before its value ("3. row 1, column 3: match "), the value, and the output
    /// cell it fills (row-major).
    public func labelParts(_ k: Int) -> (words: String, value: Double?, cell: Int) {
        let f = frames[k]
        let index = f.position.row * outputCols + f.position.col
        let value = index < f.output.count ? f.output[index] : nil
        return ("\(index + 1). row \(f.position.row + 1), column \(f.position.col + 1): \(operation) ", value, index)
    }

    /// Where each output cell's number comes from (row-major; empty when unknown), for the HTML page.
    public var outputSources: [TraceSource?] = []

    /// What the box on the input is called in the key: "patch" for a convolution (as the lessons
    /// call it), "window" for pooling.
    public var boxName = "window"

    /// The key under the frames, the same in every drawer.
    public var key: String { "dot: not computed yet; the box is the \(boxName), the outlined cell its result" }
}

/// Max-pooling backward: each output cell's gradient goes to the input cell that won its window;
/// every other input cell gets 0.
///
/// - `input`: H×W (the forward input). `outputGradient`: H'×W'. `inputGradient`: H×W, the traced
///   gradient (gradients of overlapping windows add up). `windows`: as in `PoolingFigure`.
public struct PoolingGradientFigure: Sendable {
    public var input: Grid
    public var outputGradient: Grid
    public var inputGradient: Grid
    public var windows: [PoolWindowCells]
    public var size: Int
    public var stride: Int
    public var title: String?
    public var numberStyle: NumberStyle
    public var cellSize: Double
    /// Draws the routed gradient under the forward input instead of beside it, so a page-wide
    /// figure of wide maps keeps readable numbers (set by the lessons for maps of 6 columns or more).
    public var stacked = false
    /// Row and column numbers on every grid (counted from 1).
    public var labelled = false

    public init(input: Grid, outputGradient: Grid, inputGradient: Grid, windows: [PoolWindowCells], size: Int, stride: Int,
                title: String? = nil, numberStyle: NumberStyle = .standard, cellSize: Double = 38) {
        self.input = input; self.outputGradient = outputGradient; self.inputGradient = inputGradient; self.windows = windows
        self.size = size; self.stride = stride; self.title = title; self.numberStyle = numberStyle; self.cellSize = cellSize
    }

    /// Where each cell's number comes from (row-major; empty when unknown), for the HTML page.
    public var inputSources: [TraceSource?] = []
    public var outputGradientSources: [TraceSource?] = []
    public var inputGradientSources: [TraceSource?] = []
}

/// A fully connected layer as votes:
///
///     output[k] = sum over i of weights[k][i] * inputs[i]   (plus bias, if given)
///
/// Line thickness follows |weight|; positive weights are solid blue, negative dashed orange; a weight
/// of 0 draws no line. The key shows only the signs and sizes of weights that exist.
/// - `inputs`: n values; `outputLabels`: m names ("X", "O"); `weights`: m rows of n values.
/// - `outputValues`: m values written next to the nodes, or `nil`.
public struct VotesFigure: Sendable {
    public var inputs: [Double]
    public var inputLabels: [String]?
    public var outputLabels: [String]
    public var weights: [[Double]]
    public var outputValues: [Double]?
    public var title: String?
    public var numberStyle: NumberStyle
    /// Inputs come in groups of this many (one map each, e.g. 4 for three 2×2 maps), drawn with a
    /// separator between groups; `nil` for no groups.
    public var groupSize: Int?

    public init(inputs: [Double], inputLabels: [String]? = nil, outputLabels: [String], weights: [[Double]],
                outputValues: [Double]? = nil, title: String? = nil, numberStyle: NumberStyle = .standard,
                groupSize: Int? = nil) {
        self.inputs = inputs; self.inputLabels = inputLabels; self.outputLabels = outputLabels; self.weights = weights
        self.outputValues = outputValues; self.title = title; self.numberStyle = numberStyle; self.groupSize = groupSize
    }

    /// Where each input's and output's number comes from (empty when unknown), for the HTML page.
    public var inputSources: [TraceSource?] = []
    public var outputSources: [TraceSource?] = []

    /// The weights the key draws a sample line for: each size of weight as printed, positive
    /// ones first, largest first, at most `limit`; when both signs exist, up to half of each, so a
    /// dashed negative line has its sample too.
    public func keySamples(limit: Int = 6) -> [Double] {
        // One sample per number as printed: the first weight that prints so.
        var samples: [Double] = []
        var printed = Set<String>()
        for w in weights.flatMap({ $0 }) where w != 0 && printed.insert(formatNumber(w, numberStyle)).inserted {
            samples.append(w)
        }
        let positive = samples.filter { $0 > 0 }.sorted { $0 > $1 }, negative = samples.filter { $0 < 0 }.sorted { $0 < $1 }
        let half = limit / 2
        let takePositive = negative.isEmpty ? limit : max(half, limit - negative.count)
        let takeNegative = limit - min(takePositive, positive.count)
        return Array(positive.prefix(takePositive)) + Array(negative.prefix(takeNegative))
    }
}

/// Horizontal bars, one per label, with the value written at the end.
///
/// - `labels` and `values` have the same length. `range`: the value axis; `nil` uses [min(0, values), max(1, values)].
public struct VoteBarsFigure: Sendable {
    public var labels: [String]
    public var values: [Double]
    public var title: String?
    public var range: ClosedRange<Double>?
    public var numberStyle: NumberStyle

    public init(labels: [String], values: [Double], title: String? = nil, range: ClosedRange<Double>? = nil,
                numberStyle: NumberStyle = .standard) {
        self.labels = labels; self.values = values; self.title = title; self.range = range; self.numberStyle = numberStyle
    }

    /// Where each bar's number comes from (empty when unknown), for the HTML page.
    public var sources: [TraceSource?] = []
    /// How each bar's number is worked out, for a bar without a source (e.g. a softmax share of
    /// the traced scores), for the HTML page.
    public var derived: [DerivedNumber?] = []
}

/// One layer of the pipeline: a name ("convolution") and the shape after it ("3@7×7").
public struct PipelineStage: Sendable {
    public var name: String
    public var shape: String
    public init(name: String, shape: String) { self.name = name; self.shape = shape }
}

/// The network as boxes left to right, with the shapes written as one line under them,
/// e.g. "9×9 → 3@7×7 → 3@4×4 → 12 → 2".
public struct PipelineFigure: Sendable {
    public var stages: [PipelineStage]
    public var title: String?
    public init(stages: [PipelineStage], title: String? = nil) { self.stages = stages; self.title = title }
}

/// One line of a `LinePlotFigure`. `x`: same length as `y`, or `nil` for 1, 2, 3, …
public struct Series: Sendable {
    public var name: String
    public var x: [Double]?
    public var y: [Double]
    public init(name: String, x: [Double]? = nil, y: [Double]) { self.name = name; self.x = x; self.y = y }

    /// Written beside a one-point series' point, e.g. its value ("0.0123"). A one-point series is a
    /// marked point: drawn as a large marker with no line, in the plot and in the legend.
    public var pointLabel: String?
}

/// Series on shared axes with ticks, tick labels, axis labels and a legend.
/// Each series has its own colour, dash and marker so the plot reads in grayscale.
///
/// - `yRange`: `nil` fits the data (and includes 0 when all values are ≥ 0).
public struct LinePlotFigure: Sendable {
    public var series: [Series]
    public var title: String?
    public var xLabel: String
    public var yLabel: String
    public var yRange: ClosedRange<Double>?
    public var width: Double
    public var height: Double

    public init(series: [Series], title: String? = nil, xLabel: String = "epoch", yLabel: String = "",
                yRange: ClosedRange<Double>? = nil, width: Double = 420, height: Double = 240) {
        self.series = series; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.yRange = yRange; self.width = width; self.height = height
    }
}

/// A labelled row of features for `FilterBankFigure`.
public struct FilterRow: Sendable {
    public var label: String
    public var features: [NamedGrid]
    public init(label: String, features: [NamedGrid]) { self.label = label; self.features = features }
}

/// Rows of features as small pixel grids, e.g. "hand-made" above "learned".
/// Learned features may hold any values: each feature is drawn with its own gray scale
/// (its largest |value| is white/black) and its numbers, so no information is hidden.
public struct FilterBankFigure: Sendable {
    public var rows: [FilterRow]
    public var title: String?
    public var showNumbers: Bool
    public var numberStyle: NumberStyle
    public var cellSize: Double

    public init(rows: [FilterRow], title: String? = nil, showNumbers: Bool = true, numberStyle: NumberStyle = .standard,
                cellSize: Double = 36) {
        self.rows = rows; self.title = title; self.showNumbers = showNumbers; self.numberStyle = numberStyle; self.cellSize = cellSize
    }
}

/// A paragraph wrapped to `width` points, written with Pango markup:
/// `<b>bold</b>`, `<i>italic</i>`, `<tt>code</tt>`, `<span foreground="#2166AC">…</span>`.
/// Escape `&`, `<` and `>` in plain text with `TextBlock.escape(_:)`.
public struct TextBlock: Sendable {
    public var markup: String
    public var width: Double
    public var fontSize: Double
    public var monospaced: Bool

    public init(markup: String, width: Double = 420, fontSize: Double = 11, monospaced: Bool = false) {
        self.markup = markup; self.width = width; self.fontSize = fontSize; self.monospaced = monospaced
    }

    /// Plain text made safe for markup.
    public static func escape(_ text: String) -> String {
        // One pass over the UTF-8 bytes (the three characters are ASCII, so no other character's
        // bytes can match); most texts have none of them and come back as they are.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) else {
            return text
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += "&amp;".utf8
            case UInt8(ascii: "<"): out += "&lt;".utf8
            case UInt8(ascii: ">"): out += "&gt;".utf8
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The traced numbers written in the markup, in order, for the HTML page to make buttons of.
    public var sources: [TextSource] = []
}

/// A spectrogram drawn as the article's "fake picture": time chunks across, frequency bands up,
/// each cell coloured by its loudness on a sequential scale (the "inferno" colours) that runs from
/// black through purple and orange to pale yellow, its lightness rising all the way, so it reads
/// in grayscale like the article's pixels: quiet is dark, loud is light.
///
/// - `grid`: `bands`×`steps`, row 0 the **highest** band (the top of the picture), column 0 the
///   earliest chunk, values in `range` (clamped).
/// - `bandEdges`: `grid.rows + 1` frequencies in Hz, ascending: band `b` (row `rows − 1 − b`)
///   spans `bandEdges[b]…bandEdges[b + 1]`. Bands may have any widths; each is drawn one cell
///   high, and the Hz ticks are placed by linear interpolation inside a band.
/// - `timeEdges`: `grid.cols + 1` times in seconds, ascending and evenly spaced.
public struct SpectrogramFigure: Sendable {
    public var grid: Grid
    public var bandEdges: [Double]
    public var timeEdges: [Double]
    public var title: String?
    /// The values drawn darkest and lightest.
    public var range: ClosedRange<Double>
    /// What the colour means, written under the colour bar; `nil` draws no colour bar.
    public var legend: String?
    /// Cell size in points.
    public var cellWidth: Double
    public var cellHeight: Double

    public init(grid: Grid, bandEdges: [Double], timeEdges: [Double], title: String? = nil, range: ClosedRange<Double> = -1...1,
                legend: String? = "loudness (log power)", cellWidth: Double = 10, cellHeight: Double = 8) {
        self.grid = grid; self.bandEdges = bandEdges; self.timeEdges = timeEdges; self.title = title
        self.range = range; self.legend = legend; self.cellWidth = cellWidth; self.cellHeight = cellHeight
    }
}

/// How a table column's cells are placed.
public enum TableAlignment: Sendable {
    case left, center, right
}

/// A table: a header row above rows of strings, with grid lines, the header bold on gray.
///
/// - `rows`: each row has `header.count` cells (short rows are padded with empty cells).
/// - `alignments`: one per column; `nil` puts the first column left and the rest right, for a
///   label followed by numbers.
/// - `bold`: cells (row, column, counted from 0 in `rows`) written in bold, e.g. the best result.
public struct TableFigure: Sendable {
    public var header: [String]
    public var rows: [[String]]
    public var title: String?
    public var alignments: [TableAlignment]?
    public var bold: Set<Cell>
    public var fontSize: Double

    public init(header: [String], rows: [[String]], title: String? = nil, alignments: [TableAlignment]? = nil,
                bold: Set<Cell> = [], fontSize: Double = 11) {
        self.header = header; self.rows = rows; self.title = title; self.alignments = alignments
        self.bold = bold; self.fontSize = fontSize
    }

    /// The numbers written in each cell (row and column counted from 0 in `rows`), in order, each
    /// with its trace source or its derivation, for the HTML page to make buttons of (a number in
    /// a cell may end before `%` or `–`: "62.5% (50.0–75.0)"). Other drawers ignore it.
    public var sources: [Cell: [TextSource]] = [:]
}
