import CNNCore
import CNNFigures
import CNNFiles
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// The `{{…}}` template language of lesson text (`StepBuilder.fillTemplates`), on the xo lesson:
/// every value is checked against the trace or fixture it names, never retyped.
@Suite struct TemplateTests {
    let lesson: Lesson
    let run: LessonRun
    let builder: StepBuilder
    let step: LessonStep

    init() throws {
        lesson = try Lesson.load(Fixtures.lessons.appendingPathComponent("xo.yaml").path)
        run = try LessonRunner.run(lesson)
        var networks: [String: Network] = [:]
        for input in lesson.inputs where input.model == nil { networks[input.name] = run.network }
        let reference = try lesson.reference.map { try loadDocument($0) }
        builder = StepBuilder(lesson: lesson, network: run.network, traces: run.traces, networks: networks,
                              reference: reference, experiment: nil)
        step = try #require(lesson.steps.first)
    }

    func fill(_ text: String) throws -> String { try builder.fillTemplates(text, step: step) }

    func value(_ input: String, _ layer: String, _ role: TraceRole, _ index: [Int]) throws -> Double {
        try #require(run.traces[input]?.record(layer, role)).tensor[index: index]
    }

    @Test func aTracedNumberInTheLessonsStyleAndInOthers() throws {
        let v = try value("X", "conv1", .output, [0, 0, 4])
        #expect(lesson.numbers == .truncated(2))
        #expect(try fill("a {{X:conv1.output[0,0,4]}} b") == "a \(formatNumber(v, .truncated(2))) b")
        #expect(try fill("{{X:conv1.output[0,0,4]|full}}") == formatNumber(v, .full))
        #expect(try fill("{{X:conv1.output[0,0,4]|round}}") == formatNumber(v, .rounded(2)))
        #expect(try fill("{{X:conv1.output[0,0,4]|round4}}") == formatNumber(v, .rounded(4)))
        #expect(try fill("{{ X:conv1.output[0,0,4] | truncate3 }}") == formatNumber(v, .truncated(3)))
    }

    /// A number quoted from a trace carries its element for the page (the loss too); a sum carries its operands; counts carry nothing.
    @Test func quotedTraceElementsKeepTheirSource() throws {
        let (text, quoted) = try builder.fillTemplatesQuoting("a {{X:conv1.output[0,0,4]|round}} b {{X:loss}} c {{X:conv1.output.count}} d {{X:conv1.output[0,0,4] + X:conv1.output[0,0,5]}}", step: step)
        let r = try #require(run.traces["X"]?.record("conv1", .output))
        let loss = try #require(run.traces["X"]?.loss)
        #expect(quoted.map(\.source) == [TraceSource(trace: "X", key: "conv1.output", index: 4), TraceSource(trace: "X", key: "loss.output", index: 0), nil])
        #expect(quoted.map(\.value) == [r.data[4], loss, r.data[4] + r.data[5]])
        #expect(quoted.map(\.text) == [formatNumber(r.data[4], .rounded(2)), formatNumber(loss, .truncated(2)), formatNumber(r.data[4] + r.data[5], .truncated(2))])
        // The sum is worked from its two trace elements, each an operand with its source.
        #expect(quoted.last?.derived?.operation == .sum)
        #expect(quoted.last?.derived?.operands.map(\.source) == [TraceSource(trace: "X", key: "conv1.output", index: 4), TraceSource(trace: "X", key: "conv1.output", index: 5)])
        // The marks that place them are gone from the text the PDF and the terminal get.
        #expect(text.filter { $0 == StepBuilder.quoteMark }.count == 3)
        #expect(try fill("a {{X:conv1.output[0,0,4]}} b") == "a \(formatNumber(r.data[4], .truncated(2))) b")
        // The smallest value of a record is its first element with that value.
        let least = try builder.fillTemplatesQuoting("{{X:conv1.output.min}}", step: step).1
        let k = try #require(r.data.firstIndex(of: r.data.min() ?? 0))
        #expect(least.map(\.source) == [TraceSource(trace: "X", key: "conv1.output", index: k)] && least.map(\.value) == [r.data[k]])
    }

    @Test func wholeArraysAndCounts() throws {
        let r = try #require(run.traces["X"]?.record("conv1", .output))
        #expect(try fill("{{X:conv1.output.max}}") == formatNumber(r.data.max() ?? 0, .truncated(2)))
        #expect(try fill("{{X:conv1.output.min}}") == formatNumber(r.data.min() ?? 0, .truncated(2)))
        #expect(try fill("{{X:conv1.output.sum|full}}") == formatNumber(r.data.reduce(0, +), .full))
        // Counts print as whole numbers.
        #expect(try fill("{{X:conv1.output.count}}") == String(r.data.count))
        #expect(try fill("{{X:conv1.output.negative}}") == String(r.data.filter { $0 < 0 }.count))
        #expect(try fill("{{X:conv1.output.nonzero}}") == String(r.data.filter { $0 != 0 }.count))
    }

    @Test func lossDifferencesSumsAndSteps() throws {
        let loss = try #require(run.traces["X"]?.loss)
        #expect(try fill("{{X:loss|full}}") == formatNumber(loss, .full))
        let a = try ArticleFixture()
        let x = try a.image("X"), deformed = try a.image("X_deformed")
        #expect(try fill("{{differ:X,X_deformed}}") == String(zip(x.values, deformed.values).filter { $0 != $1 }.count))
        let p = try value("X", "pool1", .output, [0, 0, 0]), q = try value("X", "pool1", .output, [1, 0, 0])
        #expect(try fill("{{X:pool1.output[0,0,0] + X:pool1.output[1,0,0]|full}}") == formatNumber(p + q, .full))
        #expect(try fill("{{X:pool1.output[0,0,0] − X:pool1.output[1,0,0]|full}}") == formatNumber(p - q, .full))
        let stepped = try builder.steppedTrace("X", lr: 0.1, step)
        #expect(try fill("{{X@0.1:loss|full}}") == formatNumber(try #require(stepped.loss), .full))
    }

    /// `{{taught:ID}}` reads "step N" on screen and "page {{page:ID}}, step N" on paper, for the
    /// PDF writer to fill in; N is the step's place in the lesson file.
    @Test func whereAWordIsTaught() throws {
        let n = try #require(lesson.steps.firstIndex { $0.id == "pooling" }) + 1
        let marked = try fill("({{taught:pooling}})")
        #expect(StepBuilder.taughtPlaces(marked) { _ in "" } == "(step \(n))")
        let paper = StepBuilder.taughtPlaces(marked) { "page {{page:\($0)}}, " }
        #expect(paper == "(page {{page:pooling}}, step \(n))")
        #expect(LessonSection.fillPages(paper, ["pooling": 9]) == "(page 9, step \(n))")
        #expect(LessonSection.fillPages(paper, [:]) == "(page ?, step \(n))")
    }

    @Test func referenceValuesAreQuotedAsWritten() throws {
        let votes = try ArticleFixture().numbers("votes", "values")
        // A number from the reference keeps its own digits.
        #expect(try fill("{{ref:votes.values.0}}") == formatNumber(votes[0], .full))
        #expect(try fill("{{ref:votes.values.0|round1}}") == formatNumber(votes[0], .rounded(1)))
    }

    @Test(arguments: [
        ("{{X:conv1.output[0,0,4]", "no closing"),
        ("{{X:conv1.output[0,0,4]|wide}}", "unknown format"),
        ("{{X:conv1.output[0,0,99]}}", "outside the shape"),
        ("{{X:conv1.output[0,a,4]}}", "not an index"),
        ("{{Z:conv1.output[0,0,4]}}", "no input named"),
        ("{{X:conv9.output[0,0,0]}}", "no layer"),
        ("{{X:conv1.output.median}}", "is not sum"),
        ("{{X:conv1.outptu[0,0,4]}}", "'outptu' is not a role; the roles are input, weight, bias, output"),
        ("{{X:conv1.output}}", "give an index"),
        ("{{X:loss * X:loss}}", "is not +, − or /"),
        ("{{X:loss +}}", "joined by"),
        ("{{nonsense}}", "write INPUT"),
        ("{{taught:nowhere}}", "no step has the id 'nowhere'"),
    ])
    func badTemplatesNameTheirProblem(text: String, message: String) throws {
        do {
            _ = try fill(text)
            Issue.record("\(text) was accepted")
        } catch let e as LessonError {
            #expect(e.description.contains(message), "\(e.description)")
            #expect(e.line == step.line)
        }
    }
}

/// A lesson's `map` and `gradient` roles are `TraceRole`s of the kinds each figure draws; another
/// is one located error naming the field and the roles it takes.
@Test(arguments: [("map: {input: X, layer: conv1, role: outptu}", "map.role must be input, output, grad_output or grad_input"),
                  ("map: {input: X, layer: conv1, role: weight}", "map.role must be input, output, grad_output or grad_input"),
                  ("gradient: {input: X, layer: conv1, role: output}", "gradient.role must be grad_weight, grad_bias, grad_output or grad_input")])
func lessonRolesAreChecked(item: String, message: String) throws {
    let fixtures = Fixtures.url("lessons")
    let text = try String(contentsOf: fixtures.appendingPathComponent("plain.yaml"), encoding: .utf8)
        .replacingOccurrences(of: "model: plain.json", with: "model: \(fixtures.path)/plain.json")
        .replacingOccurrences(of: "file: plain_x.txt", with: "file: \(fixtures.path)/plain_x.txt")
    let folder = try Fixtures.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("roles.yaml").path
    try Data((text + "  - heading: \"Roles\"\n    show:\n      - \(item)\n").utf8).write(to: URL(fileURLWithPath: path))
    do {
        _ = try Lesson.load(path)
        Issue.record("\(item) was accepted")
    } catch {
        #expect(error.description.hasPrefix(path) && error.description.contains(message), "\(error)")
    }
}
