import Foundation

/// How a number is written for people: in explanations, figures and reports.
public enum NumberStyle: Sendable, Equatable, Hashable {
    /// Rounded to this many decimals: 7/9 → "0.78".
    case rounded(Int)
    /// Cut toward zero to this many decimals, as the article's slides do: 7/9 → "0.77",
    /// −7/9 → "−0.77".
    case truncated(Int)
    /// The shortest text that reads back to the same `Double`: 7/9 → "0.7777777777777778".
    case full

    /// Two decimals, rounded.
    public static let standard = NumberStyle.rounded(2)
    /// The article's display: two decimals, truncated.
    public static let article = NumberStyle.truncated(2)
}

/// Writes `x` in `style`, with a true minus sign "−" (U+2212), never "−0.00": a value that
/// shows as zero gets no sign.
///
///     formatNumber(7.0 / 9, .truncated(2))  // "0.77"
///     formatNumber(7.0 / 9, .rounded(2))    // "0.78"
///     formatNumber(-1.0 / 3, .rounded(2))   // "−0.33"
///     formatNumber(-0.001, .rounded(2))     // "0.00"
///     formatNumber(-0.5, .full)             // "−0.5"
///
/// Truncation first nudges the scaled value away from zero by a relative 1e-9, so a value meant
/// to be 0.29 but stored as 0.28999999999999998 still prints "0.29". The article's values
/// (multiples of 1/9, 1/12, …) are far from that tolerance, so none is pushed over a digit.
/// NaN prints as "NaN", infinities as "∞" and "−∞".
public func formatNumber(_ x: Double, _ style: NumberStyle = .standard) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "\u{2212}∞" : "∞" }
    let text: String
    switch style {
    case .rounded(let decimals):
        text = fixed(x, decimals: min(max(0, decimals), 17))
    case .truncated(let decimals):
        let d = min(max(0, decimals), 17)
        let factor = pow(10.0, Double(d))
        let scaled = x * factor
        let nudged = scaled + (scaled >= 0 ? 1 : -1) * max(abs(scaled), 1) * 1e-9
        text = fixed(nudged.rounded(.towardZero) / factor, decimals: d)
    case .full:
        text = "\(x)"
    }
    guard text.hasPrefix("-") else { return text }
    let body = text.dropFirst()
    // "-0.00" (or "-0.0" for −0 in full precision) shows as zero: no sign.
    if body.allSatisfy({ $0 == "0" || $0 == "." }) { return String(body) }
    return "\u{2212}" + body
}

/// `x` with `decimals` (0…17) digits after the point, rounded: the text of
/// `String(format: "%.<decimals>f", x)`, made by the C library's `vsnprintf` directly (as
/// Foundation does in the end, with a "." for the point) without parsing a format string into a
/// Foundation string first. Finite `x` only (the callers check).
private func fixed(_ x: Double, decimals: Int) -> String {
    // The longest: "-" + 309 digits + "." + 17 decimals + NUL.
    let capacity = 352
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer -> String in
        guard let base = buffer.baseAddress else { return String(format: "%.\(decimals)f", x) }
        let count = withVaList([Int32(decimals), x]) { vsnprintf(base, capacity, "%.*f", $0) }
        guard count > 0, Int(count) < capacity else { return String(format: "%.\(decimals)f", x) }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: Int(count)), as: UTF8.self)
    }
}

/// Writes an integral value without decimals ("9", "−3"), anything else as `formatNumber` does.
public func formatCount(_ x: Double, _ style: NumberStyle = .standard) -> String {
    if x.isFinite, x == x.rounded(), abs(x) < 1e15 { return formatNumber(x, .rounded(0)) }
    return formatNumber(x, style)
}

/// The value `x` as a reader sees it in `style`: `shownValue(0.9166, .truncated(2))` is 0.91.
/// Arithmetic shown on a page (1.00 − 0.91 = 0.09) is worked from these, so every number a
/// reader sees twice has the same digits and every difference adds up.
public func shownValue(_ x: Double, _ style: NumberStyle) -> Double {
    Double(formatNumber(x, style).replacingOccurrences(of: "\u{2212}", with: "-")) ?? x
}

/// An ordinal as English writes it: 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st, 22nd, 101st, 111th.
public func ordinal(_ n: Int) -> String {
    let lastTwo = abs(n) % 100, last = abs(n) % 10
    let suffix = (11...13).contains(lastTwo) ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th"
    return "\(n)\(suffix)"
}
