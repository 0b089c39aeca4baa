// A small typed HTML and SVG builder: elements with ordered attributes and children, text that is
// always escaped, and `raw` only for the page's own embedded script, style and JSON.

/// A piece of an HTML document.
///
///     let p = HTML.el("p", ["class": "note"], .text("1 < 2"))
///     p.rendered   // <p class="note">1 &lt; 2</p>
public indirect enum HTML: Sendable {
    /// An element with attributes (in the order given) and children.
    case element(String, [(String, String)], [HTML])
    /// Text, escaped when rendered.
    case text(String)
    /// Markup written as is: only for the embedded script, style sheet and data.
    case raw(String)
    /// Several pieces in a row.
    case group([HTML])

    /// Elements that have no closing tag.
    static let void: Set<String> = ["meta", "br", "input", "hr", "img", "link"]

    /// An element; attributes with an empty name are left out.
    public static func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ children: HTML...) -> HTML {
        .element(name, attributes.map { ($0.key, $0.value) }, children)
    }

    /// An element without attributes.
    public static func el(_ name: String, _ children: HTML...) -> HTML { .element(name, [], children) }

    /// An element without attributes, with children given as an array.
    public static func el(_ name: String, children: [HTML]) -> HTML { .element(name, [], children) }

    /// An element with children given as an array.
    public static func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], children: [HTML]) -> HTML {
        .element(name, attributes.map { ($0.key, $0.value) }, children)
    }

    /// The markup.
    public var rendered: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .text(let s): out += HTML.escape(s)
        case .raw(let s): out += s
        case .group(let parts): for p in parts { p.write(to: &out) }
        case .element(let name, let attributes, let children):
            out += "<" + name
            for (k, v) in attributes where !k.isEmpty { out += " \(k)=\"\(HTML.escape(v))\"" }
            out += ">"
            if HTML.void.contains(name) { return }
            for c in children { c.write(to: &out) }
            out += "</\(name)>"
        }
    }

    /// `&`, `<`, `>` and `"` as entities.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
