import Foundation
import Testing

/// Hand-edited traces are checked against their model before anything reads them.
@Suite struct TraceCheckCLITests {
    /// The golden trace with `edit` applied to its records, written into `dir`.
    func editedTrace(_ name: String, in dir: URL, _ edit: (inout [[String: Any]]) -> Void) throws -> String {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent(goldenTrace))
        var doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var records = try #require(doc["records"] as? [[String: Any]])
        edit(&records)
        doc["records"] = records
        let url = dir.appendingPathComponent(name)
        try JSONSerialization.data(withJSONObject: doc).write(to: url)
        return url.path
    }

    func index(_ records: [[String: Any]], _ layer: String, _ role: String) -> Int {
        records.firstIndex { $0["layer"] as? String == layer && $0["role"] as? String == role } ?? -1
    }

    @Test func wrongShapesAndDuplicatesAreRefused() throws {
        let dir = try temporaryDirectory()
        let weight = try editedTrace("weight.json", in: dir) { r in
            let k = index(r, "conv1", "weight")
            r[k]["shape"] = [1, 1, 1, 1]; r[k]["data"] = [1]
        }
        let relu = try editedTrace("relu.json", in: dir) { r in
            let k = index(r, "relu1", "input")
            r[k]["shape"] = [1]; r[k]["data"] = [0.5]
        }
        let duplicate = try editedTrace("dup.json", in: dir) { r in
            var copy = r[index(r, "relu1", "output")]
            var data = copy["data"] as? [Double] ?? []
            data[0] += 1
            copy["data"] = data
            r.append(copy)
        }
        let cases = [(weight, "conv1.weight must have shape [3, 1, 3, 3] for this model, got [1, 1, 1, 1]"),
                     (relu, "relu1.input must have shape [3, 7, 7] for this model, got [1]"),
                     (duplicate, "relu1.output appears twice")]
        for (path, message) in cases {
            for args in [["explain", path, "conv1.output[0,1,1]"], ["render", path, "--out", dir.appendingPathComponent("f").path],
                         ["diff", path, goldenTrace]] {
                let r = try run(args)
                #expect(r.status == (args[0] == "diff" ? 2 : 1), "\(args): \(r.stderr)")  // diff: 2 is trouble
                #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(path) && r.stderr.contains(message), "\(args): \(r.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("f").path))
    }

    @Test func renderNamesTheTraceFile() throws {
        let dir = try temporaryDirectory()
        let missing = try editedTrace("missing.json", in: dir) { r in r.remove(at: index(r, "conv1", "input")) }
        let r = try run(["render", missing, "--out", dir.appendingPathComponent("f").path])
        #expect(r.status == 1)
        #expect(r.stderr == "cnn-explain: error: \(missing): the trace has no conv1.input record\n", "\(r.stderr)")
    }
}
