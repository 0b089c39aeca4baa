import CNNCore
import Foundation
import Testing
@testable import CNNFiles

let exampleModel = """
{"input": [1, 9, 9],
 "layers": [
  {"name": "conv1", "type": "conv", "filters": 3, "size": 3, "stride": 1, "padding": 0, "bias": false, "normalize": true},
  {"name": "relu1", "type": "relu"},
  {"name": "pool1", "type": "maxpool", "size": 2, "stride": 2, "ceil": true},
  {"name": "out", "type": "dense", "units": 2, "bias": true}],
 "loss": "mse",
 "classes": ["X", "O"]}
"""

let expectedModel = ModelSpec(input: [1, 9, 9], layers: [
    LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 3, kernelH: 3, kernelW: 3, stride: 1, padding: 0, bias: false, normalize: true))),
    LayerSpec(name: "relu1", kind: .relu),
    LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
    LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2, bias: true))),
], loss: .mse, classes: ["X", "O"])

/// Parses model text as if from `file`.
func model(_ text: String, file: String = "model.json") throws -> ModelSpec {
    try ModelFile.parse(try parseDocument(Array(text.utf8), file: file), file: file)
}

@Suite struct ModelFileTests {
    @Test func theExampleParses() throws {
        #expect(try model(exampleModel) == expectedModel)
    }

    @Test func yamlGivesTheSameModel() throws {
        let yaml = """
        input: [1, 9, 9]
        layers:
          - {name: conv1, type: conv, filters: 3, size: 3, stride: 1, padding: 0, bias: false, normalize: true}
          - name: relu1
            type: relu
          - {name: pool1, type: maxpool, size: 2, stride: 2, ceil: true}
          - {name: out, type: dense, units: 2, bias: true}
        loss: mse
        classes: [X, O]
        """
        #expect(try model(yaml, file: "model.yaml") == expectedModel)
        // Detected by content as well as by name.
        #expect(try model(yaml, file: "model.txt") == expectedModel)
    }

    @Test func defaultsAndNames() throws {
        let m = try model("""
        {"input": [9, 9], "layers": [{"type": "conv", "filters": 2, "size": [3, 2]}, {"type": "relu"},
         {"type": "conv", "filters": 1, "size": 2}, {"type": "maxpool", "size": 2}, {"type": "dense", "units": 3}]}
        """)
        #expect(m.input == [1, 9, 9])
        #expect(m.layers.map(\.name) == ["conv1", "relu1", "conv2", "maxpool1", "dense1"])
        #expect(m.layers[0].kind == .conv(ConvSpec(filters: 2, kernelH: 3, kernelW: 2, stride: 1, padding: 0, bias: true, normalize: false)))
        // maxpool's stride defaults to its size, as PyTorch's MaxPool2d.
        #expect(m.layers[3].kind == .maxpool(PoolSpec(size: 2, stride: 2, ceil: false)))
        #expect(m.layers[4].kind == .dense(DenseSpec(units: 3, bias: true)))
        #expect(m.loss == .crossEntropy)
        #expect(m.classes.isEmpty)
    }

    @Test func newLayersWithTheirDefaults() throws {
        let m = try model("""
        {"input": [3, 8, 8], "layers": [
         {"name": 0, "type": "conv", "filters": 4, "size": 3, "padding": "same", "dilation": 2},
         {"name": "1", "type": "batchnorm"}, {"type": "leaky_relu"},
         {"type": "conv", "filters": 2, "size": 2, "padding": [1, 0]}, {"type": "conv", "filters": 2, "size": 2, "padding": "valid"},
         {"type": "avgpool", "size": 3, "padding": 1}, {"type": "sigmoid"}, {"type": "tanh"}, {"type": "dropout"},
         {"type": "global_avgpool"}, {"type": "flatten"}, {"type": "dense", "units": 3}, {"type": "log_softmax"}],
         "loss": "nll"}
        """)
        #expect(m.layers.map(\.name) == ["0", "1", "leaky_relu1", "conv2", "conv3", "avgpool1", "sigmoid1", "tanh1", "dropout1",
                                          "global_avgpool1", "flatten1", "dense1", "log_softmax1"])
        #expect(m.layers[0].kind == .conv(ConvSpec(filters: 4, kernelH: 3, kernelW: 3, padding: .same, dilation: 2)))
        #expect(m.layers[1].kind == .batchnorm(BatchNormSpec(eps: 1e-5, momentum: 0.1, mode: .train)))
        #expect(m.layers[2].kind == .leakyRelu(slope: 0.01))
        #expect(m.layers[3].kind == .conv(ConvSpec(filters: 2, kernelH: 2, kernelW: 2, padding: .explicit(h: 1, w: 0))))
        #expect(m.layers[4].kind == .conv(ConvSpec(filters: 2, kernelH: 2, kernelW: 2, padding: .valid)))
        #expect(m.layers[5].kind == .avgpool(AvgPoolSpec(size: 3, stride: 3, padding: 1, ceil: false, countIncludePad: true)))
        #expect(m.layers[8].kind == .dropout(DropoutSpec(p: 0.5, mode: .train)))
        #expect(m.loss == .nll)
        let shapes = try m.shapes()
        #expect(shapes[1] == [4, 8, 8])  // same padding keeps 8×8
        #expect(shapes[4] == [2, 9, 7] && shapes[5] == [2, 8, 6] && shapes[6] == [2, 3, 2])
        #expect(shapes[10] == [2, 1, 1] && shapes[11] == [2] && shapes.last == [3])
        // Every field written out reads back the same.
        #expect(try model(ModelFile.json(m).jsonText) == m)
    }

    @Test func writerRoundTrips() throws {
        let m = try model(exampleModel)
        let text = ModelFile.json(m).jsonText
        #expect(try model(text) == m)
        let odd = ModelSpec(input: [2, 8, 7], layers: [
            LayerSpec(name: "c", kind: .conv(ConvSpec(filters: 4, kernelH: 3, kernelW: 2, stride: 2, padding: 1, bias: true, normalize: false))),
            LayerSpec(name: "d", kind: .dense(DenseSpec(units: 5, bias: false))),
        ], loss: .crossEntropy, classes: [])
        #expect(try model(ModelFile.json(odd).jsonText) == odd)
    }

    /// Each bad model names the field at fault.
    @Test(arguments: [
        (#"{"input": [1,9,9], "layers": [{"type": "convolution", "filters": 1, "size": 3}]}"#, "layers[0].type", "unknown layer type"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "size": 3}]}"#, "layers[0].filters", "required"),
        (#"{"input": [1,9,9], "layers": [{"type": "dense"}]}"#, "layers[0].units", "required"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 0}]}"#, "layers[0].size", "at least 1"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": -2}]}"#, "layers[0].size", "at least 1"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 3, "stride": 0}]}"#, "layers[0].stride", "at least 1"),
        (#"{"input": [1,9,9], "layers": [{"type": "dense", "units": 0}]}"#, "layers[0].units", "at least 1"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": "3"}]}"#, "layers[0].size", "got a string"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 3.5}]}"#, "layers[0].size", "whole number"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 3, "strid": 2}]}"#, "layers[0].strid", "unknown field"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 10}]}"#, "layers[0] (conv1).size", "does not fit"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 12, "padding": 1}]}"#, "layers[0] (conv1).size", "does not fit"),
        (#"{"input": [1,4,4], "layers": [{"type": "maxpool", "size": 5}]}"#, "layers[0] (maxpool1).size", "larger than"),
        (#"{"input": [1,100000,100000], "layers": [{"type": "relu"}]}"#, "input[1]", "65536"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1000000000, "size": 3}]}"#, "layers[0] (conv1).filters", "65536"),
        (#"{"input": [1,9,9], "layers": [{"type": "relu"}], "loss": "hinge"}"#, "loss", "unknown loss"),
        (#"{"input": [1,9,9], "layers": [{"type": "dense", "units": 2}], "classes": ["X"]}"#, "classes", "1 class names for 2 outputs"),
        (#"{"input": [1,9,9], "layers": []}"#, "layers", "at least one layer"),
        (#"{"layers": [{"type": "relu"}]}"#, "input", "required"),
        (#"[1, 2, 3]"#, "", "expected a model"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 3, "padding": "full"}]}"#, "layers[0].padding", "\"same\""),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 3, "padding": "same", "stride": 2}]}"#, "layers[0] (conv1).padding", "stride 1"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 3, "padding": [1, 2, 3]}]}"#, "layers[0].padding", "[height, width]"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 3, "dilation": 0}]}"#, "layers[0].dilation", "at least 1"),
        (#"{"input": [1,9,9], "layers": [{"type": "conv", "filters": 1, "size": 3, "dilation": 5}]}"#, "layers[0] (conv1).size", "dilation 5"),
        (#"{"input": [1,9,9], "layers": [{"type": "avgpool", "size": 2, "padding": 2}]}"#, "layers[0] (avgpool1).padding", "half the size"),
        (#"{"input": [1,9,9], "layers": [{"type": "avgpool", "size": 10}]}"#, "layers[0] (avgpool1).size", "larger than"),
        (#"{"input": [1,9,9], "layers": [{"type": "avgpool", "size": 2, "count_include_pad": 1}]}"#, "layers[0].count_include_pad", "true or false"),
        (#"{"input": [1,9,9], "layers": [{"type": "softmax"}]}"#, "layers[0] (softmax1)", "vector input"),
        (#"{"input": [1,9,9], "layers": [{"type": "flatten"}, {"type": "global_avgpool"}]}"#, "layers[1] (global_avgpool1)", "[C, H, W]"),
        (#"{"input": [1,9,9], "layers": [{"type": "batchnorm", "mode": "test"}]}"#, "layers[0].mode", "train, eval"),
        (#"{"input": [1,9,9], "layers": [{"type": "batchnorm", "eps": 0}]}"#, "layers[0] (batchnorm1).eps", "positive"),
        (#"{"input": [1,9,9], "layers": [{"type": "batchnorm", "momentum": "fast"}]}"#, "layers[0].momentum", "expected a number"),
        (#"{"input": [1,1,1], "layers": [{"type": "batchnorm"}]}"#, "layers[0] (batchnorm1).mode", "more than one value"),
        (#"{"input": [1,9,9], "layers": [{"type": "dropout", "p": 1.5}]}"#, "layers[0] (dropout1).p", "between 0 and 1"),
        (#"{"input": [1,9,9], "layers": [{"type": "dropout", "rate": 0.5}]}"#, "layers[0].rate", "unknown field"),
        (#"{"input": [1,9,9], "layers": [{"type": "leaky_relu", "slope": true}]}"#, "layers[0].slope", "expected a number"),
        (#"{"input": [1,9,9], "layers": [{"name": 1.5, "type": "relu"}]}"#, "layers[0].name", "whole number"),
        (#"{"input": [1,9,9], "layers": [{"type": "relu"}], "loss": "nll_loss"}"#, "loss", "nll"),
    ])
    func badModelsNameTheField(text: String, field: String, message: String) {
        let e = fileError { try model(text) }
        #expect(e?.file == "model.json")
        #expect(e?.field == field, "\(String(describing: e))")
        #expect(e?.message.contains(message) == true, "\(String(describing: e))")
        #expect(e?.description.contains("\n") == false)
    }

    @Test func notJSONNorYAMLGivesLineAndColumn() {
        let e = fileError { try model("input: [1, 9\nlayers: {{", file: "m.yaml") }
        #expect(e?.field == "")
        #expect(e?.message.contains("line ") == true && e?.message.contains("column ") == true, "\(String(describing: e))")
        let j = fileError { try model("{\"input\": [1, 9, 9],\n \"layers\": [}", file: "m.json") }
        #expect(j?.message.contains("line 2, column 13") == true, "\(String(describing: j))")
        #expect(j?.description.hasPrefix("m.json: not valid JSON") == true)
    }

    @Test func missingFileAndWrongTopLevelType() throws {
        let folder = try tempFolder()
        let e = fileError { try loadModel(path: folder.appendingPathComponent("nope.json").path) }
        #expect(e?.message == "no such file")
        let p = try write("\"just a string\"", "m.json", in: folder)
        let t = fileError { try loadModel(path: p) }
        #expect(t?.message.contains("got a string") == true)
        #expect(t?.description == "\(p): expected a model (an object with named fields), got a string")
    }
}
