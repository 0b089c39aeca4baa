import CNNInputs
import CNNCore
import CNNFigures
import CNNFiles
import Foundation
import Testing

private func pageCount(_ path: String) throws -> Int? {
    let info = try pdfTool("pdfinfo", path)
    let line = info.split(separator: "\n").first { $0.hasPrefix("Pages:") }
    return line.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
}

/// The article's network on the ideal X, traced forward and backward by the engine, and the same
/// network after one step of the engine's SGD with those gradients, traced again.
private func articleTraces(lr: Double) throws -> (before: Trace, after: Trace) {
    let root = packageRoot.path + "/"
    var net = try loadNetwork(model: root + xoModel, weights: root + xoWeights)
    let x = try InputFile.load(root + xoInput, expecting: net.shapes[0])
    let before = net.trace(input: x, target: 0)
    var sgd = SGD(learningRate: lr)
    sgd.step(&net, gradients: try before.parameterGradients(of: net).get())
    return (before, net.trace(input: x, target: 0))
}

private func value(_ t: Trace, _ layer: String, _ role: TraceRole, _ index: [Int]) throws -> Double {
    let r = try #require(t.record(layer, role))
    return r.tensor[index: index]
}

@Suite struct BackpropLessonTests {
    @Test func backpropLessonEndToEnd() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["lesson", "backprop", "--no-pause", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        for heading in ["The error at the votes", "The gradients of the voting weights", "Back through pooling",
                        "Through ReLU", "To the feature pixels", "One step, and the new error"] {
            #expect(r.stdout.contains(heading))
        }
        // The lesson's own lines; "wrote PATH" names a temporary folder of any length.
        for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix("wrote ") {
            #expect(line.unicodeScalars.count <= 80, "wider than 80 columns: \(line)")
        }
        let pdf = dir.appendingPathComponent("backprop.pdf").path
        let text = try pdfTool("pdftotext", pdf)
        let (before, after) = try articleTraces(lr: 0.1)
        let n = { (x: Double) in formatNumber(x, .rounded(4)) }
        // 1. the error at the votes; 2. a dense weight's gradient and an input's gradient;
        // 5. one feature pixel's gradient; 6. the loss before and after one step.
        let expected = [
            n(try value(before, "out", .gradOutput, [1])),
            n(try value(before, "out", .gradWeight, [1, 1])),
            n(try value(before, "out", .gradInput, [0, 0, 1])),
            n(try value(before, "conv1", .gradWeight, [0, 0, 0, 0])),
            n(try #require(before.loss)),
            n(try #require(after.loss)),
            n(try value(after, "out", .weight, [1, 1])),
            n(try value(after, "out", .output, [1])),
        ]
        for s in expected { #expect(text.contains(s), "the PDF lacks \(s)") }
        #expect(text.contains("conv1.grad_weight[0,0,0,0] in the trace"))
        let pngs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("backprop").path)
        #expect(pngs.filter { $0.hasSuffix(".png") }.count >= 8)
    }

    @Test func oneStepLowersTheLoss() throws {
        let (before, after) = try articleTraces(lr: 0.1)
        let l0 = try #require(before.loss), l1 = try #require(after.loss)
        #expect(l1 < l0)
        // The lesson's other learning rate overshoots, as its text says.
        let (_, overshoot) = try articleTraces(lr: 0.5)
        #expect(try #require(overshoot.loss) > l0)
    }

    @Test func xoLessonEndsWithLearning() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["lesson", "xo", "--no-pause", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let (before, after) = try articleTraces(lr: 0.1)
        let text = try pdfTool("pdftotext", dir.appendingPathComponent("xo.pdf").path)
        #expect(text.contains(formatNumber(try #require(after.loss), .rounded(4))))
        #expect(text.contains(formatNumber(try value(before, "out", .gradOutput, [1]), .rounded(4))))
    }
}

@Suite struct TrainingReportTests {
    @Test func trainReportIsAPDFWithEverySectionAndTheSameBytesTwice() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["train", "--count", "160", "--epochs", "2", "--seed", "3"]
        let a = dir.appendingPathComponent("a.pdf").path, b = dir.appendingPathComponent("b.pdf").path
        let r1 = try run(args + ["--report", a])
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r1.stdout.contains("wrote \(a)"))
        let r2 = try run(args + ["--report", b])
        #expect(r2.status == 0, "\(r2.stderr)")
        let bytesA = try Data(contentsOf: URL(fileURLWithPath: a)), bytesB = try Data(contentsOf: URL(fileURLWithPath: b))
        #expect(bytesA == bytesB, "same seed, different report bytes")
        // A title page, then seven sections that flow: fewer pages than sections, as none forces a page break.
        let pages = try #require(try pageCount(a))
        #expect(pages >= 2 && pages < 8, "\(pages) pages")
        let text = try pdfTool("pdftotext", a)
        for s in ["Loss and accuracy", "The learned features", "Confusion matrix", "Held-out images it got wrong",
                  "One weight update, worked out", "nudging beside backprop", "Work and time", "w′ = w − lr·v",
                  "Directions agree for", "article", "learned"] {
            #expect(text.contains(s), "the report lacks '\(s)'")
        }
        #expect(!text.contains("wall-clock time  "), "the wall-clock time stays out of the PDF")
        // The held-out count printed by the command is the one in the report.
        let line = try #require(r1.stdout.split(separator: "\n").first { $0.hasPrefix("held-out accuracy:") })
        let counted = try #require(line.split(separator: "(").last?.split(separator: ")").first)
        #expect(text.contains(String(counted)))
    }

    @Test func trainReportFolderIsCheckedBeforeTraining() throws {
        let r = try run(["train", "--count", "10", "--epochs", "1", "--report", "/nonexistent-folder/r.pdf"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--report"))
    }
}
