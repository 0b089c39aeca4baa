import CNNFigures
// Text for a terminal: display width, ANSI styles, word wrapping, and the two light markups
// (the lesson's `*emphasis*`/`**strong**` and Pango's `<b>`/`<i>`/`<tt>`).
// Nothing here writes anywhere; `TerminalPresenter` and `LessonSession` do.

/// How a run of terminal text looks. Only drawn when colour is on.
struct Ink: Hashable, Sendable {
    var bold = false
    var italic = false
    var underline = false
    var dim = false
    var tone: Tone?

    /// Colours with a meaning: the sign of a number, a highlighted cell.
    enum Tone: Hashable, Sendable {
        /// Positive numbers: blue, as in the figures.
        case positive
        /// Negative numbers: orange, as in the figures.
        case negative
        /// Highlighted cells: yellow.
        case highlight
    }

    static let plain = Ink()
    static let bold = Ink(bold: true)
    static let italic = Ink(italic: true)

    /// The SGR parameters that turn this ink on ("1;38;5;32"), or nil for plain text.
    var sgr: String? {
        var codes: [String] = []
        if bold { codes.append("1") }
        if dim { codes.append("2") }
        if italic { codes.append("3") }
        if underline { codes.append("4") }
        switch tone {
        case .positive?: codes.append("38;5;32")   // steel blue, readable on dark and light backgrounds
        case .negative?: codes.append("38;5;208")  // orange
        case .highlight?: codes.append("38;5;178") // gold
        case nil: break
        }
        return codes.isEmpty ? nil : codes.joined(separator: ";")
    }

    func merged(with other: Ink) -> Ink {
        Ink(bold: bold || other.bold, italic: italic || other.italic, underline: underline || other.underline,
            dim: dim || other.dim, tone: other.tone ?? tone)
    }
}

/// Applies inks, or not: the one place that knows whether colour is on.
struct Palette: Sendable {
    var color: Bool

    /// `text` wrapped in the escape codes of `ink` (and a reset), or `text` itself when colour is off.
    func paint(_ text: String, _ ink: Ink) -> String {
        guard color, !text.isEmpty, let sgr = ink.sgr else { return text }
        return "\u{1B}[\(sgr)m\(text)\u{1B}[0m"
    }

    /// A number's ink from its sign: positive blue, negative orange, a value shown as zero plain.
    func signInk(_ value: Double, shown text: String) -> Ink {
        let showsZero = text.allSatisfy { "0.−-+ ".contains($0) }
        if value.isNaN || showsZero { return .plain }
        return Ink(tone: value > 0 ? .positive : .negative)
    }
}

/// A piece of text in one ink.
struct Span: Sendable, Equatable {
    var text: String
    var ink: Ink
}

/// Word-wraps styled spans to `width` columns. Spaces separate words; a word longer than a
/// line is cut. Each line opens and closes its own escape codes, so a style never leaks
/// into the next line or the prompt.
func wrap(_ spans: [Span], width: Int, palette: Palette, indent: String = "") -> [String] {
    // Words are lists of spans, so "**7**," stays one word in two inks.
    var words: [[Span]] = []
    var current: [Span] = []
    for span in spans {
        var piece = ""
        for ch in span.text {
            if ch == " " || ch == "\n" || ch == "\t" {
                if !piece.isEmpty { current.append(Span(text: piece, ink: span.ink)); piece = "" }
                if !current.isEmpty { words.append(current); current = [] }
            } else {
                piece.append(ch)
            }
        }
        if !piece.isEmpty { current.append(Span(text: piece, ink: span.ink)) }
    }
    if !current.isEmpty { words.append(current) }

    let available = max(1, width - displayWidth(indent))
    var lines: [String] = []
    var line: [Span] = []
    var lineWidth = 0
    func flush() {
        lines.append(indent + render(line, palette: palette))
        line = []
        lineWidth = 0
    }
    for var word in words {
        var wordWidth = word.reduce(0) { $0 + $1.text.unicodeScalars.count }
        // Cut a word that cannot fit on any line.
        while wordWidth > available {
            if lineWidth > 0 { flush() }
            var head: [Span] = []
            var room = available
            var rest: [Span] = []
            for span in word {
                let n = span.text.unicodeScalars.count
                if room >= n { head.append(span); room -= n; continue }
                if room > 0 {
                    let scalars = Array(span.text.unicodeScalars)
                    head.append(Span(text: String(String.UnicodeScalarView(scalars[..<room])), ink: span.ink))
                    rest.append(Span(text: String(String.UnicodeScalarView(scalars[room...])), ink: span.ink))
                    room = 0
                } else {
                    rest.append(span)
                }
            }
            line = head
            lineWidth = available
            flush()
            word = rest
            wordWidth = word.reduce(0) { $0 + $1.text.unicodeScalars.count }
        }
        if wordWidth == 0 { continue }
        if lineWidth > 0 && lineWidth + 1 + wordWidth > available { flush() }
        if lineWidth > 0, let last = line.last, let next = word.first {
            // The space between two words takes their ink when they share it, so a bold phrase is one run.
            line.append(Span(text: " ", ink: last.ink == next.ink ? last.ink : .plain))
            lineWidth += 1
        }
        line += word
        lineWidth += wordWidth
    }
    if lineWidth > 0 || lines.isEmpty { flush() }
    return lines
}

/// Spans as one string, neighbours of the same ink joined into one escape run.
func render(_ spans: [Span], palette: Palette) -> String {
    var runs: [Span] = []
    for span in spans {
        if let last = runs.last, last.ink == span.ink {
            runs[runs.count - 1].text += span.text
        } else {
            runs.append(span)
        }
    }
    return runs.map { palette.paint($0.text, $0.ink) }.joined()
}

/// The lesson's light markup: `**strong**` is bold, `*emphasis*` italic. A `*` that cannot
/// open or close (e.g. "2 * 3") stays as written.
func parseLessonMarkup(_ text: String) -> [Span] {
    let chars = Array(text)
    var spans: [Span] = []
    var buffer = ""
    var bold = false
    var italic = false
    func flush() {
        if !buffer.isEmpty { spans.append(Span(text: buffer, ink: Ink(bold: bold, italic: italic))) }
        buffer = ""
    }
    /// Whether a `*` run of length `n` appears again after `index`.
    func closes(after index: Int, length n: Int) -> Bool {
        var j = index
        while j < chars.count {
            if chars[j] == "*" {
                var run = 0
                while j + run < chars.count && chars[j + run] == "*" { run += 1 }
                if run >= n && j > 0 && chars[j - 1] != " " { return true }
                j += run
            } else {
                j += 1
            }
        }
        return false
    }
    var i = 0
    while i < chars.count {
        let c = chars[i]
        guard c == "*" else { buffer.append(c); i += 1; continue }
        let isDouble = i + 1 < chars.count && chars[i + 1] == "*"
        let n = isDouble ? 2 : 1
        let next: Character? = i + n < chars.count ? chars[i + n] : nil
        let prev: Character? = i > 0 ? chars[i - 1] : nil
        let isOpen = isDouble ? bold : italic
        if isOpen, let prev, prev != " " {
            flush()
            if isDouble { bold = false } else { italic = false }
        } else if !isOpen, let next, next != " ", closes(after: i + n, length: n) {
            flush()
            if isDouble { bold = true } else { italic = true }
        } else {
            buffer += String(repeating: "*", count: n)
        }
        i += n
    }
    flush()
    return spans
}

/// Pango markup as terminal spans: `<b>` bold, `<i>` italic, `<u>` underline, `<tt>` as is;
/// any other tag (`<span …>`) is dropped, and `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`
/// and numeric entities are unescaped.
func parsePangoMarkup(_ markup: String) -> [Span] {
    var spans: [Span] = []
    var buffer = ""
    var bold = 0, italic = 0, underline = 0
    func ink() -> Ink { Ink(bold: bold > 0, italic: italic > 0, underline: underline > 0) }
    func flush() {
        if !buffer.isEmpty { spans.append(Span(text: buffer, ink: ink())) }
        buffer = ""
    }
    var rest = Substring(markup)
    while let c = rest.first {
        if c == "<", let close = rest.firstIndex(of: ">") {
            let tag = rest[rest.index(after: rest.startIndex)..<close]
            let closing = tag.hasPrefix("/")
            let name = tag.drop(while: { $0 == "/" }).prefix(while: { $0 != " " && $0 != "/" }).lowercased()
            flush()
            let delta = closing ? -1 : 1
            switch name {
            case "b", "strong": bold = max(0, bold + delta)
            case "i", "em": italic = max(0, italic + delta)
            case "u": underline = max(0, underline + delta)
            default: break
            }
            rest = rest[rest.index(after: close)...]
        } else if c == "&", let semi = rest.firstIndex(of: ";"), rest.distance(from: rest.startIndex, to: semi) <= 8 {
            let entity = String(rest[rest.index(after: rest.startIndex)..<semi])
            if let text = unescapeEntity(entity) {
                buffer += text
                rest = rest[rest.index(after: semi)...]
            } else {
                buffer.append(c)
                rest = rest.dropFirst()
            }
        } else {
            buffer.append(c)
            rest = rest.dropFirst()
        }
    }
    flush()
    return spans
}

private func unescapeEntity(_ name: String) -> String? {
    switch name {
    case "amp": return "&"
    case "lt": return "<"
    case "gt": return ">"
    case "quot": return "\""
    case "apos": return "'"
    default:
        let digits = name.dropFirst()
        guard name.hasPrefix("#") else { return nil }
        let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
        return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
    }
}
