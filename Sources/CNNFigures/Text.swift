// Small text helpers every drawer and report shares: widths, padding, file-name slugs, and the
// names of number styles. One definition each.

/// The number of columns `text` takes on a terminal or in a monospaced table: one per Unicode
/// scalar ("−" counts as one), ANSI escape sequences not counted.
public func displayWidth(_ text: String) -> Int {
    stripANSI(text).unicodeScalars.count
}

/// `text` with every ANSI escape sequence removed.
public func stripANSI(_ text: String) -> String {
    guard text.unicodeScalars.contains("\u{1B}") else { return text }
    var out = String.UnicodeScalarView()
    var inEscape = false
    var sawBracket = false
    for scalar in text.unicodeScalars {
        if inEscape {
            if !sawBracket {
                sawBracket = true
                if scalar != "[" { inEscape = false }
                continue
            }
            if (0x40...0x7E).contains(scalar.value) { inEscape = false }
            continue
        }
        if scalar == "\u{1B}" { inEscape = true; sawBracket = false; continue }
        out.append(scalar)
    }
    return String(out)
}

/// `text` padded with spaces on the right to `width` display columns (left-aligned).
public func padRight(_ text: String, _ width: Int) -> String {
    let w = displayWidth(text)
    return w >= width ? text : text + String(repeating: " ", count: width - w)
}

/// `text` padded with spaces on the left to `width` display columns (right-aligned).
public func padLeft(_ text: String, _ width: Int) -> String {
    let w = displayWidth(text)
    return w >= width ? text : String(repeating: " ", count: width - w) + text
}

/// A file-name-friendly form of a heading or a name: lower-case ASCII letters and digits joined by
/// `-`, at most 40 characters; `fallback` when nothing is left ("Convolution, worked through" →
/// "convolution-worked-through").
public func slug(_ s: String, fallback: String = "step") -> String {
    var out = ""
    var dash = false
    for ch in s.lowercased() {
        if ch.isASCII && (ch.isLetter || ch.isNumber) {
            if dash && !out.isEmpty { out.append("-") }
            out.append(ch)
            dash = false
        } else {
            dash = true
        }
    }
    return out.isEmpty ? fallback : String(out.prefix(40))
}

extension NumberStyle {
    /// The names lessons and templates use: `truncate` (the article's slides), `round`, `full`, or
    /// with a number of decimals from 0 to 12: `round4`, `truncate3`. Two decimals when none is given.
    /// `nil` for any other text.
    public init?(name: String) {
        let word = String(name.prefix { $0.isLetter }), rest = name.dropFirst(word.count)
        let digits = rest.isEmpty ? 2 : Int(rest) ?? -1
        switch word {
        case "truncate" where (0...12).contains(digits): self = .truncated(digits)
        case "round" where (0...12).contains(digits): self = .rounded(digits)
        case "full" where rest.isEmpty: self = .full
        default: return nil
        }
    }
}
