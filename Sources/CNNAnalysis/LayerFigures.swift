import CNNCore
import CNNFigures

/// Figures for the layers that have no figure of their own (avgpool, global_avgpool, batchnorm,
/// sigmoid, tanh, leaky_relu, dropout, flatten, softmax, log_softmax): the traced output, as maps
/// for a `[C, H, W]` output, as bars for a short vector or a `[C, 1, 1]` one. Both drawers (Cairo
/// and the terminal) draw them as they draw every map and bar figure.
extension TraceFigures {
    /// The most values a vector output is drawn as bars with; a longer one is left out.
    static let maxBars = 32

    /// The output figure of layer `layer`, or nil when its output is too long a vector to draw.
    /// `labels` names a vector's values (the class names after the last layer); by default 0, 1, ….
    static func outputFigure(_ layer: LayerSpec, output y: TraceRecord, labels: [String]? = nil,
                             style: NumberStyle) throws(TraceFigureError) -> Figure? {
        let title = "\(layer.name) output (\(stageName(layer.kind))): \(ShapeText.figure(y.shape))"
        let isVector = y.shape.count == 1 || (y.shape.count == 3 && y.shape[1] == 1 && y.shape[2] == 1)
        if isVector {
            guard y.data.count <= maxBars else { return nil }
            let m = y.data.map(abs).filter(\.isFinite).max() ?? 0
            let range: ClosedRange<Double> = y.data.allSatisfy { $0 >= 0 } ? 0...max(m, 1e-300) : -max(m, 1e-300)...max(m, 1e-300)
            let names = labels?.count == y.data.count ? labels ?? [] : (0..<y.data.count).map(String.init)
            return .voteBars(VoteBarsFigure(labels: names, values: y.data, title: title, range: range,
                                            numberStyle: style))
        }
        return layerFigure(features: [], maps: try grids(y), title: title, style: style, width: figureWidth)
    }

    /// What the pipeline figure calls a layer: "convolution 3×3", "max pool 2×2", "leaky ReLU", ….
    static func stageName(_ kind: LayerKind) -> String {
        switch kind {
        case .conv(let c): return "convolution \(c.kernelH)×\(c.kernelW)"
        case .relu: return "ReLU"
        case .maxpool(let p): return "max pool \(p.size)×\(p.size)"
        case .dense: return "fully connected"
        case .avgpool(let p): return "average pool \(p.size)×\(p.size)"
        case .globalAvgpool: return "global average pool"
        case .leakyRelu: return "leaky ReLU"
        case .batchnorm(let b): return "batch norm (\(b.mode.rawValue))"
        case .dropout(let d): return "dropout (\(d.mode.rawValue))"
        case .logSoftmax: return "log-softmax"
        case .flatten, .sigmoid, .tanh, .softmax: return kind.typeName
        }
    }
}
