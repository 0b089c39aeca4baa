import Foundation
import Testing

/// The bad inputs of docs/errors.md, run through the binary: one line on stderr naming the file
/// (and the field where there is one), exit status 1, no output file, no crash.
@Suite struct BadInputCLITests {
    func expectOneLine(_ r: RunResult, mentions: [String], status: Int32 = 1, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("cnn-explain: error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        for m in mentions { #expect(r.stderr.contains(m), "'\(m)' missing from: \(r.stderr)", sourceLocation: sourceLocation) }
    }

    @Test func badModelsWeightsInputsAndSizes() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("t.json").path
        let cases: [(file: String, text: String, kind: String, mentions: [String])] = [
            ("array.json", "[1, 2]", "model", ["array.json"]),
            ("notjson.json", "{\"input\": [1, 9, 9],", "model", ["notjson.json", "JSON"]),
            ("stride0.json", #"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 3, "size": 3, "stride": 0}]}"#, "model", ["stride0.json", "stride"]),
            ("units0.json", #"{"input": [1,9,9], "layers": [{"type": "dense", "units": 0}]}"#, "model", ["units0.json", "units"]),
            ("huge.json", #"{"input": [1, 100000, 100000], "layers": [{"type": "relu"}]}"#, "model", ["huge.json", "65536"]),
            ("filters.json", #"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1000000000, "size": 3}]}"#, "model", ["filters.json", "filters"]),
            ("nan.yaml", "conv1.weight: [[[[.nan, 1, 1], [1, 1, 1], [1, 1, 1]]]]\n", "weights", ["nan.yaml", "conv1.weight"]),
            ("extra.json", #"{"conv9.weight": [1]}"#, "weights", ["extra.json", "conv9.weight"]),
            ("lacking.json", #"{"conv1.weight": [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]], [[[1, 1, 1], [1, 1, 1], [1, 1, 1]]], [[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]}"#, "weights", ["lacking.json", "out.weight", "--init random"]),
            ("ragged.txt", "#########\n########\n", "input", ["ragged.txt", "row 2"]),
            ("empty.txt", "", "input", ["empty.txt", "empty"]),
        ]
        for c in cases {
            let path = try write(c.text, c.file, in: dir)
            var args = ["trace", "--out", out]
            switch c.kind {
            case "model": args += ["--model", path, "--input", xoInput]
            case "weights": args += ["--model", xoModel, "--weights", path, "--input", xoInput]
            default: args += ["--model", xoModel, "--weights", xoWeights, "--input", path]
            }
            expectOneLine(try run(args), mentions: c.mentions)
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test func badTracesAndOutputFolders() throws {
        let dir = try temporaryDirectory()
        let v2 = try write(#"{"format": "cnn-explain-trace", "version": 2}"#, "v2.json", in: dir)
        expectOneLine(try run(["diff", v2, goldenTrace]), mentions: ["v2.json", "version"], status: 2)  // diff: 1 means "differ"
        expectOneLine(try run(["explain", xoModel, "conv1.output[0,0,0]"]), mentions: [xoModel, "not a cnn-explain trace"])
        // A part of the output path is a file.
        let file = try write("x", "afile", in: dir)
        expectOneLine(try run(["trace", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--out", file + "/t.json"]), mentions: [file])
        let lesson = try run(["lesson", "xo", "--no-pause", "--out", file + "/sub"])
        expectOneLine(lesson, mentions: ["is a file, not a folder"])
        // It says so before showing the lesson.
        #expect(!lesson.stdout.contains("Step 1"))
    }

    /// A role that is not a `TraceRole`, in a JSON trace or an `.npz` member name, is one line
    /// naming the file and the field, for every command that reads traces.
    @Test func unknownRolesNameTheFileAndField() throws {
        let dir = try temporaryDirectory()
        let text = try String(contentsOf: packageRoot.appendingPathComponent(goldenTrace), encoding: .utf8)
        let first = try #require(text.range(of: #""role": "output""#))
        let k = text[..<first.lowerBound].components(separatedBy: #"{"pass": "#).count - 2
        let bad = try write(text.replacingCharacters(in: first, with: #""role": "outptu""#), "bad-role.json", in: dir)
        let mentions = ["bad-role.json", "records[\(k)].role", "'outptu' is not a role", "grad_bias"]
        expectOneLine(try run(["explain", bad, "conv1.output[0,0,0]"]), mentions: mentions)
        expectOneLine(try run(["render", bad, "--out", dir.appendingPathComponent("figures").path]), mentions: mentions)
        expectOneLine(try run(["diff", bad, goldenTrace]), mentions: mentions, status: 2)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("figures").path))
        // The .npz member forward/conv1/output.npy renamed in place to forward/conv1/outptu.npy.
        let npz = dir.appendingPathComponent("t.npz").path
        #expect(try run(["trace", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--out", dir.appendingPathComponent("t.json").path, "--npz", npz]).status == 0)
        let renamed = try Data(contentsOf: URL(fileURLWithPath: npz)).replacing(Data("forward/conv1/output.npy".utf8), with: Data("forward/conv1/outptu.npy".utf8))
        try renamed.write(to: dir.appendingPathComponent("bad-role.npz"))
        expectOneLine(try run(["diff", dir.appendingPathComponent("bad-role.npz").path, goldenTrace]),
                      mentions: ["bad-role.npz", "forward/conv1/outptu", "'outptu' is not a role"], status: 2)
    }

    @Test func usageErrorsExitTwo() throws {
        for args in [["trace"], ["diff", "a.json"], ["lesson", "xo", "--format", "gif"], ["lesson", "xo", "--format", "pdf,gif"], ["bench", "--workload", "nope"],
                     ["worksheet", "zz", "--out", "/tmp/never"], ["slides", "zz", "--out", "/tmp/never.pdf"], ["train", "--method", "guess"], ["frobnicate"]] {
            let r = try run(args)
            #expect(r.status == 2, "\(args): exit \(r.status)")
            #expect(!r.stderr.isEmpty)
        }
    }
}
