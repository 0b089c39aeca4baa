import CNNCore
import Foundation
import Testing
import TestSupport

/// `bench --model` and the kernel paths, run as a user runs them.
@Suite struct BenchCLITests {
    @Test func benchTimesAnyModel() throws {
        let r = try run(["bench", "--model", xoModel, "--batch", "3", "--iterations", "1", "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(json["workload"] as? String == "xo-b3")
        let us = try #require(json["us_per_step"] as? Double), ips = try #require(json["images_per_s"] as? Double)
        #expect(us > 0 && ips > 0)
    }

    @Test func benchRefusesBadArguments() throws {
        for args in [["bench", "--model", xoModel, "--batch", "0"], ["bench", "--model", xoModel, "--threads", "0"],
                     ["bench", "--model", xoModel, "--workload", "xo-trace"]] {
            let r = try run(args)
            #expect(r.status == 2, "\(args): exit \(r.status)")
            #expect(!r.stderr.isEmpty)
        }
        let missing = try run(["bench", "--model", "no-such-model.json"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no-such-model.json"), "\(missing.stderr)")
    }

    /// The article's X traced on every kernel path: AVX2 and AVX-512 write the same bytes; each
    /// agrees with portable C to 1e-12 relative (`diff` exits 0).
    @Test func everyKernelPathTracesTheSameNumbers() throws {
        let dir = try temporaryDirectory()
        var traces: [Kernels.Path: String] = [:]
        for path in Kernels.Path.allCases where path.isSupported {
            let out = dir.appendingPathComponent("\(path.rawValue).trace.json").path
            let r = try run(["trace", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--target", "X", "--out", out],
                            environment: ["CNN_EXPLAIN_KERNEL": path.rawValue])
            #expect(r.status == 0, "\(path): \(r.stderr)")
            traces[path] = out
        }
        let portable = try #require(traces[.portable])
        for (path, trace) in traces where path != .portable {
            let d = try run(["diff", trace, portable, "--rtol", "1e-12", "--atol", "1e-300"])
            #expect(d.status == 0, "\(path): \(d.stdout)")
        }
        if let a = traces[.avx2], let b = traces[.avx512] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
        }
    }
}
