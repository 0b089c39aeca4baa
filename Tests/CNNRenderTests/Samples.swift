import CNNFigures
@testable import CNNRender
import TestSupport

/// The article's data (Brandon Rohrer, "How do CNNs work?"), read from `Tests/Fixtures/xo_article.json`.
enum Article {
    // A fixture that cannot be read fails every test that draws it, loudly.
    // swiftlint:disable:next force_try
    static let fixture = try! ArticleFixture()
    static let x = try! fixture.image("X")
    static let xDeformed = try! fixture.image("X_deformed")
    static let diagonalDown = try! fixture.feature("diagonal_down")
    static let cross = try! fixture.feature("cross")
    static let diagonalUp = try! fixture.feature("diagonal_up")
    static let features = [NamedGrid(name: "diagonal down", grid: diagonalDown),
                           NamedGrid(name: "cross", grid: cross),
                           NamedGrid(name: "diagonal up", grid: diagonalUp)]

    /// The article's feature maps of X: its sums over each patch, divided by 9.
    static var maps: [Grid] {
        ["diagonal_down", "cross", "diagonal_up"].map { name in
            let sums = try! fixture.grid("X_conv_sums_over_9", name)
            return Grid(rows: sums.rows, cols: sums.cols, values: sums.values.map { $0 / 9 })!
        }
    }
    static let votes = try! fixture.numbers("votes", "values")

    static var differing: Set<Cell> {
        var cells = Set<Cell>()
        for r in 0..<9 { for c in 0..<9 where x[r, c] != xDeformed[r, c] { cells.insert(Cell(row: r, col: c)) } }
        return cells
    }

    /// One of every figure type, with names for files.
    static var gallery: [(String, Figure)] {
        let maps = self.maps
        let xWeights = (1...12).map { [1, 4, 5, 10, 11].contains($0) ? 1.0 : ($0 % 3 == 0 ? -0.4 : 0.15) }
        let oWeights = (1...12).map { [2, 3, 9, 12].contains($0) ? 1.0 : ($0 % 4 == 0 ? -0.6 : 0.1) }
        let pooledCross = try! fixture.grid("X_pooled_4x4", "cross")
        let outGrad = Grid(rows: 4, cols: 4, values: (0..<16).map { Double($0 % 5 - 2) * 0.1 })!
        return [
            ("image", .image(ImageFigure(grid: xDeformed, title: "A deformed X: 16 pixels differ", highlighted: differing))),
            ("image-numbers", .image(ImageFigure(grid: x, title: "X as numbers", showNumbers: true))),
            ("feature", .feature(FeatureFigure(grid: diagonalDown, name: "diagonal down"))),
            ("convolution-step", .convolutionStep(SampleFigure.convolutionStep(image: x, feature: diagonalDown, featureName: "diagonal down",
                                                                         row: 3, col: 2, title: "Convolution: one step"))),
            ("feature-map", .featureMap(FeatureMapFigure(map: maps[1], title: "Feature map: cross", numberStyle: .article))),
            ("layer", .layer(LayerFigure(features: features, maps: maps, title: "Convolution layer"))),
            ("relu", .relu(ReLUFigure(before: maps[0], title: "ReLU: negatives become 0"))),
            ("pooling", .pooling(SampleFigure.pooling(input: maps[0], title: "Max pooling"))),
            ("pooling-4x4", .pooling(SampleFigure.pooling(input: pooledCross, title: "Pooling again"))),
            ("pooling-gradient", .poolingGradient(SampleFigure.poolingGradient(input: maps[0], outputGradient: outGrad,
                                                                         title: "Backward through max pooling"))),
            ("gradient-map", .featureMap(FeatureMapFigure(map: Grid(rows: 3, cols: 3, values: [0.012, -0.034, 0.002, -0.0004, 0.02, -0.01, 0, 0.005, -0.02])!,
                                                           title: "Gradient of the error for the feature", numberStyle: .rounded(3)))),
            ("votes", .votes(VotesFigure(inputs: votes, outputLabels: ["X", "O"], weights: [xWeights, oWeights],
                                         outputValues: [0.92, 0.51], title: "Votes"))),
            ("vote-bars", .voteBars(VoteBarsFigure(labels: ["X", "O"], values: [0.92, 0.51], title: "Votes for each answer"))),
            ("pipeline", .pipeline(PipelineFigure(stages: [
                PipelineStage(name: "image", shape: "9×9"), PipelineStage(name: "convolution", shape: "3@7×7"),
                PipelineStage(name: "ReLU", shape: "3@7×7"), PipelineStage(name: "max pool", shape: "3@4×4"),
                PipelineStage(name: "max pool", shape: "3@2×2"), PipelineStage(name: "flatten", shape: "12"),
                PipelineStage(name: "votes", shape: "2"),
            ], title: "The network"))),
            ("line-plot", .linePlot(LinePlotFigure(series: [
                Series(name: "loss", y: [0.9, 0.7, 0.52, 0.4, 0.33, 0.27, 0.22, 0.2, 0.18, 0.17]),
                Series(name: "accuracy", y: [0.5, 0.55, 0.7, 0.75, 0.85, 0.9, 0.95, 1, 1, 1]),
            ], title: "Training", xLabel: "epoch", yLabel: "value"))),
            ("filter-bank", .filterBank(FilterBankFigure(rows: [
                FilterRow(label: "hand-made", features: features),
                FilterRow(label: "learned", features: features.map { f in
                    NamedGrid(name: "learned " + f.name, grid: Grid(rows: 3, cols: 3, values: f.grid.values.enumerated().map { $1 * (0.3 + 0.07 * Double($0)) })!)
                }),
            ], title: "Features: hand-made and learned"))),
            ("text", .text(TextBlock(markup: "A <b>feature map</b> shows how well the feature matches each patch. "
                                     + "Values near <i>1</i> are strong matches; values near <tt>−1</tt> are strong mismatches.",
                                     width: 300))),
        ]
    }
}
