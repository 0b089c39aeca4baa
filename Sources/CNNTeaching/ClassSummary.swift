import Foundation

/// What a class got wrong: per step and per question, how many students missed it.
public struct ClassSummary: Sendable, Codable {
    public struct StepLine: Sendable, Codable {
        public var step: String
        /// Students who got at least one of this step's questions wrong or left it blank.
        public var studentsMissing: Int
    }
    public struct QuestionLine: Sendable, Codable {
        public var id: String
        public var step: String
        public var wrong: Int
        public var blank: Int
        /// The mistake named most often for this question, if any.
        public var commonMistake: String?
    }
    public struct StudentLine: Sendable, Codable {
        public var name: String
        public var file: String
        public var score: Int
        public var outOf: Int
        public var percent: Double
    }

    public var students: Int
    /// The step the most students missed (the first in worksheet order on a tie); nil when nobody missed anything.
    public var mostMissedStep: String?
    public var steps: [StepLine]
    public var questions: [QuestionLine]
    public var sheets: [StudentLine]

    /// Marks every filled sheet (`*.yaml`, `*.yml`) in `folder`, skipping answer keys, and sums up.
    /// - Throws: `TeachingError` for a folder with no sheets, or the first sheet that does not load or match the key.
    public static func make(folder: String, key: AnswerKey) throws -> ClassSummary {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var marked: [MarkedSheet] = []
        for file in files {
            let path = (folder as NSString).appendingPathComponent(file)
            if (try? loadYAMLMapping(path))?["questions"] != nil { continue }
            marked.append(try mark(try FilledSheet.load(path), against: key))
        }
        guard !marked.isEmpty else { throw TeachingError(file: folder, "no filled sheets (*.yaml) in this folder") }
        return ClassSummary(marked: marked, key: key)
    }

    /// The summary of sheets already marked against `key`.
    public init(marked: [MarkedSheet], key: AnswerKey) {
        students = marked.count
        sheets = marked.map { StudentLine(name: $0.name, file: $0.file, score: $0.score, outOf: $0.outOf, percent: $0.percent) }
        questions = key.questions.filter(\.scored).map { q in
            let all = marked.compactMap { $0.answers.first { $0.id == q.id } }
            let names = all.flatMap(\.mistakes)
            let counts = Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +)
            let common = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
            return QuestionLine(id: q.id, step: q.step.rawValue, wrong: all.filter { $0.verdict == .wrong }.count,
                                blank: all.filter { $0.verdict == .blank }.count, commonMistake: common)
        }
        var order: [String] = []
        for q in key.questions where q.scored && !order.contains(q.step.rawValue) { order.append(q.step.rawValue) }
        steps = order.map { step in
            StepLine(step: step, studentsMissing: marked.filter { s in
                s.answers.contains { $0.step == step && ($0.verdict == .wrong || $0.verdict == .blank) }
            }.count)
        }
        let top = steps.max { $0.studentsMissing < $1.studentsMissing || ($0.studentsMissing == $1.studentsMissing && order.firstIndex(of: $0.step) ?? 0 > order.firstIndex(of: $1.step) ?? 0) }
        mostMissedStep = (top?.studentsMissing ?? 0) > 0 ? top?.step : nil
    }

    /// The summary as text.
    public var report: String {
        var lines = [students == 1 ? "1 sheet marked" : "\(students) sheets marked"]
        if let step = mostMissedStep, let line = steps.first(where: { $0.step == step }) {
            lines.append("the step most students missed: \(step) (\(line.studentsMissing) of \(students) students)")
        } else {
            lines.append("nobody missed a step")
        }
        lines.append("by step:")
        lines += steps.map { "  \($0.step): \($0.studentsMissing) of \(students) missed at least one answer" }
        lines.append("by question:")
        for q in questions {
            let mistake = q.commonMistake.flatMap(MistakeKind.init(rawValue:)).map { "; most often: \($0.explanation)" } ?? ""
            lines.append("  \(q.id) (\(q.step)): \(q.wrong) wrong, \(q.blank) blank\(mistake)")
        }
        lines.append("scores:")
        lines += sheets.map { "  \($0.name): \($0.score) of \($0.outOf) (\(formatPercent($0.percent)))" }
        return lines.joined(separator: "\n")
    }

    /// The summary as one JSON object (sorted keys).
    public func json() throws -> String {
        try sortedJSON(self)
    }
}
