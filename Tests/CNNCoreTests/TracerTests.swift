@testable import CNNCore
import Testing

/// The tracer's storage: names kept in a table across resets, shapes inline or in the long-shape
/// table, records rebuilt exactly as logged.
struct TracerTests {
    @Test func recordsComeBackAsLogged() {
        let tracer = Tracer()
        let long = [2, 1, 3, 1, 1, 2]  // six dimensions: past the inline ones
        let values = (0..<12).map { Double($0) - 5.5 }
        for round in 0..<3 {
            tracer.reset()
            // The names in a different order each round, one of them new in round 1.
            let names = round == 1 ? ["b", "new", "a"] : ["a", "b", "c"]
            values.withUnsafeBufferPointer { v in
                tracer.record(.forward, names[0], .input, shape: [3, 4], data: v)
                tracer.record(.forward, names[1], .output, batch: 2, shape: [1, 2, 3], data: v)
                tracer.record(.forward, names[2], .weight, shape: long, data: v)
                tracer.record(.backward, names[1], .gradOutput, batch: 2, shape: [2, 1, 1, 3], sameAs: 1)
                tracer.record(.backward, names[0], .gradInput, batch: 3, shape: [4], data: UnsafeBufferPointer(rebasing: v[0..<12]))
            }
            tracer.record(.forward, "loss", .output, scalar: -0.0)
            let expected = [
                TraceRecord(pass: .forward, layer: names[0], role: .input, shape: [3, 4], data: values),
                TraceRecord(pass: .forward, layer: names[1], role: .output, shape: [2, 1, 2, 3], data: values),
                TraceRecord(pass: .forward, layer: names[2], role: .weight, shape: long, data: values),
                TraceRecord(pass: .backward, layer: names[1], role: .gradOutput, shape: [2, 2, 1, 1, 3], data: values),
                TraceRecord(pass: .backward, layer: names[0], role: .gradInput, shape: [3, 4], data: values),
                TraceRecord(pass: .forward, layer: "loss", role: .output, shape: [], data: [-0.0]),
            ]
            #expect(tracer.records == expected, "round \(round)")
            #expect(tracer.records.last?.data.first?.sign == .minus)
        }
    }

    /// A batch of one drops the batch dimension; a shape of six dimensions with a batch goes to
    /// the long-shape table.
    @Test func batchDimensionIsAddedOnlyForABatch() {
        let tracer = Tracer()
        let v = [Double](repeating: 1, count: 64)
        v.withUnsafeBufferPointer { p in
            tracer.record(.forward, "x", .output, batch: 1, shape: [2, 2], data: UnsafeBufferPointer(rebasing: p[0..<4]))
            tracer.record(.forward, "x", .output, batch: 2, shape: [2, 2, 2, 2, 2], data: p)
        }
        #expect(tracer.records.map(\.shape) == [[2, 2], [2, 2, 2, 2, 2, 2]])
    }

    /// Layers bound by index: the names of the array last bound, after a reset too, and a second
    /// network's names beside the first's within one trace.
    @Test func boundLayersNameTheirRecords() {
        let tracer = Tracer()
        let v: [Double] = [1, 2]
        for round in 0..<2 {
            tracer.reset()
            tracer.bind(["conv1", "relu1"])
            tracer.record(.forward, BoundLayer(index: 1), .output, shape: [2], data: v)
            tracer.record(.forward, "loss", .output, scalar: 3)
            tracer.bind(["a", "b", "c"])
            tracer.record(.backward, BoundLayer(index: 2), .gradInput, batch: 2, shape: [1], sameAs: 0)
            tracer.record(.forward, BoundLayer(index: 0), .weight, shape: [1, 2], data: v)
            #expect(tracer.records.map(\.key) == ["relu1.output", "loss.output", "c.grad_input", "a.weight"], "round \(round)")
            #expect(tracer.records[2].shape == [2, 1])
        }
    }
}
