import CNNInputs
import CNNAnalysis
import CNNCore
import Foundation
import TestSupport
import Testing
@testable import CNNFiles

/// Seeded random mutations of valid files fed to every parser and validator. None may trap:
/// each mutation either loads or throws a described `FileError`. A file that ever crashes a parser
/// becomes a bad-input test of its own, with the message it must get.
@Suite struct FuzzTests {
    static let root = Fixtures.packageRoot

    /// Text fragments that tend to reach the edges of the parsers.
    static let tokens = ["0", "-1", "1e308", "-1e308", "1e999", "9223372036854775807", "9223372036854775808",
                         "-9223372036854775809", "3.5", "NaN", ".nan", ".inf", "null", "true", "\"\"", "[]", "{}",
                         "[[[[[[[[", "]]]]", "\"size\"", "\"type\": \"conv\"", "100000", "1000000000", "\u{0}", "\u{FEFF}",
                         "#", ".", "\n", "- ", ": ", "&a", "*a", "!!binary", "'", "\"\\u0000\"", "\"\\uD800\""]

    /// One random mutation: flip a byte, delete or duplicate a run, or insert a token.
    static func mutate(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var b = bytes
        for _ in 0..<(1 + rng.below(4)) {
            guard !b.isEmpty else { b = Array(tokens[rng.below(tokens.count)].utf8); continue }
            let at = rng.below(b.count)
            switch rng.below(6) {
            case 0: b[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1: b.removeSubrange(at..<min(b.count, at + 1 + rng.below(16)))
            case 2:
                let end = min(b.count, at + 1 + rng.below(32))
                b.insert(contentsOf: b[at..<end], at: at)
            case 3: b.insert(contentsOf: Array(tokens[rng.below(tokens.count)].utf8), at: at)
            case 4:
                // Replace a number with an extreme one.
                if let start = b[at...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) {
                    var end = start
                    while end < b.count && b[end] >= 0x30 && b[end] <= 0x39 { end += 1 }
                    b.replaceSubrange(start..<end, with: Array(tokens[rng.below(9)].utf8))
                }
            default: b = Array(b.prefix(at))
            }
        }
        return b
    }

    func read(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.root.appendingPathComponent(relative)))
    }

    /// Parses `bytes` as each kind of file; a thrown `FileError` is a fine answer, a trap is not.
    func exercise(_ bytes: [UInt8], model: ModelSpec) {
        if let doc = try? parseDocument(bytes, file: "fuzz.json") {
            if let spec = try? ModelFile.parse(doc, file: "fuzz.json") {
                _ = try? buildNetwork(model: spec, parameters: [:], weightsFile: "fuzz.json", seed: 1, initialization: .random)
            }
            if let params = try? WeightsFile.parse(doc, file: "fuzz.json") {
                _ = try? buildNetwork(model: model, parameters: params, weightsFile: "fuzz.json", seed: 1, initialization: .random)
            }
            if let trace = try? TraceFile.parse(doc, file: "fuzz.json") {
                _ = diffTraces(trace, trace)
                for r in trace.records.prefix(3) where !r.data.isEmpty {
                    _ = try? explain(trace: trace, query: "\(r.layer).\(r.role)[\(Array(repeating: "0", count: r.shape.count).joined(separator: ","))]", style: .full)
                }
            }
        }
        _ = try? InputFile.parse(bytes, file: "fuzz.txt", expecting: model.input)
    }

    @Test(arguments: ["lessons/models/xo.json", "lessons/models/xo.weights.json", "lessons/inputs/x.txt",
                      "lessons/inputs/slide_votes.json", "Tests/Fixtures/golden/xo_x.trace.json"])
    func mutationsNeverTrap(file: String) throws {
        let model = try ModelFile.load(Self.root.appendingPathComponent("lessons/models/xo.json").path)
        let original = try read(file)
        var rng = SeededGenerator(seed: 2026, stream: file)
        // The trace is large; fewer mutations of it keep the suite fast.
        let count = file.hasSuffix("trace.json") ? 300 : 600
        var loaded = 0, refused = 0
        for _ in 0..<count {
            let bytes = Self.mutate(original, &rng)
            exercise(bytes, model: model)
            if (try? parseDocument(bytes, file: "fuzz.json")) != nil { loaded += 1 } else { refused += 1 }
        }
        // Both outcomes occur, so the mutations reach past the first parser.
        #expect(loaded > 0 || file.hasSuffix(".txt"))
        #expect(refused > 0)
    }

    /// The binary readers: `.npz` (stored and deflated), `.safetensors`, and the `.npy` inside.
    @Test(arguments: ["Tests/Fixtures/weights/weights_f64.npz", "Tests/Fixtures/weights/weights_f32_compressed.npz",
                      "Tests/Fixtures/weights/weights_bf16.safetensors", "Tests/Fixtures/weights/weights_f32.safetensors",
                      "Tests/Fixtures/inputs/rgba.png", "Tests/Fixtures/inputs/x_u8.npy"])
    func binaryMutationsNeverTrap(file: String) throws {
        let original = try read(file)
        var rng = SeededGenerator(seed: 2026, stream: file)
        var loaded = 0
        let path = try tempFolder().appendingPathComponent("fuzz.npz")
        for _ in 0..<400 {
            let bytes = Self.mutate(original, &rng)
            try Data(bytes).write(to: path)
            if (try? NPZ.read(path.path)) != nil { loaded += 1 }
            if (try? SafeTensors.parse(bytes, file: "fuzz.safetensors")) != nil { loaded += 1 }
            _ = try? NPY.parse(bytes[...], file: "fuzz.npy")
            for c in [3, 4] where (try? InputFile.parse(bytes, file: "fuzz", expecting: [c, 4, 5])) != nil { loaded += 1 }
            _ = try? InputFile.parse(bytes, file: "fuzz.csv", expecting: [1, 4, 5])
            if bytes.count > 64 { _ = try? NPY.parse(bytes[64...], file: "fuzz.npy") }
        }
        #expect(loaded > 0)
    }

    /// YAML that the mutations rarely reach: aliases, deep nesting, huge numbers, absurd sizes.
    @Test(arguments: [
        "a: &x [*x]",
        String(repeating: "[", count: 10_000),
        String(repeating: "- ", count: 5_000) + "1",
        "input: [1, 100000, 100000]\nlayers: [{type: dense, units: 2}]",
        "input: [1, 9, 9]\nlayers: [{type: conv, filters: 1000000000, size: 3}]",
        "input: [1, 9, 9]\nlayers: [{type: conv, filters: 3, size: 9223372036854775807}]",
        "input: [1, 9, 9]\nlayers: [{type: maxpool, size: 2, stride: 1e300}]",
        "input: [9223372036854775807, 9223372036854775807, 2]\nlayers: [{type: relu}]",
        "input: [65536, 65536, 65536]\nlayers: [{type: relu}]",
        "{\"conv1.weight\": [[[[1e999]]]]}",
    ])
    func edgeDocumentsAreRefusedOrLoaded(text: String) throws {
        let model = try ModelFile.load(Self.root.appendingPathComponent("lessons/models/xo.json").path)
        exercise(Array(text.utf8), model: model)
        if let doc = try? parseDocument(Array(text.utf8), file: "edge.yaml"), text.contains("input") {
            #expect(throws: FileError.self) { try ModelFile.parse(doc, file: "edge.yaml") }
        }
    }
}
