import CNNAnalysis
import CNNCore
import CNNFigures

/// Figures for drawing tests, built from grids rather than a trace. Their numbers come from the
/// engine's own definitions (`ConvDerivation`, `PoolWindows`), as the lessons' figures do; the
/// pooled output and routed gradient are read off the engine's winners.
public enum SampleFigure {
    /// The article's convolution step: `feature` on `image` at (`row`, `col`), sum divided by the
    /// feature's size, no bias.
    public static func convolutionStep(image: Grid, feature: Grid, featureName: String = "feature", row: Int, col: Int,
                                       numberStyle: NumberStyle = .article, title: String? = nil) -> ConvolutionStepFigure {
        let spec = ConvSpec(filters: 1, kernelH: feature.rows, kernelW: feature.cols, bias: false, normalize: true)
        let d = spec.derivation(input: Tensor(shape: [1, image.rows, image.cols], data: image.values),
                                weight: Tensor(shape: [1, 1, feature.rows, feature.cols], data: feature.values), bias: nil,
                                filter: 0, row: row, col: col)
        return d.figure(image: image, kernelH: feature.rows, kernelW: feature.cols, featureName: featureName, value: d.value,
                        numberStyle: numberStyle, title: title)
    }

    /// Max pooling of `input` with the engine's windows (ceil mode by default, as the article's).
    public static func pooling(input: Grid, size: Int = 2, stride: Int = 2, ceil: Bool = true, title: String? = nil,
                               numberStyle: NumberStyle = .article) -> PoolingFigure {
        let windows = PoolWindows(size: size, stride: stride, ceil: ceil, height: input.rows, width: input.cols).cells(of: input)
        let output = Grid(rows: windowRows(windows), cols: windowCols(windows),
                          values: windows.map { input[$0.winner.row, $0.winner.col] }) ?? Grid([[]])
        return PoolingFigure(input: input, output: output, windows: windows, size: size, stride: stride, title: title, numberStyle: numberStyle)
    }

    /// Max pooling backward: `outputGradient` routed to the engine's winners of `input`.
    public static func poolingGradient(input: Grid, outputGradient: Grid, size: Int = 2, stride: Int = 2, ceil: Bool = true,
                                       title: String? = nil, numberStyle: NumberStyle = .standard) -> PoolingGradientFigure {
        let windows = PoolWindows(size: size, stride: stride, ceil: ceil, height: input.rows, width: input.cols).cells(of: input)
        var routed = Array(repeating: 0.0, count: input.rows * input.cols)
        for w in windows { routed[w.winner.row * input.cols + w.winner.col] += outputGradient[w.output.row, w.output.col] }
        return PoolingGradientFigure(input: input, outputGradient: outputGradient,
                                     inputGradient: Grid(rows: input.rows, cols: input.cols, values: routed) ?? input,
                                     windows: windows, size: size, stride: stride, title: title, numberStyle: numberStyle)
    }

    static func windowRows(_ w: [PoolWindowCells]) -> Int { (w.map(\.output.row).max() ?? -1) + 1 }
    static func windowCols(_ w: [PoolWindowCells]) -> Int { (w.map(\.output.col).max() ?? -1) + 1 }
}
