// Where a number drawn in a figure comes from, so the HTML page can make it a button that opens
// the number's derivation. Set by the code that builds figures from traces (CNNAnalysis,
// CNNLessons); only the HTML drawer reads it (Cairo and the terminal ignore it).

/// Element `index` (flat, row-major) of the record `key` (`layer.role`, e.g. `conv1.output`) in
/// the trace named `trace` (a lesson input's name, e.g. `X`).
public struct TraceSource: Sendable, Hashable, Codable {
    public var trace: String
    public var key: String
    public var index: Int

    public init(trace: String, key: String, index: Int) { self.trace = trace; self.key = key; self.index = index }

    /// One source per element of `count` consecutive elements of `key` from flat index `start`,
    /// e.g. channel `c` of a `[C, H, W]` record: `start = c·H·W`, `count = H·W`.
    public static func run(trace: String, key: String, start: Int = 0, count: Int) -> [TraceSource?] {
        (0..<max(0, count)).map { TraceSource(trace: trace, key: key, index: start + $0) }
    }
}

/// A number written in a `TextBlock`: the exact `text` it is written as (e.g. "0.2222", "−1.00")
/// and where it comes from, or `nil` for a number worked out in the table itself (a difference, a
/// product). A block lists every number of its table lines in the order they appear in its markup,
/// so each is matched to its own place (a number stands alone: between spaces, `(`, `=`, `:` and
/// `,`, `;`, `)`).
public struct TextSource: Sendable, Hashable {
    public var text: String
    public var source: TraceSource?
    /// The value written (for the page's self-test to compare with the trace), when it has a source.
    public var value: Double?
    /// How a number worked out in the table is derived (for a number without a trace source).
    public var derived: DerivedNumber?

    public init(_ text: String, _ source: TraceSource?, value: Double? = nil) {
        self.text = text; self.source = source; self.value = value
    }

    /// A number worked out in the table, written `text`, derived as `derived` says.
    public init(_ text: String, derived: DerivedNumber) {
        self.text = text; self.source = nil; self.value = derived.value; self.derived = derived
    }
}

extension Figure {
    /// Every trace source in the figure, in drawing order (for the page to embed the records they name).
    public var traceSources: [TraceSource] {
        switch self {
        case .image(let f): return f.sources.compactMap { $0 }
        case .feature(let f): return f.sources.compactMap { $0 }
        case .featureMap(let f): return f.sources.compactMap { $0 }
        case .convolutionStep(let f): return (f.featureSources + f.patchSources + [f.valueSource]).compactMap { $0 }
        case .layer(let f): return (f.featureSources.flatMap { $0 } + f.mapSources.flatMap { $0 }).compactMap { $0 }
        case .relu(let f): return (f.beforeSources + f.afterSources).compactMap { $0 }
        case .pooling(let f): return (f.inputSources + f.outputSources).compactMap { $0 }
        case .poolingGradient(let f): return (f.inputSources + f.outputGradientSources + f.inputGradientSources).compactMap { $0 }
        case .votes(let f): return (f.inputSources + f.outputSources).compactMap { $0 }
        case .slidingWindow(let f): return f.outputSources.compactMap { $0 }
        case .voteBars(let f): return f.sources.compactMap { $0 }
        case .filterBank(let f): return f.rows.flatMap { $0.features.flatMap(\.sources) }.compactMap { $0 }
        case .text(let t): return t.sources.compactMap(\.source)
        case .row(let parts, _), .column(let parts, _): return parts.flatMap(\.traceSources)
        case .table(let t): return t.sources.keys.sorted { ($0.row, $0.col) < ($1.row, $1.col) }.flatMap { t.sources[$0] ?? [] }.compactMap(\.source)
        case .pipeline, .linePlot, .errorCurve, .spectrogram, .worksheetGrid: return []
        }
    }
}
