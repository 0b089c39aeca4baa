import CNNFigures
import Foundation

// The numbers a lesson's sentences write that are not one trace element: values quoted from the
// reference file (the article's slides), arithmetic worked in a template (`{{ref:a − ref:b}}`,
// `{{7 / 9|round4}}`) and the step's own parameters (`{{show:update.lr}}`). Each gets a
// `DerivedNumber`, so the HTML page can make it a button; the PDF and the terminal ignore it.

extension StepBuilder {
    /// How the number a template `{{body}}` writes is derived, when it is not one trace element:
    /// a value quoted from the reference file, a lesson parameter, or a sum, difference or quotient
    /// of terms. Nil for counts, step numbers, words and anything with mixed operators.
    func derivedNumber(_ body: String, step: LessonStep) throws -> DerivedNumber? {
        let expr = body.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let tokens = expr.split(separator: " ").map(String.init)
        guard tokens.count % 2 == 1, let first = tokens.first else { return nil }
        if tokens.count == 1 { return try givenNumber(first, body: body, step: step) }
        let operators = Set(stride(from: 1, to: tokens.count, by: 2).map { tokens[$0] })
        guard operators.count == 1, let op = operators.first else { return nil }
        let operation: DerivedNumber.Operation
        switch op {
        case "+": operation = .sum
        case "−" where tokens.count == 3, "-" where tokens.count == 3: operation = .difference
        case "/" where tokens.count == 3: operation = .quotient
        default: return nil
        }
        let terms = stride(from: 0, to: tokens.count, by: 2).map { tokens[$0] }
        guard terms.allSatisfy({ Double($0) != nil || $0.hasPrefix("ref:") || $0.hasPrefix("show:") || elementSource($0, step: step) != nil }) else { return nil }
        let operands = try terms.map { term throws in
            let value = try Double(term) ?? numeric(term, body: body, step: step)
            // A whole operand (the right answer 1) is written as a count, as the sentence writes it.
            let text = Double(term) != nil ? term : value == value.rounded() && abs(value) < 1e15 ? formatCount(value, style) : try evaluate(term, step: step)
            return DerivedOperand(operandName(term), value, text: text, source: elementSource(term, step: step)?.0)
        }
        let value = try terms.dropFirst().reduce(operands[0].value) { total, term in
            let v = try Double(term) ?? numeric(term, body: body, step: step)
            switch operation { case .difference: return total - v; case .quotient: return total / v; default: return total + v }
        }
        return DerivedNumber(op == "/" ? "quotient" : op == "+" ? "sum" : "difference", operation, operands, value: value)
    }

    /// A single quoted value: from the reference file (the article's slide) or a lesson parameter.
    func givenNumber(_ term: String, body: String, step: LessonStep) throws -> DerivedNumber? {
        if term.hasPrefix("ref:"), case .number(let v)? = referenceValue(String(term.dropFirst(4))) {
            let path = String(term.dropFirst(4))
            let file = lesson.reference.map { ($0 as NSString).lastPathComponent } ?? "the reference file"
            let page = referencePage(path).map { ", \($0)" } ?? ""
            return DerivedNumber("slide value", .given("quoted from the article's slide\(page), not computed: \(file) gives \(formatNumber(v, .full)) at \(path)"),
                                 [], value: v)
        }
        if term.hasPrefix("show:") {
            let v = try numeric(term, body: body, step: step), field = String(term.dropFirst(5))
            let file = (lesson.file as NSString).lastPathComponent
            return DerivedNumber("lesson parameter", .given("a parameter of the lesson, not computed: the field \(field) of the step \"\(step.id)\" in \(file) (\(formatNumber(v, .full)))"),
                                 [], value: v)
        }
        return nil
    }

    /// `show:KIND.FIELD`: a number field of the step's first `show` item of that kind (`update.lr`,
    /// `error_curve.from`).
    func showField(_ tail: String, body: String, step: LessonStep) throws -> Double {
        for item in step.show {
            switch (item, tail) {
            case let (.update(_, lr, _, _, _), "update.lr"), let (.afterStep(_, _, lr, _), "after_step.lr"): return lr
            case let (.errorCurve(_, _, _, from, _, _, _, _), "error_curve.from"): return from
            case let (.errorCurve(_, _, _, _, to, _, _, _), "error_curve.to"): return to
            default: continue
            }
        }
        throw fail(step, "{{\(body)}}: the step shows no '\(tail)' (write show:update.lr, show:after_step.lr, show:error_curve.from or show:error_curve.to)")
    }

    /// The `page` the reference gives next to `path` or above it (e.g. `error_table.page`).
    func referencePage(_ path: String) -> String? {
        var parts = path.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            parts.removeLast()
            if case .string(let page)? = referenceValue((parts + ["page"]).joined(separator: ".")) { return page }
        }
        return nil
    }

    func operandName(_ term: String) -> String {
        if term.hasPrefix("ref:") { return term.split(separator: ".").last.map(String.init) ?? "" }
        if term.hasPrefix("show:") { return String(term.dropFirst(5)) }
        return ""
    }

    /// The learning rate a caption writes, a parameter of the step's `KIND` item (`update`).
    func learningRateSource(_ lr: Double, _ kind: String, _ step: LessonStep) -> TextSource {
        let file = (lesson.file as NSString).lastPathComponent
        return TextSource(formatNumber(lr, .full), derived: DerivedNumber("learning rate", .given(
            "a parameter of the lesson, not computed: the field \(kind).lr of the step \"\(step.id)\" in \(file) (\(formatNumber(lr, .full)))"),
            [], value: lr))
    }
}
