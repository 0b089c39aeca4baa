import CNNKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Preallocated memory for forward and backward passes of one network at one batch size.
///
/// Every array a pass needs is allocated once here, so passes and SGD steps allocate nothing.
/// Activations and gradients for a batch are stored `[N, …]`, sample after sample.
/// A workspace is not `Sendable`: keep it inside one task.
public final class Workspace {
    /// The number of samples per pass, N.
    public let batch: Int
    /// `activations[0]` is the input; `activations[i + 1]` is the output of layer `i`.
    let activations: [UnsafeMutablePointer<Double>]
    /// `gradients[i]` is `∂L/∂activations[i]`.
    let gradients: [UnsafeMutablePointer<Double>]
    /// `∂L/∂parameters[i]`, in the network's parameter order.
    let parameterGradients: [UnsafeMutablePointer<Double>]
    let parameterCounts: [Int]
    /// Winners of each max-pooling layer (a one-element placeholder for other layers).
    let argmax: [UnsafeMutablePointer<Int32>]
    /// Each conv layer's im2col columns for the whole batch when it keeps them
    /// (`ConvGeometry.keepsColumns`; a one-element placeholder for other layers).
    let columns: [UnsafeMutablePointer<Double>]
    /// Each layer's state (a one-element placeholder for most): batchnorm's statistics
    /// (see `BatchNormGeometry`), dropout's mask for the whole batch.
    let state: [UnsafeMutablePointer<Double>]
    /// Scratch for the passes of conv layers, one set per part (`ConvPlan.maxParts`).
    let convScratch: [ConvScratch]
    /// `g / n` of a normalizing conv layer's output gradient for the whole batch.
    let scaled: UnsafeMutablePointer<Double>
    /// A transposed weight matrix, sized for the largest conv layer.
    let packed: UnsafeMutablePointer<Double>
    /// `units × N` numbers for a dense layer's transposed output gradient.
    let denseScratch: UnsafeMutablePointer<Double>
    /// A conv layer's weights (or their transpose) packed for the matrix products (`cnn_pack_a`).
    let packedWeights: UnsafeMutablePointer<Double>
    /// Scratch of the Winograd passes of wide conv layers (`ConvWinograd.swift`).
    let winograd: WinogradBuffers
    let sizes: [Int]
    /// The class index of each sample, set by `Network.loss`.
    public internal(set) var targets: [Int]
    /// The loss of the last `Network.loss` call.
    public internal(set) var loss: Double = .nan

    /// Bytes this workspace allocated (its arrays, counted as they are allocated).
    public let allocatedBytes: Int

    /// Allocates a workspace for `network` and `batch` samples (batch ≥ 1).
    public init(network: Network, batch: Int = 1) {
        precondition(batch >= 1)
        self.batch = batch
        let plan = WorkspaceSizes(kernels: network.kernels, sizes: network.shapes.map { $0.reduce(1, *) }, batch: batch)
        var counter = ByteCounter()
        sizes = plan.sizes
        activations = sizes.map { counter.allocate(batch * $0) }
        gradients = sizes.map { counter.allocate(batch * $0) }
        parameterCounts = network.parameters.map { $0.tensor.count }
        parameterGradients = parameterCounts.map { counter.allocate($0) }
        argmax = plan.winners.map { counter.allocate($0) }
        columns = plan.columns.map { counter.allocate($0) }
        state = plan.state.map { counter.allocate($0) }
        convScratch = (0..<ConvPlan.maxParts).map { _ in
            ConvScratch(col: counter.allocate(plan.colSize), colGrad: counter.allocate(plan.colSize),
                        gradW: counter.allocate(plan.weightSize))
        }
        scaled = counter.allocate(plan.scaledSize)
        packed = counter.allocate(plan.weightSize)
        packedWeights = counter.allocate(plan.packedSize)
        denseScratch = counter.allocate(plan.denseSize)
        let wino = plan.winograd
        winograd = WinogradBuffers(parts: (0..<WinogradPlan.maxParts).map { _ in
            WinogradScratch(tiles: counter.allocate(wino.tiles), products: counter.allocate(wino.products),
                            kernels: counter.allocate(wino.kernels))
        }, packed: counter.allocate(wino.packed))
        allocatedBytes = counter.bytes
        targets = Array(repeating: 0, count: batch)
        drawMasks(network, round: 0)
    }

    /// Draws every dropout layer's mask for the whole batch from the network's seed: round 0 from
    /// the stream `NAME.mask` (what `trace` uses), round `r > 0` from `NAME.mask.r` (a new mask for
    /// each training step). Sample `n`'s mask does not depend on the batch size.
    public func drawMasks(_ network: Network, round: Int) {
        for (i, kernel) in network.kernels.enumerated() {
            guard case .dropout(let count, let p) = kernel else { continue }
            let stream = round == 0 ? "\(network.layerNames[i]).mask" : "\(network.layerNames[i]).mask.\(round)"
            var rng = SeededGenerator(seed: network.seed, stream: stream)
            DropoutKernel.draw(count: batch * count, p: p, &rng, into: state[i])
        }
    }

    /// Replaces the dropout masks of the layers named in `masks` (each the whole batch's values;
    /// a mask of another size is left as drawn).
    public func setMasks(_ network: Network, _ masks: [String: [Double]]) {
        for (i, kernel) in network.kernels.enumerated() {
            guard case .dropout(let count, _) = kernel, let m = masks[network.layerNames[i]], m.count == batch * count else { continue }
            for k in 0..<m.count { state[i][k] = m[k] }
        }
    }

    deinit {
        let arrays = [activations, gradients, parameterGradients, state, columns].joined()
        for p in arrays { free(p) }
        for p in argmax { free(p) }
        for sc in convScratch { free(sc.col); free(sc.colGrad); free(sc.gradW) }
        for p in [scaled, packed, packedWeights, denseScratch, winograd.packed] { free(p) }
        for sc in winograd.parts { free(sc.tiles); free(sc.products); free(sc.kernels) }
    }


    /// Copies one sample (`[C, H, W]` row-major, `network.shapes[0]`) into the input at `sample`.
    public func setInput(_ values: [Double], sample: Int = 0) {
        precondition(values.count == sizes[0] && sample >= 0 && sample < batch, "input size mismatch")
        values.withUnsafeBufferPointer { setInput($0, sample: sample) }
    }

    /// Copies one sample into the input at `sample` from a buffer holding at least `sizes[0]` values.
    public func setInput(_ values: UnsafeBufferPointer<Double>, sample: Int) {
        precondition(values.count >= sizes[0] && sample >= 0 && sample < batch, "input size mismatch")
        if let base = values.baseAddress { (activations[0] + sample * sizes[0]).update(from: base, count: sizes[0]) }
    }

    /// The network's output for `sample` after `Network.forward`.
    public func output(sample: Int = 0) -> [Double] {
        let n = sizes[sizes.count - 1]
        return Array(UnsafeBufferPointer(start: activations[activations.count - 1] + sample * n, count: n))
    }

    /// Activation `i` (0 = input, `i + 1` = output of layer `i`) for the whole batch.
    public func activation(_ i: Int) -> [Double] {
        Array(UnsafeBufferPointer(start: activations[i], count: batch * sizes[i]))
    }

    /// `∂L/∂activation i` for the whole batch, after `Network.backward`.
    public func gradient(_ i: Int) -> [Double] {
        Array(UnsafeBufferPointer(start: gradients[i], count: batch * sizes[i]))
    }

    /// `∂L/∂parameters[i]` after `Network.backward`.
    public func parameterGradient(_ i: Int) -> [Double] {
        Array(UnsafeBufferPointer(start: parameterGradients[i], count: parameterCounts[i]))
    }
}

/// The numbers a workspace allocates for a network's layers at one batch size, worked out from
/// the layers' kernels alone, so `ModelCost` can count them before anything is allocated.
struct WorkspaceSizes {
    /// Values per sample of each activation (the input first).
    let sizes: [Int]
    /// Per layer: kept im2col columns for the batch (`ConvGeometry.keepsColumns`), pooling winners, state.
    var columns: [Int] = [], winners: [Int] = [], state: [Int] = []
    /// One conv part's column buffer (`ConvGeometry.scratchSize`), the largest conv weight
    /// matrix, `g / n` for the batch, packed weights, a dense layer's `units × N`.
    var colSize = 1, weightSize = 1, scaledSize = 1, packedSize = 1, denseSize = 1
    /// The Winograd passes' scratch (`WinogradSizes`).
    var winograd = WinogradSizes()

    init(kernels: [LayerKernel], sizes: [Int], batch: Int) {
        self.sizes = sizes
        for (i, kernel) in kernels.enumerated() {
            var winners = 1, columnCount = 1
            switch kernel {
            case .conv(let g, _, _):
                if g.keepsColumns(batch: batch) { columnCount = batch * g.k * g.positions }
                colSize = max(colSize, g.scratchSize)
                if g.normalize { scaledSize = max(scaledSize, batch * g.outputSize) }
                weightSize = max(weightSize, g.k * g.filters)
                packedSize = max(packedSize, cnn_packed_a_size(g.filters, g.k), cnn_packed_a_size(g.k, g.filters))
                winograd.include(g, batch: batch)
            case .pool: winners = batch * sizes[i + 1]
            case .dense(let g, _, _): denseSize = max(denseSize, g.units * batch)
            default: break
            }
            winners = max(winners, 1)
            self.winners.append(winners)
            columns.append(columnCount)
            state.append(max(kernel.stateSize(batch: batch), 1))
        }
    }

    /// Every byte a workspace with `parameters` parameters allocates at `batch`: the arrays above,
    /// activations and their gradients, parameter gradients, one set of conv scratch per part.
    func bytes(batch: Int, parameters: Int) -> Int {
        let doubles = 2 * sizes.reduce(0) { $0 + max(batch * $1, 1) } + parameters + columns.reduce(0, +) + state.reduce(0, +)
            + ConvPlan.maxParts * (2 * colSize + weightSize) + scaledSize + weightSize + packedSize + denseSize + winograd.count
        return 8 * doubles + 4 * winners.reduce(0, +)
    }
}

/// Allocates zeroed arrays (released with `free`) and adds up their bytes.
///
/// `calloc` gives a large array as fresh pages, which are zero already: the pages a network
/// never touches (most of the conv scratch, sized for the largest blocks, on a small network)
/// are never faulted in or cleared.
private struct ByteCounter {
    var bytes = 0

    /// `max(n, 1)` zeroed values of the type asked for (`Double`, or `Int32` for pooling winners).
    mutating func allocate<T>(_ n: Int) -> UnsafeMutablePointer<T> {
        let count = max(n, 1)
        guard let raw = calloc(count, MemoryLayout<T>.stride) else {
            preconditionFailure("out of memory for a workspace array of \(count) values")
        }
        bytes += MemoryLayout<T>.stride * count
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
