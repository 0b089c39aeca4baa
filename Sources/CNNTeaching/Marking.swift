// `cnn-explain check`: marks a filled sheet against the key, names the likely mistake behind a
// wrong number, and sums up a class.

import Foundation

/// One marked answer.
public struct MarkedAnswer: Sendable, Codable {
    public enum Verdict: String, Sendable, Codable { case right, wrong, blank, prediction }
    public var id: String
    public var step: String
    public var verdict: Verdict
    public var given: String?
    public var answer: String
    /// The mistakes whose number the given answer matches (empty when none explains it).
    public var mistakes: [String]
    /// What to show for a wrong answer: the mistake in words, or the correct derivation.
    public var feedback: String
}

/// A marked sheet: every answer and the score over the scored questions.
public struct MarkedSheet: Sendable, Codable {
    public var name: String
    public var file: String
    public var seed: UInt64
    public var level: Int
    public var score: Int
    public var outOf: Int
    public var percent: Double
    public var answers: [MarkedAnswer]
}

/// Marks `sheet` against `key`.
/// - Throws: `TeachingError` when the sheet is for another seed or level, or names a label the key does not have.
public func mark(_ sheet: FilledSheet, against key: AnswerKey) throws -> MarkedSheet {
    if let s = sheet.seed, s != key.seed {
        throw TeachingError(file: sheet.path, field: "seed", "this sheet is number \(s); the answers are for sheet \(key.seed)")
    }
    if let l = sheet.level, l != key.level {
        throw TeachingError(file: sheet.path, field: "level", "this sheet is level \(l); the answers are for level \(key.level)")
    }
    let known = Set(key.questions.map(\.id))
    if let unknown = sheet.answers.keys.sorted().first(where: { !known.contains($0) }) {
        throw TeachingError(file: sheet.path, field: "answers.\(unknown)", "no such question (the sheet has: \(key.questions.map(\.id).joined(separator: ", ")))")
    }
    let answers = key.questions.map { markAnswer($0, given: sheet.answers[$0.id]) }
    let scored = answers.filter { $0.verdict != .prediction }
    let right = scored.filter { $0.verdict == .right }.count
    return MarkedSheet(name: sheet.name, file: sheet.path, seed: key.seed, level: key.level, score: right, outOf: scored.count,
                       percent: scored.isEmpty ? 100 : (Double(right) * 1000 / Double(scored.count)).rounded() / 10, answers: answers)
}

/// Marks one answer: right within `answerTolerance`, a prediction (not scored), blank, or wrong with
/// the mistakes whose numbers it matches (or, when none does, the working).
public func markAnswer(_ q: WorksheetQuestion, given: String?) -> MarkedAnswer {
    var result = MarkedAnswer(id: q.id, step: q.step.rawValue, verdict: .blank, given: given, answer: q.answer.text, mistakes: [], feedback: "")
    let correct = given.map { isRight($0, q.answer) } ?? false
    if !q.scored {
        result.verdict = .prediction
        result.feedback = given == nil ? "no prediction" : correct ? "your prediction was right" : "your prediction was not what happened"
        return result
    }
    guard let given else {
        result.feedback = "left blank; the working:\n" + q.derivation
        return result
    }
    if correct { result.verdict = .right; return result }
    result.verdict = .wrong
    if let v = asDouble(given) {
        let matched = q.mistakes.filter { answerMatches(v, $0.value) }.map(\.kind)
        var seen = Set<MistakeKind>()
        let unique = matched.filter { seen.insert($0).inserted }
        result.mistakes = unique.map(\.rawValue)
        if !unique.isEmpty {
            result.feedback = "likely mistake: " + unique.map(\.explanation).joined(separator: "; or ")
            return result
        }
    }
    result.feedback = "the working:\n" + q.derivation
    return result
}

/// A choice compares as text (X, up, −1); a number within `answerTolerance`.
func isRight(_ given: String, _ answer: WorksheetAnswer) -> Bool {
    switch answer {
    case .number(let v): return asDouble(given).map { answerMatches($0, v) } ?? false
    case .choice(let c):
        let norm = { (s: String) in s.replacingOccurrences(of: "\u{2212}", with: "-").trimmingCharacters(in: .whitespaces).lowercased() }
        return norm(given) == norm(c)
    }
}

extension MarkedSheet {
    /// The marking as text: one line per answer (feedback indented under a wrong one), then the score.
    public var report: String {
        var lines = ["\(name) (\(file)): sheet \(seed), level \(level)"]
        for a in answers {
            let given = a.given ?? "—"
            switch a.verdict {
            case .right: lines.append("  \(a.id)  right   \(given)")
            case .prediction: lines.append("  \(a.id)  predict \(given) (it was \(a.answer)): \(a.feedback)")
            case .blank, .wrong:
                lines.append("  \(a.id)  \(a.verdict == .blank ? "blank " : "wrong ")  \(given), the answer is \(a.answer)")
                lines += a.feedback.split(separator: "\n").map { "        " + $0 }
            }
        }
        lines.append("score: \(score) of \(outOf) (\(formatPercent(percent)))")
        return lines.joined(separator: "\n")
    }

    /// The marking as one JSON object (sorted keys), for a class spreadsheet.
    public func json() throws -> String {
        try sortedJSON(self)
    }
}

func formatPercent(_ p: Double) -> String {
    p == p.rounded() ? "\(Int(p)) %" : "\(p) %"
}
