import CNNFigures
import CNNHTML
import CNNLessons
import Foundation
import TestSupport
import Testing

/// The xo lesson's error curve as the HTML page draws it: one point per error the engine measured,
/// the point now, and the figure's notes as text.
@Test func theErrorCurveIsDrawnAsSVGWithItsNotes() throws {
    let run = try LessonRunner.run(try Lesson.load(Fixtures.lessons.appendingPathComponent("xo.yaml").path))
    let section = try #require(run.sections.first { $0.id == "learning" })
    guard case .errorCurve(let f) = try #require(section.figures.first { $0.name.contains("error-curve") }).figure else {
        Issue.record("not an error curve"); return
    }
    let html = FigureHTML.draw(.errorCurve(f)).rendered
    #expect(html.components(separatedBy: "<circle").count - 1 == f.weights.count + 4)
    #expect(html.contains("fill=\"#ffc20a\""))
    // The notes' numbers are buttons for their derivations: the words read the same without the tags.
    let text = html.replacing(#/<[^>]+>/#, with: "")
    for note in f.notes { #expect(text.contains(HTML.escape(note))) }
    #expect(html.components(separatedBy: "class=\"drv\"").count - 1 == f.noteParts.joined().filter { if case .number = $0 { true } else { false } }.count)
    #expect(html.contains("tangent at now, slope \(formatNumber(f.gradient, f.numberStyle))"))
}
