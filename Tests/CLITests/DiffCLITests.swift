import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import Foundation
import Testing

/// `diff` as someone checking their own code runs it: exit 0, 1 or 2; every differing array; the
/// float32 preset; `.npz` files; the explanation of the first disagreement.
@Suite struct DiffCLITests {
    /// The golden trace of the article's X, read with the project's reader.
    func reference() throws -> Trace { try TraceFile.load(packageRoot.appendingPathComponent(goldenTrace).path) }

    /// A student's backward pass for the last (dense) layer, with one deliberate bug: the weight
    /// gradient pairs each unit's gradient with the other unit (`1 − u` instead of `u`), a classic
    /// indexing slip. The loss gradient and the input gradient are right.
    func studentBackward(_ t: Trace) throws -> [TraceRecord] {
        let y = try #require(t.record("out", .output)).data
        let input = try #require(t.record("out", .input))
        let x = input.data
        let w = try #require(t.record("out", .weight)).data
        let target = try #require(t.target)
        // mse over the outputs, one-hot target: dL/dy = 2 (y − t) / n.
        let gy = y.indices.map { u in 2 * (y[u] - (u == target ? 1 : 0)) / Double(y.count) }
        let gx = x.indices.map { i in y.indices.reduce(0.0) { $0 + w[$1 * x.count + i] * gy[$1] } }
        let gw = y.indices.flatMap { u in x.map { gy[1 - u] * $0 } }   // the bug
        return [
            TraceRecord(pass: .backward, layer: "out", role: .gradOutput, shape: [y.count], data: gy),
            TraceRecord(pass: .backward, layer: "out", role: .gradInput, shape: input.shape, data: gx),
            TraceRecord(pass: .backward, layer: "out", role: .gradWeight, shape: [y.count, x.count], data: gw),
        ]
    }

    @Test func aWrongGradientIsNamedAndTheCorrectValueExplained() throws {
        let ref = try reference()
        let dir = try temporaryDirectory()
        let npz = dir.appendingPathComponent("mine.npz").path
        try NPZ.write(trace: Trace(model: ref.model, records: try studentBackward(ref)), to: npz)
        let r = try run(["diff", npz, goldenTrace, "--full"])
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("differ: 1 of 3 arrays compared"), "\(r.stdout)")
        #expect(r.stdout.contains("  backward out.grad_weight: "), "\(r.stdout)")
        #expect(!r.stdout.contains("  backward out.grad_input: "), "\(r.stdout)")
        // The explanation of the reference's number at the worst element, with its value.
        let correct = try #require(ref.record("out", .gradWeight))
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("first disagreement in pass order: backward out.grad_weight[") })
        let query = String(line.dropFirst("first disagreement in pass order: backward ".count))
        let inner = query.dropFirst("out.grad_weight[".count).dropLast()
        let index = inner.split(separator: ",").compactMap { Int($0) }
        let value = correct.data[correct.tensor.offset(index)]
        #expect(r.stdout.contains("how \(goldenTrace) computes it:\n\(query) = \(formatNumber(value, .full))"), "\(r.stdout)")
        #expect(r.stdout.contains("grad_weight[u,i] = grad_output[u] · input[i]"), "\(r.stdout)")
    }

    @Test func exitStatusIsZeroOneOrTwo() throws {
        let dir = try temporaryDirectory()
        let ref = try reference()
        let same = dir.appendingPathComponent("same.npz").path
        try NPZ.write(trace: ref, to: same)
        #expect(try run(["diff", same, goldenTrace]).status == 0)
        var changed = ref
        changed.records[0].data[0] += 1
        let other = dir.appendingPathComponent("other.json").path
        try TraceFile.write(changed, to: other)
        let differ = try run(["diff", other, goldenTrace])
        #expect(differ.status == 1, "\(differ.stderr)")
        #expect(differ.stderr.isEmpty)
        let missing = try run(["diff", dir.appendingPathComponent("nope.json").path, goldenTrace])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.json: no such file"), "\(missing.stderr)")
        let notTrace = try run(["diff", xoModel, goldenTrace])
        #expect(notTrace.status == 2)
        #expect(try run(["diff", goldenTrace]).status == 2)
        #expect(try run(["diff", goldenTrace, goldenTrace, "--rtol", "-1"]).status == 2)
    }

    /// float32 numbers fail the float64 defaults with a hint, and pass with --float32.
    @Test func float32PresetAndHint() throws {
        var f = try reference()
        for k in f.records.indices { f.records[k].data = f.records[k].data.map { Double(Float($0)) } }
        let path = try temporaryDirectory().appendingPathComponent("f32.json").path
        try TraceFile.write(f, to: path)
        let strict = try run(["diff", path, goldenTrace])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("compare with --float32"), "\(strict.stdout)")
        let loose = try run(["diff", path, goldenTrace, "--float32"])
        #expect(loose.status == 0, "\(loose.stdout)")
        #expect(loose.stdout.contains("within rtol 1e-05, atol 1e-05"), "\(loose.stdout)")
    }
}

/// The NumPy example of docs/formats.md runs as printed and agrees with the golden trace.
@Suite struct DiffDocsExampleTests {
    static var numpyAvailable: Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import numpy"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    @Test func docsShowTheExampleFileVerbatim() throws {
        let example = try String(contentsOf: packageRoot.appendingPathComponent("docs/examples/numpy_diff.py"), encoding: .utf8)
        let docs = try String(contentsOf: packageRoot.appendingPathComponent("docs/formats.md"), encoding: .utf8)
        #expect(docs.contains("```python\n" + example + "```"))
        #expect(example.split(separator: "\n").count == 10)
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with numpy")) func numpyExampleAgrees() throws {
        let dir = try temporaryDirectory()
        for sub in ["lessons/models", "lessons/inputs"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for file in ["lessons/models/xo.weights.json", "lessons/inputs/x.txt", "docs/examples/numpy_diff.py"] {
            let to = dir.appendingPathComponent(file.hasPrefix("docs") ? "example.py" : file)
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent(file), to: to)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "example.py"]
        p.currentDirectoryURL = dir
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let r = try run(["diff", dir.appendingPathComponent("mine.npz").path, goldenTrace])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.hasPrefix("agree: 3 arrays (296 numbers)"), "\(r.stdout)")
    }
}
