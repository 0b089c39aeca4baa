import CNNCore
import CNNFiles
import CNNInputs
import Foundation
import Testing

/// `cnn-explain data` and `cnn-explain gradcheck`, run as a user runs them.
@Suite struct DataGradCheckCLITests {
    @Test func dataWritesImagesLabelsAndASheetTheSameEachTime() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var listings: [[String: Data]] = []
        for copy in ["a", "b"] {
            let out = dir.appendingPathComponent(copy)
            let r = try run(["data", "xo", "--count", "6", "--seed", "3", "--out", out.path])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("wrote 6 images (3 X, 3 O), 9×9"))
            let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            #expect(names.filter { $0.hasSuffix(".txt") }.count == 6)
            #expect(names.contains("labels.json") && names.contains("contact-sheet.png"))
            var files: [String: Data] = [:]
            for n in names { files[n] = try Data(contentsOf: out.appendingPathComponent(n)) }
            listings.append(files)
        }
        #expect(listings[0] == listings[1], "the same seed gives the same bytes")
        // Each image is a 9×9 grid of ±1 that the input reader reads back.
        let x = try InputFile.load(dir.appendingPathComponent("a/x-0001.txt").path, expecting: [1, 9, 9])
        #expect(x.data.allSatisfy { $0 == 1 || $0 == -1 })
    }

    @Test(arguments: [(["data", "xo", "--count", "0", "--out", "/tmp/never"], "--count"),
                      (["data", "xo", "--format", "csv", "--out", "/tmp/never"], "csv"),
                      (["data", "zz", "--out", "/tmp/never"], "zz")])
    func dataRefusesBadOptions(arguments: [String], mention: String) throws {
        let r = try run(arguments)
        #expect(r.status == 64 || r.status == 2, "usage errors exit non-zero: \(r.status)")
        #expect(r.stderr.contains(mention), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never"))
    }

    @Test func gradcheckAgreesOnTheArticlesNetwork() throws {
        let r = try run(["gradcheck", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--target", "X"])
        #expect(r.status == 0, "\(r.stderr)")
        let net = try loadNetwork(model: packageRoot.path + "/" + xoModel, weights: packageRoot.path + "/" + xoWeights)
        let count = net.parameters.map(\.tensor.count).reduce(0, +)
        #expect(r.stdout.contains("checked \(count) weights"), "\(r.stdout)")
        #expect(r.stdout.contains("ok: within"))
    }

    @Test func gradcheckFailsAboveItsTolerance() throws {
        // Central differences carry rounding of about 1e-9 relative here, far above 1e-15.
        let r = try run(["gradcheck", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--target", "O",
                         "--tolerance", "1e-15"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("FAILED: above"))
    }
}
