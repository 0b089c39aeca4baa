// answers.yaml (the key, machine-readable) and filled.yaml (a student's answers): writing and
// reading. The formats are described in docs/teaching.md.

import CNNFiles
import Foundation
import Yams

/// A string as a YAML double-quoted scalar: JSON's escaping (`jsonString`), which YAML reads.
func quoted(_ s: String) -> String { jsonString(s) }

/// A number as YAML reads it back exactly (Swift's shortest round-trip text).
func yamlNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
}

extension Worksheet {
    /// The key as YAML: seed, level, picture, tolerance, and per question its id, step, whether it
    /// is scored, prompt, answer, place in the trace, likely mistakes with their numbers, and derivation.
    public func answersYAML() -> String {
        var lines = ["# cnn-explain worksheet answers; format: docs/teaching.md", "worksheet: xo", "seed: \(seed)", "level: \(level)",
                     "picture: \(quoted(picture))", "tolerance: \(answerTolerance)", "questions:"]
        for q in questions {
            lines += ["  - id: \(quoted(q.id))", "    step: \(q.step.rawValue)", "    scored: \(q.scored)", "    prompt: \(quoted(q.prompt))"]
            switch q.answer {
            case .number(let v): lines.append("    answer: \(yamlNumber(v))")
            case .choice(let c): lines.append("    answer: \(quoted(c))")
            }
            lines.append("    source: \(quoted(q.source))")
            lines.append("    mistakes:" + (q.mistakes.isEmpty ? " []" : ""))
            lines += q.mistakes.map { "      - {kind: \($0.kind.rawValue), value: \(yamlNumber($0.value))}" }
            lines.append("    derivation: |-")
            lines += (q.derivation.isEmpty ? ["(none)"] : q.derivation.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
                .map { "      " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A template for one student's answers: every label with an empty value and the question as a comment.
    public func filledTemplate() -> String {
        var lines = ["# Answers to worksheet xo, sheet \(seed), level \(level). Write each answer after its colon, e.g.  1b: 0.55",
                     "# Numbers to 2 decimals; predictions as written on the sheet (X, O, 1, 0, -1, up, down). Leave skipped ones empty.",
                     "# Mark with: cnn-explain check answers.yaml THIS-FILE   (format: docs/teaching.md)",
                     "name: \"\"", "seed: \(seed)", "level: \(level)", "answers:"]
        for q in questions {
            lines.append("  \(q.id):".padding(toLength: 10, withPad: " ", startingAt: 0) + "# " + q.prompt)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The answer key read back from answers.yaml.
public struct AnswerKey: Sendable {
    public var seed: UInt64
    public var level: Int
    public var picture: String
    public var questions: [WorksheetQuestion]

    /// Reads answers.yaml.
    /// - Throws: `TeachingError` naming the file and the field at fault.
    public static func load(_ path: String) throws -> AnswerKey {
        let root = try loadYAMLMapping(path)
        func fail(_ field: String, _ m: String) -> TeachingError { TeachingError(file: path, field: field, m) }
        guard let list = root["questions"] as? [Any] else {
            throw fail("questions", "no list of questions: give the answers.yaml that 'cnn-explain worksheet' wrote (a student's filled.yaml comes second)")
        }
        guard let seed = root["seed"].flatMap(asInt), seed >= 0, let level = root["level"].flatMap(asInt) else {
            throw fail("seed", "expected a seed and a level (whole numbers)")
        }
        var questions: [WorksheetQuestion] = []
        for (k, item) in list.enumerated() {
            guard let q = item as? [String: Any], let id = q["id"].map({ "\($0)" }),
                  let step = (q["step"] as? String).flatMap(WorksheetStep.init(rawValue:)), let answer = q["answer"] else {
                throw fail("questions[\(k)]", "expected id, step (one of \(WorksheetStep.allCases.map(\.rawValue).joined(separator: ", "))) and answer")
            }
            let expected: WorksheetAnswer = asDouble(answer).map { .number($0) } ?? .choice("\(answer)")
            let mistakes = try (q["mistakes"] as? [Any] ?? []).enumerated().map { (m, raw) throws -> PlannedMistake in
                guard let d = raw as? [String: Any], let kind = (d["kind"] as? String).flatMap(MistakeKind.init(rawValue:)),
                      let value = d["value"].flatMap(asDouble) else { throw fail("questions[\(k)].mistakes[\(m)]", "expected {kind, value}") }
                return PlannedMistake(kind: kind, value: value)
            }
            questions.append(WorksheetQuestion(id: id, step: step, prompt: q["prompt"] as? String ?? "", answer: expected,
                                               source: q["source"] as? String ?? "", derivation: q["derivation"] as? String ?? "",
                                               mistakes: mistakes, scored: q["scored"] as? Bool ?? true))
        }
        return AnswerKey(seed: UInt64(seed), level: level, picture: root["picture"] as? String ?? "", questions: questions)
    }
}

/// One student's answers read from a filled.yaml.
public struct FilledSheet: Sendable {
    public var path: String
    public var name: String
    public var seed: UInt64?
    public var level: Int?
    /// Answer text by question id; a blank left empty is absent.
    public var answers: [String: String]

    /// Reads a filled.yaml.
    public static func load(_ path: String) throws -> FilledSheet {
        let root = try loadYAMLMapping(path)
        guard let raw = root["answers"] as? [AnyHashable: Any] else {
            throw TeachingError(file: path, field: "answers", "expected a mapping of question labels to answers, e.g. 1b: 0.55")
        }
        var answers: [String: String] = [:]
        for (key, value) in raw where !(value is NSNull) {
            let text = "\(value)".trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { answers["\(key)"] = text }
        }
        let name = root["name"].map { "\($0)" }.flatMap { $0.isEmpty || $0 == "<null>" ? nil : $0 }
        return FilledSheet(path: path, name: name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                           seed: root["seed"].flatMap(asInt).map { UInt64(max(0, $0)) }, level: root["level"].flatMap(asInt),
                           answers: answers)
    }
}

func loadYAMLMapping(_ path: String) throws -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: path) else { throw TeachingError(file: path, "cannot read the file") }
    let text = String(decoding: data, as: UTF8.self)
    let parsed: Any?
    do { parsed = try Yams.load(yaml: text) } catch {
        throw TeachingError(file: path, "not valid YAML: \("\(error)".split(whereSeparator: \.isNewline).joined(separator: " "))")
    }
    guard let map = parsed as? [String: Any] else { throw TeachingError(file: path, "expected a YAML mapping (key: value lines)") }
    return map
}

func asInt(_ v: Any) -> Int? {
    if let i = v as? Int { return i }
    if let s = v as? String { return Int(s) }
    return nil
}

/// A number from YAML or from a student's text: accepts the true minus sign "−" and a decimal comma.
func asDouble(_ v: Any) -> Double? {
    if let d = v as? Double { return d }
    if let i = v as? Int { return Double(i) }
    guard let s = v as? String else { return nil }
    let t = s.replacingOccurrences(of: "\u{2212}", with: "-").replacingOccurrences(of: ",", with: ".").trimmingCharacters(in: .whitespaces)
    return Double(t).flatMap { $0.isFinite ? $0 : nil }
}

/// `value` as one JSON object with sorted, snake_case keys: the class-spreadsheet form of a
/// marking or a class summary.
func sortedJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
