import CNNFigures

extension WorksheetAnswer {
    /// The answer as the key prints it: whole numbers plainly, others to 2 decimals (rounded).
    public var text: String {
        switch self {
        case .number(let v): return formatCount(v, .standard)
        case .choice(let c): return c.replacingOccurrences(of: "-", with: "\u{2212}")
        }
    }
}

/// The figure with every blank labelled by a question's id replaced by that question's answer
/// (the answer key's copy of a student figure).
func filled(_ figure: Figure, with answers: [String: String]) -> Figure {
    switch figure {
    case .worksheetGrid(var f):
        f.cells = f.cells.map { row in
            row.map { cell in
                if case .blank(let label?) = cell, let text = answers[label] { return .given(text) }
                return cell
            }
        }
        return .worksheetGrid(f)
    case .row(let figures, let spacing): return .row(figures.map { filled($0, with: answers) }, spacing: spacing)
    case .column(let figures, let spacing): return .column(figures.map { filled($0, with: answers) }, spacing: spacing)
    default: return figure
    }
}

extension WorksheetPart {
    /// A part whose key figures are `key` (or the student figures) with the answers filled in.
    init(title: String, text: [String], student: [Figure], key: [Figure]? = nil, questions: [WorksheetQuestion]) {
        let answers = Dictionary(questions.map { ($0.id, $0.answer.text) }, uniquingKeysWith: { a, _ in a })
        self.init(title: title, text: text, studentFigures: student,
                  keyFigures: (key ?? student).map { filled($0, with: answers) }, questions: questions)
    }
}
