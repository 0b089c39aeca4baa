import CNNInputs
import CNNCore
import CNNFigures
import Foundation
import Testing
@testable import CNNFiles

@Suite struct WeightsTests {
    let model = expectedModel  // conv1 3×1×3×3 no bias; out dense 2 over 3·4·4 = 48 inputs

    func weights(_ text: String, file: String = "w.json") throws -> [String: Tensor] {
        try WeightsFile.parse(try parseDocument(Array(text.utf8), file: file), file: file)
    }

    @Test func nestedArraysGiveShapes() throws {
        let w = try weights(#"{"conv1.weight": [[[[1, -1], [0.5, 2]]]], "out.bias": [0.25, -3]}"#)
        #expect(w["conv1.weight"] == Tensor(shape: [1, 1, 2, 2], data: [1, -1, 0.5, 2]))
        #expect(w["out.bias"] == Tensor(shape: [2], data: [0.25, -3]))
    }

    @Test func raggedAndNonNumbers() {
        let r = fileError { try weights(#"{"out.weight": [[1, 2, 3], [4, 5]]}"#) }
        #expect(r?.field == "out.weight[1]")
        #expect(r?.message.contains("ragged") == true)
        let s = fileError { try weights(#"{"out.bias": [1, "2"]}"#) }
        #expect(s?.field == "out.bias[1]")
        let top = fileError { try weights("[1, 2]") }
        #expect(top?.message.contains("expected an object") == true)
    }

    @Test func nanAndInfinityInYAML() {
        let n = fileError { try weights("out.bias: [0.5, .nan]\n", file: "w.yaml") }
        #expect(n?.field == "out.bias[1]")
        #expect(n?.message.contains("not a finite number") == true)
        let i = fileError { try weights("out.bias: [-.inf, 1]\n", file: "w.yaml") }
        #expect(i?.field == "out.bias[0]")
    }

    @Test func wrongShapeAndExtraNameAreNamed() throws {
        let wrong = fileError {
            try buildNetwork(model: model, parameters: ["conv1.weight": Tensor(zeros: [3, 1, 2, 2])], weightsFile: "w.json")
        }
        #expect(wrong?.description == "w.json: conv1.weight: expected shape [3, 1, 3, 3], got [3, 1, 2, 2]")
        let extra = fileError {
            try buildNetwork(model: model, parameters: ["conv1.bias": Tensor(zeros: [3])], weightsFile: "w.json")
        }
        #expect(extra?.field == "conv1.bias")
        #expect(extra?.message.contains("no parameter of that name") == true)
    }

    @Test func missingWeightsAreRefusedNamingEveryOne() throws {
        let modelWithBiases = ModelSpec(input: model.input, layers: model.layers.map { layer in
            var l = layer
            if case .conv(var c) = l.kind { c.bias = true; l.kind = .conv(c) }
            return l
        }, loss: model.loss, classes: model.classes)
        let given = try Network(model: modelWithBiases, seed: 1).parameterDictionary.filter { $0.key == "conv1.weight" }
        let refused = fileError { try buildNetwork(model: modelWithBiases, parameters: given, weightsFile: "w.json") }
        let names = try Network(model: modelWithBiases).parameters.map(\.name).filter { $0 != "conv1.weight" }
        #expect(names.count == 3)  // conv1.bias, out.weight, out.bias
        #expect(refused?.file == "w.json")
        for name in names { #expect(refused?.message.contains(name) == true, "\(refused?.description ?? "no error")") }
        #expect(refused?.message.contains("conv1.weight") == false)
        // Asked for on purpose, the missing ones come from the seed and the given one is kept.
        let random = try buildNetwork(model: modelWithBiases, parameters: given, weightsFile: "w.json", seed: 5, initialization: .random)
        #expect(random.parameter("conv1.weight") == given["conv1.weight"])
    }

    /// Batch norm's running statistics are buffers, not trained parameters, but a weights file
    /// must give them too (PyTorch's state_dict holds them), and the writer keeps them.
    @Test func batchnormRunningStatisticsAreRequiredAndWritten() throws {
        let spec = try CNNFilesTests.model(#"{"input": [2, 3, 3], "layers": [{"name": "bn", "type": "batchnorm", "mode": "eval"}, {"name": "out", "type": "dense", "units": 2}]}"#)
        let full = try Network(model: spec, seed: 1).stateDictionary
        #expect(Set(full.keys) == ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "out.weight", "out.bias"])
        var lacking = full
        lacking["bn.running_var"] = nil
        let refused = fileError { try buildNetwork(model: spec, parameters: lacking, weightsFile: "w.json") }
        #expect(refused?.message.contains("missing a parameter the model needs: bn.running_var") == true, "\(refused?.description ?? "no error")")
        let net = try buildNetwork(model: spec, parameters: full, weightsFile: "w.json")
        let back = try weights(String(decoding: WeightsFile.data(net), as: UTF8.self))
        #expect(back == full)
    }

    @Test func noWeightsFileIsRefusedUnlessRandomIsAsked() throws {
        let folder = try tempFolder()
        let modelPath = try write(exampleModel, "m.json", in: folder)
        let refused = fileError { try loadNetwork(model: modelPath, weights: nil) }
        #expect(refused?.file == modelPath)
        #expect(refused?.message.contains("conv1.weight, out.weight") == true, "\(refused?.description ?? "no error")")
        let a = try loadNetwork(model: modelPath, weights: nil, seed: 2, initialization: .random)
        let b = try buildNetwork(model: model, parameters: [:], weightsFile: "w.json", seed: 2, initialization: .random)
        #expect(a.parameters == b.parameters)
    }

    @Test func missingWeightsComeFromTheSeed() throws {
        let a = try buildNetwork(model: model, parameters: [:], weightsFile: "w.json", seed: 3, initialization: .random)
        let b = try buildNetwork(model: model, parameters: [:], weightsFile: "w.json", seed: 3, initialization: .random)
        let c = try buildNetwork(model: model, parameters: [:], weightsFile: "w.json", seed: 4, initialization: .random)
        #expect(a.parameters == b.parameters)
        #expect(a.parameters != c.parameters)
    }

    /// An unnamed nn.Sequential's state_dict (`0.weight`, `1.running_mean`, `1.num_batches_tracked`)
    /// loads into a model whose layers are named 0, 1, …; a missing statistic is refused by name.
    @Test func sequentialStateDictLoadsAsItIs() throws {
        let folder = try tempFolder()
        let modelPath = try write("""
        {"input": [1, 4, 4], "layers": [{"name": 0, "type": "conv", "filters": 2, "size": 3, "bias": false},
         {"name": 1, "type": "batchnorm", "mode": "eval"}, {"name": 2, "type": "flatten"}, {"name": 3, "type": "dense", "units": 2}]}
        """, "m.json", in: folder)
        var sd = try Network(model: try ModelFile.load(modelPath), seed: 3).stateDictionary
        sd["1.num_batches_tracked"] = Tensor(shape: [], data: [12])
        let net = try buildNetwork(model: try ModelFile.load(modelPath), parameters: sd, weightsFile: "sd.json")
        #expect(net.parameters.map(\.name) == ["0.weight", "1.weight", "1.bias", "3.weight", "3.bias"])
        #expect(net.buffers.map(\.name) == ["1.running_mean", "1.running_var"])
        // The weights writer keeps the statistics, so what train saves loads back.
        let path = folder.appendingPathComponent("w.json").path
        try WeightsFile.write(net, to: path)
        #expect(try loadNetwork(model: modelPath, weights: path).stateDictionary == net.stateDictionary)
        sd["1.running_var"] = nil
        let refused = fileError { try buildNetwork(model: try ModelFile.load(modelPath), parameters: sd, weightsFile: "sd.json") }
        #expect(refused?.message.contains("missing a parameter the model needs: 1.running_var") == true, "\(String(describing: refused))")
    }

    @Test func writerRoundTripsExactly() throws {
        let net = try buildNetwork(model: model, parameters: [:], weightsFile: "w.json", seed: 11, initialization: .random)
        let folder = try tempFolder()
        let path = folder.appendingPathComponent("w.json").path
        try WeightsFile.write(net, to: path)
        let back = try loadWeights(path: path)
        #expect(back == net.parameterDictionary)  // bit-for-bit: shortest round-trip printing
        #expect(WeightsFile.data(net) == WeightsFile.data(net))
        let net2 = try loadNetwork(model: try write(exampleModel, "m.json", in: folder), weights: path)
        #expect(net2.parameters == net.parameters)
    }
}

@Suite struct InputTests {
    func input(_ text: String, _ shape: [Int] = [1, 3, 3], file: String = "in.json") throws -> Tensor {
        try InputFile.parse(Array(text.utf8), file: file, expecting: shape)
    }

    @Test func arraysHW() throws {
        #expect(try input("[[1, -1, 1], [-1, 1, -1], [1, -1, 1]]") == Tensor(shape: [1, 3, 3], data: [1, -1, 1, -1, 1, -1, 1, -1, 1]))
    }

    @Test func arraysCHW() throws {
        let t = try input("[[[1, 2]], [[3, 4]]]", [2, 1, 2])
        #expect(t == Tensor(shape: [2, 1, 2], data: [1, 2, 3, 4]))
    }

    @Test func textGrid() throws {
        let t = try input(".#.\n#.#  \n.#.\n\n\n", file: "in.txt")
        #expect(t == Tensor(shape: [1, 3, 3], data: [-1, 1, -1, 1, -1, 1, -1, 1, -1]))
    }

    @Test func badCharacterGivesRowAndColumn() {
        let e = fileError { try input(".#.\n#x#\n.#.\n", file: "in.txt") }
        #expect(e?.description == "in.txt: row 2: column 2: 'x' is not '#' (1) or '.' (−1)")
    }

    @Test func raggedRows() {
        let g = fileError { try input(".#.\n#.\n.#.\n", file: "in.txt") }
        #expect(g?.field == "row 2")
        #expect(g?.message.contains("ragged") == true)
        let a = fileError { try input("[[1, 1, 1], [1, 1], [1, 1, 1]]") }
        #expect(a?.field == "input[1]")
    }

    @Test func wrongSizeAndEmpty() {
        let w = fileError { try input("..\n..\n", file: "in.txt") }
        #expect(w?.message == "the image is [1, 2, 2] ([C, H, W]) but the model's input is [1, 3, 3]")
        let e = fileError { try input("  \n\n", file: "in.txt") }
        #expect(e?.message == "the input is empty")
        let n = fileError { try input("{\"a\": 1}") }
        #expect(n?.message.contains("got an object") == true)
    }

    @Test func targets() throws {
        #expect(try parseTarget("O", classes: ["X", "O"]) == 1)
        #expect(try parseTarget("0", classes: ["X", "O"]) == 0)
        let e = fileError { try parseTarget("Z", classes: ["X", "O"]) }
        #expect(e?.message == "unknown class 'Z'; valid classes: 0 (X), 1 (O)")
        let r = fileError { try parseTarget("2", classes: ["X", "O"]) }
        #expect(r?.message.contains("out of range") == true)
    }

    @Test func atomicWriteToAnUnwritableFolder() throws {
        let e = fileError { try writeAtomically(data: Data("x".utf8), to: "/nonexistent-folder/out.json") }
        #expect(e?.file == "/nonexistent-folder/out.json")
        let folder = try tempFolder()
        let path = folder.appendingPathComponent("a.txt").path
        try writeAtomically(data: Data("one".utf8), to: path)
        try writeAtomically(data: Data("two".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.txt"])  // no temp left
    }
}
