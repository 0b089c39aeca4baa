import CNNCore
import CNNFiles
import Foundation
import Testing
import TestSupport

/// `trace`, `explain` and `diff`, run as a user runs them.
@Suite struct TraceCLITests {
    @Test func traceExplainDiffOnTheShippedFiles() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("x.trace.json").path
        let npz = dir.appendingPathComponent("x.npz").path
        let r = try run(["trace", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--target", "X", "--out", out, "--npz", npz])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out))
        #expect(FileManager.default.fileExists(atPath: npz))

        let e = try run(["explain", out, "conv1.output[0,1,1]"])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("9 / 9 = 1.00"), "\(e.stdout)")

        // The slides truncate: 5/9 shows as 0.55.
        let t = try run(["explain", out, "conv1.output[0,0,4]", "--truncate"])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("5 / 9 = 0.55"), "\(t.stdout)")

        let d = try run(["diff", out, goldenTrace])
        #expect(d.status == 0, "\(d.stdout) \(d.stderr)")
        #expect(d.stdout.contains("agree"))
    }

    @Test func shippedFilesGiveTheArticlesNumbers() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("x.trace.json").path
        let r = try run(["trace", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        // Read with the project's own reader: Foundation's JSON parser is not correctly rounded on Linux.
        let trace = try TraceFile.load(out)
        func data(_ layer: String, _ role: TraceRole) throws -> [Double] {
            try #require(trace.record(layer, role)).data
        }
        let article = try ArticleFixture()
        let expected = try article.featureOrder.flatMap { name in try article.grid("X_conv_sums_over_9", name).values.map { $0 / 9 } }
        #expect(try data("conv1", .output) == expected)
        let vector = try article.numbers("X_vector_12")
        let flat = try data("out", .input)
        #expect(flat.count == vector.count)
        for (a, b) in zip(flat, vector) { #expect(abs(a - b) <= 1e-15) }
        // The X votes: the mean of the five 1.00 positions is 1, the O vote the mean of four 0.55s.
        let votes = try data("out", .output)
        #expect(abs(votes[0] - 1) <= 1e-15)
        #expect(abs(votes[1] - 5.0 / 9) <= 1e-15)
    }

    @Test func diffReportsTheFirstDifferenceAndExitsOne() throws {
        let dir = try temporaryDirectory()
        var text = try String(contentsOf: packageRoot.appendingPathComponent(goldenTrace), encoding: .utf8)
        // Change one number of the golden trace: the loss.
        let golden = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let records = try #require(golden["records"] as? [[String: Any]])
        let loss = try #require(records.first { $0["layer"] as? String == "loss" })
        let value = try #require((loss["data"] as? [NSNumber])?.first).doubleValue
        let written = "\(value)"
        #expect(text.contains(written))
        text = text.replacingOccurrences(of: written, with: "\(value + 1e-6)")
        let changed = try write(text, "changed.json", in: dir)
        let d = try run(["diff", goldenTrace, changed])
        #expect(d.status == 1)
        #expect(d.stdout.contains("loss"), "\(d.stdout)")
    }

    /// Each bad input: exit status 1, one line on stderr naming the file and the field, no trace written.
    @Test(arguments: [
        ("model.json", #"{"input": [1, 9, 9], "layers": [{"name": "c", "type": "conv", "filters": 3, "size": 11}]}"#, "size"),
        ("model.json", #"{"input": [1, 9, 9], "layers": [{"name": "c", "type": "convolution", "filters": 3}]}"#, "type"),
        ("model.json", #"{"input": [1, 9, 9], "layers": [ {"name": "c" "type"}]}"#, "model.json"),
    ])
    func badModelGetsOneLine(name: String, content: String, field: String) throws {
        let dir = try temporaryDirectory()
        let model = try write(content, name, in: dir)
        let out = dir.appendingPathComponent("t.json").path
        let r = try run(["trace", "--model", model, "--input", xoInput, "--out", out])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(model) && r.stderr.contains(field), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func badWeightsInputAndTargetGetOneLine() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("t.json").path
        let weights = try write(#"{"conv1.weight": [[[[1, 2], [3, 4]]]]}"#, "w.json", in: dir)
        let smallInput = try write("#.#\n.#.\n#.#\n", "small.txt", in: dir)
        let cases: [([String], String)] = [
            (["--weights", weights, "--input", xoInput], "conv1.weight"),
            (["--weights", xoWeights, "--input", smallInput], "small.txt"),
            (["--weights", xoWeights, "--input", xoInput, "--target", "Z"], "Z"),
        ]
        for (args, mention) in cases {
            let r = try run(["trace", "--model", xoModel, "--out", out] + args)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains(mention), "\(r.stderr)")
            #expect(!r.stderr.contains("Fatal"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    /// A weights file that lacks a parameter is refused with the parameter named, and so is a
    /// model without weights; --init random asks for random ones from --seed on purpose.
    @Test func missingWeightsAreRefusedUnlessRandomIsAsked() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("t.json").path
        let full = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent(xoWeights))) as? [String: Any])
        let lacking = try write(String(decoding: JSONSerialization.data(withJSONObject: ["conv1.weight": full["conv1.weight"] ?? []]), as: UTF8.self), "w.json", in: dir)
        let refused = try run(["trace", "--model", xoModel, "--weights", lacking, "--input", xoInput, "--out", out])
        #expect(refused.status == 1)
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("w.json") && refused.stderr.contains("out.weight"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let none = try run(["gradcheck", "--model", xoModel, "--input", xoInput])
        #expect(none.status == 1)
        #expect(none.stderr.contains("conv1.weight, out.weight"), "\(none.stderr)")
        let random = try run(["trace", "--model", xoModel, "--weights", lacking, "--init", "random", "--seed", "3", "--input", xoInput, "--out", out])
        #expect(random.status == 0, "\(random.stderr)")
        let trace = try TraceFile.load(out)
        #expect(trace.record("conv1", .weight)?.data == (full["conv1.weight"] as? [[[[NSNumber]]]])?.flatMap { $0.flatMap { $0.flatMap { $0.map(\.doubleValue) } } })
        let bad = try run(["trace", "--model", xoModel, "--init", "zeros", "--input", xoInput, "--out", out])
        #expect(bad.status == 2, "\(bad.stderr)")
    }

    /// A PNG input through trace, with each pixel mapping; a PNG of the wrong size names the shape.
    @Test func pngInputWithEachMapping() throws {
        let dir = try temporaryDirectory()
        let model = try write(#"{"input": [1, 4, 5], "layers": [{"name": "out", "type": "dense", "units": 2}]}"#, "m.json", in: dir)
        let png = "Tests/Fixtures/inputs/gray.png"
        var inputs: [String: [Double]] = [:]
        for mapping in ["article", "torchvision"] {
            let out = dir.appendingPathComponent("\(mapping).json").path
            let r = try run(["trace", "--model", model, "--init", "random", "--input", png, "--pixels", mapping, "--out", out])
            #expect(r.status == 0, "\(r.stderr)")
            inputs[mapping] = try #require(TraceFile.load(out).record("out", .input)).data
        }
        let a = try #require(inputs["article"]), t = try #require(inputs["torchvision"])
        #expect(a.count == 20 && a.min() == -1 && a.max() == 1)
        #expect(zip(a, t).allSatisfy { $0.0 == 2 * $0.1 - 1 || abs($0.0 - (2 * $0.1 - 1)) <= 1e-15 })
        let wrong = try run(["trace", "--model", xoModel, "--weights", xoWeights, "--input", png, "--out", dir.appendingPathComponent("w.json").path])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("gray.png: the PNG is 5×4 pixels (width×height), but the model's input is [1, 9, 9]"), "\(wrong.stderr)")
        #expect(try run(["trace", "--model", model, "--input", png, "--pixels", "bytes", "--out", "x.json"]).status == 2)
    }

    /// Weights as .npz and .safetensors on the command line, with a CSV input: the same trace as
    /// from the JSON weights when the file holds the same float64 numbers.
    @Test func binaryWeightsFromTheCommandLine() throws {
        let dir = try temporaryDirectory()
        let model = "Tests/Fixtures/weights/model.json"
        let csv = try write((0..<5).map { r in (0..<5).map { c in "\(Double(r * 5 + c) / 10 - 1)" }.joined(separator: ",") }.joined(separator: "\n"), "x.csv", in: dir)
        var traces: [String: Trace] = [:]
        for w in ["weights.json", "weights_f64.npz", "weights_f64.safetensors", "weights_bf16.safetensors"] {
            let out = dir.appendingPathComponent("\(w).trace.json").path
            let r = try run(["trace", "--model", model, "--weights", "Tests/Fixtures/weights/" + w, "--input", csv, "--target", "1", "--out", out])
            #expect(r.status == 0, "\(w): \(r.stderr)")
            traces[w] = try TraceFile.load(out)
        }
        #expect(traces["weights_f64.npz"] == traces["weights.json"])
        #expect(traces["weights_f64.safetensors"] == traces["weights.json"])
        #expect(traces["weights_bf16.safetensors"] != traces["weights.json"])
    }

    @Test func missingArgumentIsAUsageError() throws {
        let r = try run(["trace", "--model", xoModel])
        #expect(r.status == 2, "usage errors exit with status 2, got \(r.status)")
        #expect(r.stderr.contains("--input"))
    }
}
