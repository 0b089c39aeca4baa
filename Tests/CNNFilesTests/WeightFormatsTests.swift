import CNNCore
import Foundation
import Testing
@testable import CNNFiles

/// Weights as JSON, `.npz` (stored and deflated) and `.safetensors` (F64, F32, F16, BF16): the
/// fixtures of Tests/Fixtures/weights/, made by make_weights.py with numpy, read back exactly.
@Suite struct WeightFormatsTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/weights")
    static let files = ["weights.json", "weights_f64.npz", "weights_f32_compressed.npz", "weights_f64.safetensors",
                        "weights_f32.safetensors", "weights_f16.safetensors", "weights_bf16.safetensors"]

    func path(_ name: String) -> String { Self.folder.appendingPathComponent(name).path }

    /// What a correct reader returns for `file`, from expected.json, read with the project's own
    /// (correctly rounded) JSON reader.
    func expected(_ file: String) throws -> [String: Tensor] {
        let doc = try loadDocument(path("expected.json"))
        let shapes = try #require(doc["shapes"]), values = try #require(doc["values"]?[file])
        guard case .object(let pairs) = values else { throw FileError(file: "expected.json", "no values for \(file)") }
        var out: [String: Tensor] = [:]
        for (name, v) in pairs {
            guard case .array(let items) = v, case .array(let dims)? = shapes[name] else { continue }
            let data = items.compactMap { if case .number(let d) = $0 { d } else { nil } }
            let shape = dims.compactMap { if case .number(let d) = $0 { Int(d) } else { nil } }
            out[name] = Tensor(shape: shape, data: data)
        }
        return out
    }

    @Test(arguments: files) func readsEveryFormatExactly(file: String) throws {
        let weights = try WeightsFile.load(path(file))
        let want = try expected(file)
        #expect(want.count == 4)
        #expect(weights == want)
        // And a network builds from it with every parameter given.
        let net = try loadNetwork(model: path("model.json"), weights: path(file))
        #expect(net.parameterDictionary == want)
    }

    /// The conversions are real: float16 and bfloat16 round 0.1 differently, and the float32 file
    /// is not the float64 one.
    @Test func conversionsDifferAsTheTypesDo() throws {
        let f64 = try WeightsFile.load(path("weights_f64.safetensors"))["conv1.bias"]?.data
        let f32 = try WeightsFile.load(path("weights_f32.safetensors"))["conv1.bias"]?.data
        let f16 = try WeightsFile.load(path("weights_f16.safetensors"))["conv1.bias"]?.data
        let bf16 = try WeightsFile.load(path("weights_bf16.safetensors"))["conv1.bias"]?.data
        #expect(f64?[0] == 0.1)
        #expect(f32?[0] == Double(Float(0.1)))
        #expect(f16?[0] != f32?[0] && bf16?[0] != f16?[0] && bf16?[0] != f32?[0])
    }

    func safetensors(_ header: String, data: [UInt8]) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        return out + h + data
    }

    @Test func badSafetensorsAreNamed() throws {
        let dtype = fileError { try SafeTensors.parse(safetensors(#"{"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}"#, data: Array(repeating: 0, count: 8)), file: "w.safetensors") }
        #expect(dtype?.field == "w.dtype")
        #expect(dtype?.message.contains("'C64'") == true)
        let short = fileError { try SafeTensors.parse(safetensors(#"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: Array(repeating: 0, count: 8)), file: "w.safetensors") }
        #expect(short?.description == "w.safetensors: w.data_offsets: [0, 8] holds 8 bytes, but shape [3] of F32 needs 12")
        let outside = fileError { try SafeTensors.parse(safetensors(#"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, data: Array(repeating: 0, count: 8)), file: "w.safetensors") }
        #expect(outside?.message.contains("outside") == true)
        let length = fileError { try SafeTensors.parse([255, 255, 255, 255, 0, 0, 0, 0, 0x7B, 0x7D], file: "w.safetensors") }
        #expect(length?.message.contains("header length") == true)
    }

    @Test func badNPZAreNamed() throws {
        var arrays = try NPZ.read(path("weights_f64.npz"))
        arrays.append(arrays[0])
        let twice = fileError { try WeightsFile.tensors(arrays, file: "w.npz") }
        #expect(twice?.field == arrays[0].name)
        let folder = try tempFolder()
        let notZip = fileError { try NPZ.read(try write("not a zip", "w.npz", in: folder)) }
        #expect(notZip?.message.contains("not an .npz archive") == true)
        var cut = try readFileBytes(path("weights_f32_compressed.npz"))
        cut.removeLast(cut.count / 2)
        let cutPath = folder.appendingPathComponent("cut.npz")
        try Data(cut).write(to: cutPath)
        #expect(fileError { try NPZ.read(cutPath.path) } != nil)
        // NaN in a binary file is refused as in JSON.
        let nan = fileError { try WeightsFile.tensors([("out.bias", NPYArray(shape: [2], data: [1, .nan], dtype: "float32"))], file: "w.npz") }
        #expect(nan?.description == "w.npz: out.bias: element [1] is nan, not a finite number")
    }
}
