// Figure sizes measured once and shared by the threads that draw a document's files.

import CNNFigures
import Foundation

/// The natural sizes (points, without padding) of a list of figures, each measured once on a
/// recording surface and then shared: by the PDF's layout (`LayoutCache(sharing:)`) and by each
/// figure's own file (`renderData(_:format:scale:sizes:index:)`), on any thread.
///
/// A size is the same whichever thread measures it first (every measurement draws the figure
/// on a fresh recording surface with the same font options), so the files' bytes do not depend
/// on how the threads are timed. Two threads may both measure a figure that neither has stored
/// yet; the first value stored is kept, and both are equal.
public final class FigureSizes: @unchecked Sendable {
    private let lock = NSLock()
    private var sizes: [Int: Size] = [:]
    private var measured = 0

    /// No size yet; figures are known by their index (0, 1, 2…), whatever their number.
    public init() {}

    /// How many measurements were stored (including a second one of a figure measured twice), for tests.
    public var measurements: Int { lock.withLock { measured } }

    /// The size stored for figure `index`, if it was measured already.
    func stored(_ index: Int) -> Size? {
        lock.withLock { sizes[index] }
    }

    /// Keeps `size` for figure `index` unless one is stored already; returns the one kept.
    @discardableResult
    func store(_ size: Size, at index: Int) -> Size {
        lock.withLock {
            measured += 1
            if let kept = sizes[index] { return kept }
            sizes[index] = size
            return size
        }
    }

    /// The size of `figure`, the `index`-th: the stored one, or measured now and stored.
    func size(of figure: Figure, index: Int) throws -> Size {
        if let s = stored(index) { return s }
        return store(try CNNRender.measure(figure), at: index)
    }

    /// Measures the figures of `figures` (given with their indices) that are not stored yet, in order.
    public func measureAll(_ figures: [(index: Int, figure: Figure)]) throws {
        for (index, figure) in figures { _ = try size(of: figure, index: index) }
    }
}

/// The bytes of `figure` in `format`, as `renderData(_:format:scale:)` gives them, with its size
/// taken from `sizes` (the `index`-th figure there; measured and stored if it is not there yet),
/// so that a figure measured for a document is not measured again for its own file.
public func renderData(_ figure: Figure, format: OutputFormat, scale: Double = 2,
                       sizes: FigureSizes, index: Int) throws -> [UInt8] {
    try renderData(figure, format: format, scale: scale, size: try sizes.size(of: figure, index: index))
}

/// Loads what the first text drawn would otherwise wait for: fontconfig's configuration and
/// caches, and the faces and sizes the figures and paragraphs use (kept by Cairo and fontconfig
/// for every thread). Draws nothing anywhere; any error is ignored (the drawing reports it).
public func prepareFonts() {
    guard let surface = try? CairoSurface.recording(), let context = try? CairoContext(surface: surface) else { return }
    let painter = Painter(context: context)
    for bold in [false, true] {
        for size in [9.5, 11.0, 13.0] { _ = painter.textWidth("0.1234 ReLU", FontStyle(size: size, bold: bold)) }
    }
    _ = painter.shapeParagraph("<b>a</b> <i>b</i> 0.5", width: 400, FontStyle(size: 11))
}
