import Foundation

/// How a number is written in a figure or report.
public enum NumberStyle: Sendable, Equatable, Hashable {
    /// Rounded half away from zero to this many decimals: 5/9 → "0.56".
    case rounded(Int)
    /// Cut (toward zero) to this many decimals, as the article's slides do: 7/9 → "0.77", −7/9 → "−0.77".
    case truncated(Int)
    /// Every digit Swift needs to give the value back exactly: 7/9 → "0.7777777777777778".
    case full

    /// Two decimals, rounded.
    public static let standard = NumberStyle.rounded(2)
    /// The article's convention: two decimals, truncated.
    public static let article = NumberStyle.truncated(2)
}

/// The true minus sign, U+2212, used instead of the hyphen "-".
public let minusSign = "\u{2212}"

/// Writes `value` in `style` with a true minus sign (U+2212) and never "−0.00".
///
///     formatNumber(5.0 / 9, style: .rounded(2))   // "0.56"
///     formatNumber(5.0 / 9, style: .truncated(2)) // "0.55"
///     formatNumber(-0.333, style: .rounded(2))    // "−0.33"
///     formatNumber(-0.001, style: .rounded(2))    // "0.00"
///
/// Truncation adds a relative nudge of 1e-9 before cutting, so a value that is
/// meant to be 0.29 but is stored as 0.28999999999999998 still prints "0.29";
/// the article's values (multiples of 1/9) are far from that tolerance.
public func formatNumber(_ value: Double, style: NumberStyle = .standard) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? minusSign + "∞" : "∞" }
    let text: String
    switch style {
    case .rounded(let decimals):
        let d = max(0, decimals)
        text = String(format: "%.\(d)f", value)
    case .truncated(let decimals):
        let d = max(0, decimals)
        let factor = pow(10.0, Double(d))
        let scaled = value * factor
        let nudged = scaled + (scaled >= 0 ? 1 : -1) * max(abs(scaled), 1) * 1e-9
        let cut = nudged.rounded(.towardZero) / factor
        text = String(format: "%.\(d)f", cut)
    case .full:
        text = "\(value)"
    }
    return cleanMinus(text)
}

/// Writes an integral value without decimals ("9", "−3"), anything else in `style`.
public func formatCount(_ value: Double, style: NumberStyle = .standard) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
        return cleanMinus(String(Int(value)))
    }
    return formatNumber(value, style: style)
}

/// Replaces "-" by "−" and drops the sign of a printed zero ("-0.00" → "0.00").
private func cleanMinus(_ text: String) -> String {
    guard text.hasPrefix("-") else { return text }
    let body = text.dropFirst()
    if body.allSatisfy({ $0 == "0" || $0 == "." }) { return String(body) }
    return minusSign + body
}
