import Foundation
import Testing

/// Work too big for the memory and work budget is refused before it starts, with one line
/// naming the estimate and the limit, and no output written. (How fast a refusal is gets
/// measured, not asserted: tests hold no timings.) The tests write small files that describe
/// big work; nothing here allocates more than the 63 MiB file of the last case.
@Suite struct BudgetCLITests {
    func model(_ input: [Int], _ layers: [String]) -> String {
        #"{"input": \#(input), "layers": [\#(layers.joined(separator: ", "))]}"#
    }

    func grid(_ side: Int) -> String { String(repeating: String(repeating: ".", count: side) + "\n", count: side) }

    func expectRefusedQuickly(_ args: [String], _ message: String, environment: [String: String] = [:],
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try run(args, environment: environment)
        #expect(r.status == 1, "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "'\(message)' missing from \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func bigModelsAreRefusedBeforeTheyStart() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("t.json").path
        let dense = (0..<60).map { #"{"name": "d\#($0)", "type": "dense", "units": 4096}"# }
        let billion = try write(model([1, 64, 64], dense), "billion.json", in: dir)
        let x64 = try write(grid(64), "x64.txt", in: dir)
        try expectRefusedQuickly(["trace", "--model", billion, "--input", x64, "--out", out], "over the limit of 2.0 GiB")
        let deep = try write(model([1, 4096, 4096], (0..<1000).map { #"{"name": "r\#($0)", "type": "relu"}"# }), "deep.json", in: dir)
        let x4096 = try write(grid(4096), "x4096.txt", in: dir)
        try expectRefusedQuickly(["trace", "--model", deep, "--input", x4096, "--out", out], "1000 layers")
        let wide = try write(model([1, 4096, 4096], [#"{"type": "maxpool", "size": 64, "stride": 64}"#, #"{"type": "dense", "units": 2}"#]), "wide.json", in: dir)
        try expectRefusedQuickly(["train", "--model", wide], "over the limit of 2.0 GiB")
        try expectRefusedQuickly(["data", "xo", "--count", "1000000", "--size", "256", "--out", dir.appendingPathComponent("d").path],
                                 "1000000 images of 256×256")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("d").path))
        let gc = try write(model([1, 64, 64], [#"{"type": "dense", "units": 4096}"#]), "gc.json", in: dir)
        try expectRefusedQuickly(["gradcheck", "--model", gc, "--input", x64], "multiply-adds")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func renderOfABigTraceIsRefusedBeforeItsRecordsAreRead() throws {
        let dir = try temporaryDirectory()
        let m = try write(model([1, 1000, 1000], [#"{"name": "r", "type": "relu"}"#]), "m.json", in: dir)
        let x = try write(grid(1000), "x.txt", in: dir)
        let trace = dir.appendingPathComponent("t.json").path
        #expect(try run(["trace", "--model", m, "--input", x, "--init", "random", "--out", trace]).status == 0)
        try expectRefusedQuickly(["render", trace, "--out", dir.appendingPathComponent("f").path], "a figure of 1000000 cells")
    }

    @Test func theLimitsCanBeRaisedOrLowered() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("t.json").path
        let args = ["trace", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--out", out]
        try expectRefusedQuickly(args + ["--memory-limit", "0.000001"], "over the limit of 1074 bytes")
        try expectRefusedQuickly(args, "over the limit of 1074 bytes", environment: ["CNN_EXPLAIN_MEMORY_LIMIT": "0.000001"])
        try expectRefusedQuickly(args + ["--work-limit", "10"], "over the limit of 10")
        #expect(try run(args + ["--memory-limit", "4"]).status == 0)
    }

    @Test func aLongNameFailsWithinSeconds() throws {
        let dir = try temporaryDirectory()
        let name = String(repeating: "a", count: 63 * 1024 * 1024 - 100)
        let json = try write(#"{"input": [1, 9, 9], "layers": [{"name": "\#(name)", "type": "relu"}]}"#, "long.json", in: dir)
        let yaml = try write("input: [1, 9, 9]\nlayers:\n  - name: \(name)\n    type: relu\n", "long.yaml", in: dir)
        let out = dir.appendingPathComponent("t.json").path
        try expectRefusedQuickly(["trace", "--model", json, "--input", xoInput, "--out", out], "a string longer than 65536 bytes")
        try expectRefusedQuickly(["trace", "--model", yaml, "--input", xoInput, "--out", out], "a value longer than 65536 characters")
    }
}
