import CNNAnalysis
import CNNCore
import Foundation
import Testing
@testable import CNNFiles
import TestSupport

func articleTrace(loss: LossKind = .mse, target: Int = 0) throws -> Trace {
    let a = try ArticleFixture()
    return try a.network(loss: loss).trace(input: try a.imageTensor("X"), target: target)
}

@Suite struct TraceFileTests {
    @Test func writeReadGivesTheSameTrace() throws {
        let trace = try articleTrace()
        let folder = try tempFolder()
        let path = folder.appendingPathComponent("t.json").path
        try writeTrace(trace, to: path)
        let back = try loadTrace(path: path)
        #expect(back == trace)
        #expect(TraceFile.data(back) == TraceFile.data(trace))  // deterministic bytes
        // One record per line, and the target on a line of its own.
        #expect(trace.target != nil)
        let lines = String(decoding: TraceFile.data(trace), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == trace.records.count + 5)
        #expect(lines.contains { $0.hasPrefix(" \"target\": ") })
    }

    @Test func nanIsWrittenAsNullAndReadBackAsNaN() throws {
        var trace = try articleTrace()
        trace.records[0].data[3] = .nan
        let back = try TraceFile.parse(try parseDocument(Array(TraceFile.data(trace)), file: "t.json"), file: "t.json")
        #expect(back.records[0].data[3].isNaN)
    }

    @Test func notATraceOrAnotherVersion() throws {
        let text = String(decoding: TraceFile.data(try articleTrace()), as: UTF8.self)
        func parse(_ s: String) throws -> Trace { try TraceFile.parse(try parseDocument(Array(s.utf8), file: "t.json"), file: "t.json") }
        let model = fileError { try parse(exampleModel) }
        #expect(model?.message.contains("not a cnn-explain trace") == true)
        let version = fileError { try parse(text.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2")) }
        #expect(version?.field == "version")
        #expect(version?.message == "this program reads trace version 1, the file is version 2")
        let format = fileError { try parse(text.replacingOccurrences(of: "cnn-explain-trace", with: "other")) }
        #expect(format?.field == "format")
        let count = fileError { try parse(text.replacingOccurrences(of: "\"shape\": [1, 9, 9], \"data\": [-1, ", with: "\"shape\": [1, 9, 9], \"data\": [")) }
        #expect(count?.field == "records[0].data")
        #expect(count?.message == "80 numbers, but shape [1, 9, 9] needs 81")
    }
}

@Suite struct DiffTests {
    @Test func identicalTracesAgree() throws {
        let t = try articleTrace()
        let d = diffTraces(t, t)
        #expect(d.agrees)
        #expect(d.arraysCompared == t.records.count)
        #expect(d.elementsCompared == t.records.map(\.data.count).reduce(0, +))
    }

    @Test func aChangedElementIsReported() throws {
        let a = try articleTrace()
        var b = a
        let k = try #require(b.records.firstIndex { $0.layer == "pool1" && $0.role == .output })
        let offset = b.records[k].tensor.offset([2, 1, 3])
        b.records[k].data[offset] += 0.25
        let d = diffTraces(b, a)
        #expect(!d.agrees)
        let first = try #require(d.first)
        #expect(first.array == "forward pool1.output")
        #expect(first.index == [2, 1, 3])
        #expect(first.a == a.records[k].data[offset] + 0.25)
        #expect(first.b == a.records[k].data[offset])
        #expect(d.arraysDiffering == 1)  // only b's pool1.output was edited, not pool2.input
        #expect(d.summary().contains("forward pool1.output: 1 of 48 numbers differ; worst [2,1,3]"), "\(d.summary())")
    }

    @Test func missingRecordsAndShapes() throws {
        let a = try articleTrace()
        var b = a
        b.records.removeLast()
        let d = diffTraces(a, b)
        #expect(d.problems.count == 1)
        #expect(d.problems[0].contains("only in the first trace"))
    }

    /// `|a − b| <= atol + rtol·|b|`, as numpy.isclose.
    @Test func toleranceSemantics() {
        #expect(isClose(100.0 + 1e-7, 100, rtol: 1e-9, atol: 0))     // 1e-7 ≤ 1e-7
        #expect(!isClose(100.0 + 2e-7, 100, rtol: 1e-9, atol: 0))
        #expect(isClose(1e-13, 0, rtol: 1e-9, atol: 1e-12))          // atol covers values near 0
        #expect(!isClose(1e-11, 0, rtol: 1e-9, atol: 1e-12))
        #expect(isClose(.nan, .nan, rtol: 0, atol: 0))
        #expect(!isClose(.nan, 1, rtol: 1, atol: 1))
        #expect(!isClose(.infinity, 1e308, rtol: 1, atol: 1))
    }
}

@Suite struct NPZTests {
    @Test func structure() throws {
        let npy = NPZ.npy(shape: [3, 7, 7], data: Array(repeating: 0.5, count: 147))
        #expect(Array(npy.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(npy[8]) | Int(npy[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 7, 7), }"))
        #expect(header.hasSuffix("\n"))
        #expect(npy.count == 10 + headerLength + 147 * 8)
        #expect(String(decoding: NPZ.npy(shape: [], data: [1])[10..<80], as: UTF8.self).contains("'shape': (), "))
        #expect(String(decoding: NPZ.npy(shape: [2], data: [1, 2])[10..<80], as: UTF8.self).contains("'shape': (2,), "))
        let trace = try articleTrace()
        let zip = try NPZ.data(trace)
        #expect(zip == (try NPZ.data(trace)))
        #expect(Array(zip.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
        #expect(Array(zip.suffix(22).prefix(4)) == [0x50, 0x4B, 0x05, 0x06])
        // The fixed timestamp, 1980-01-01 00:00: time 0, date 0x21, in the first local header.
        #expect(Array(zip[10..<14]) == [0, 0, 0x21, 0])
        // Read back with the reader: every record, bit for bit, in order.
        let path = try tempFolder().appendingPathComponent("t.npz").path
        try zip.write(to: URL(fileURLWithPath: path))
        let back = try NPZ.read(path)
        #expect(back.map(\.name) == trace.records.map { String(NPZ.memberName($0).dropLast(4)) })
        #expect(back.map(\.array.data) == trace.records.map(\.data))
        #expect(back.map(\.array.shape) == trace.records.map(\.shape))
    }

    /// Loads the archive with numpy when python3 and numpy are available.
    @Test func numpyReadsIt() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import numpy"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return }
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return }  // no numpy: nothing to check

        let trace = try articleTrace()
        let folder = try tempFolder()
        let path = folder.appendingPathComponent("t.npz").path
        try writeNPZ(trace: trace, to: path)
        let conv = try #require(trace.record("conv1", .output))
        let script = """
        import numpy as np, sys
        f = np.load(sys.argv[1])
        a = f["forward/conv1/output"]
        print(a.shape, f["forward/loss/output"].shape, len(f.files))
        print(" ".join(repr(float(x)) for x in a.ravel()))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0)
        let lines = out.split(separator: "\n")
        #expect(lines.first == "(3, 7, 7) () \(trace.records.count)")
        #expect(lines.last?.split(separator: " ").map { Double(String($0)) } == conv.data.map { Optional($0) })
    }
}
