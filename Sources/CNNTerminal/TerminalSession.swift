import CNNFigures
/// Shows a lesson's sections in the terminal, one step at a time.
///
/// - Interactive: after each step it writes the prompt `[Enter] next · b back · q quit` and reads
///   one line: Enter (or `n`) shows the next step, `b` the previous one, `q` quits, a step number
///   jumps there; end of input quits too.
/// - Not interactive (stdout is not a terminal, or `--no-pause`): every step from the first shown
///   one is written, with no prompts.
///
/// Input and output are injected, so tests drive a session with a list of lines:
///
///     var keys = ["", "b", "q"].makeIterator()
///     var out = ""
///     let session = LessonSession(sections: run.sections, presenter: TerminalPresenter(color: false),
///                                 interactive: true, readLine: { keys.next() }, write: { out += $0 })
///     session.run(from: 1)
public struct LessonSession {
    /// How a session ended.
    public enum Outcome: Equatable, Sendable {
        /// The last step was shown (and, interactively, Enter pressed after it).
        case finished
        /// The learner typed `q` while step `step` (1-based) was on screen.
        case quit(step: Int)
        /// The input ended while step `step` (1-based) was on screen.
        case endOfInput(step: Int)
    }

    public var sections: [LessonSection]
    public var title: String?
    public var subtitle: String?
    public var presenter: TerminalPresenter
    public var interactive: Bool
    /// Interactively, a step longer than this many lines is shown a page at a time, with a
    /// `-- more --` prompt between pages (Enter or space: on, q: quit); nil shows it whole.
    public var pageLines: Int?
    let readLine: () -> String?
    let write: (String) -> Void

    /// - Parameters:
    ///   - sections: the steps, in order (`LessonRun.sections`).
    ///   - title, subtitle: written once, before the first step shown.
    ///   - interactive: pause after each step; pass `!noPause && stdin and stdout are terminals`.
    ///   - readLine: the next line typed, without its newline, or `nil` at end of input (`{ Swift.readLine() }`).
    ///   - write: writes text as given; every line ends in "\n", the prompt does not (`{ print($0, terminator: "") }`).
    public init(sections: [LessonSection], title: String? = nil, subtitle: String? = nil, presenter: TerminalPresenter,
                interactive: Bool, readLine: @escaping () -> String?, write: @escaping (String) -> Void) {
        self.sections = sections; self.title = title; self.subtitle = subtitle
        self.presenter = presenter; self.interactive = interactive
        self.readLine = readLine; self.write = write
    }

    /// The prompt written after each step in interactive mode.
    public static let prompt = "[Enter] next · b back · q quit"

    /// Shows the steps from step `start` (1-based; values outside the lesson are clamped).
    @discardableResult
    public func run(from start: Int = 1) -> Outcome {
        guard !sections.isEmpty else { return .finished }
        if let title { emit(presenter.titleLines(title, subtitle: subtitle) + [""]) }
        var index = min(max(start, 1), sections.count) - 1
        var first = true
        while true {
            if !first { write("\n") }
            first = false
            let lines = presenter.lines(for: sections[index], of: sections.count)
            if interactive, let page = pageLines, page >= 5, lines.count > page {
                if let stop = emitPaged(lines, page: page, step: index + 1) { return stop }
            } else {
                emit(lines)
            }
            guard interactive else {
                index += 1
                if index == sections.count { return .finished }
                continue
            }
            let isLast = index == sections.count - 1
            let prompt = isLast ? "[Enter] finish · b back · q quit" : Self.prompt
            promptLoop: while true {
                write("\n" + presenter.palette.paint(prompt, Ink(dim: true)) + " ")
                guard let typed = readLine() else {
                    write("\n")
                    return .endOfInput(step: index + 1)
                }
                let answer = typed.trimmingCharacters(in: .whitespaces).lowercased()
                switch answer {
                case "", "n", "next":
                    if isLast { return .finished }
                    index += 1
                    break promptLoop
                case "b", "back", "p", "prev":
                    if index == 0 {
                        write("(this is the first step)\n")
                        continue promptLoop
                    }
                    index -= 1
                    break promptLoop
                case "q", "quit", "exit":
                    return .quit(step: index + 1)
                default:
                    if let n = Int(answer), n >= 1, n <= sections.count {
                        index = n - 1
                        break promptLoop
                    }
                    write("Press Enter for the next step, b to go back, q to quit, or type a step number (1–\(sections.count)).\n")
                }
            }
        }
    }

    /// Writes `lines` a page at a time; returns how the session ended when the learner quit or
    /// the input ended between pages, nil when every page was shown.
    func emitPaged(_ lines: [String], page: Int, step: Int) -> Outcome? {
        var start = 0
        while start < lines.count {
            let end = min(start + page, lines.count)
            emit(Array(lines[start..<end]))
            start = end
            guard start < lines.count else { break }
            write(presenter.palette.paint("-- more (\(start) of \(lines.count) lines) · [Enter] on · q quit --", Ink(dim: true)) + " ")
            guard let typed = readLine() else { write("\n"); return .endOfInput(step: step) }
            write("\n")
            if typed.trimmingCharacters(in: .whitespaces).lowercased() == "q" { return .quit(step: step) }
        }
        return nil
    }

    func emit(_ lines: [String]) {
        write(lines.map { $0 + "\n" }.joined())
    }

    /// The 1-based number of the step `selector` names: a number ("3"), a step id ("convolution"),
    /// or the slug of its heading ("convolution-worked-through"); case does not matter.
    ///
    /// - Throws: `StepSelectionError` listing the steps, when nothing matches.
    public static func stepNumber(_ selector: String, in sections: [LessonSection]) throws(StepSelectionError) -> Int {
        let wanted = selector.trimmingCharacters(in: .whitespaces)
        if let n = Int(wanted) {
            guard n >= 1, n <= sections.count else { throw StepSelectionError(selector: selector, sections: sections) }
            return n
        }
        let key = headingSlug(wanted)
        if let s = sections.first(where: { $0.id.lowercased() == wanted.lowercased() || headingSlug($0.id) == key }) { return s.number }
        if let s = sections.first(where: { headingSlug($0.heading) == key }) { return s.number }
        throw StepSelectionError(selector: selector, sections: sections)
    }

    /// A heading as a slug: lowercase letters and digits, runs of anything else as one "-".
    ///
    ///     headingSlug("Convolution, worked through")  // "convolution-worked-through"
    public static func headingSlug(_ text: String) -> String {
        var out = ""
        var dash = false
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber {
                if dash && !out.isEmpty { out.append("-") }
                out.append(ch)
                dash = false
            } else {
                dash = true
            }
        }
        return out
    }
}

/// `--from` named no step of the lesson.
public struct StepSelectionError: Error, Sendable, CustomStringConvertible {
    public var selector: String
    /// "1 xo (x-and-os)", one per step: what `--from` accepts.
    public var available: [String]

    init(selector: String, sections: [LessonSection]) {
        self.selector = selector
        self.available = sections.map { "\($0.number)  \($0.id)  (\(LessonSession.headingSlug($0.heading)))" }
    }

    public var description: String {
        "no step '\(selector)' in this lesson; give a number, a step id or a heading slug:\n"
            + available.map { "  " + $0 }.joined(separator: "\n")
    }
}
