import CNNFigures

/// The lessons' light markup as HTML.
enum Markup {
    /// `*emphasis*` and `**strong**` as `<em>` and `<strong>`; everything else as escaped text.
    static func lesson(_ text: String) -> [HTML] {
        var out: [HTML] = []
        var stack: [(tag: String, parts: [HTML])] = [("", [])]
        var buffer = ""
        func flush() { if !buffer.isEmpty { stack[stack.count - 1].parts.append(.text(buffer)); buffer = "" } }
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let strong = chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "*"
            if chars[i] == "*" {
                flush()
                let tag = strong ? "strong" : "em"
                if stack.count > 1 && stack[stack.count - 1].tag == tag {
                    let done = stack.removeLast()
                    stack[stack.count - 1].parts.append(.element(tag, [], done.parts))
                } else {
                    stack.append((tag, []))
                }
                i += strong ? 2 : 1
            } else {
                buffer.append(chars[i])
                i += 1
            }
        }
        flush()
        while stack.count > 1 {
            let open = stack.removeLast()
            stack[stack.count - 1].parts.append(.element(open.tag, [], open.parts))
        }
        out = stack[0].parts
        return out
    }

    /// Pango markup (`<b>`, `<i>`, `<tt>`, entities) as HTML; other tags are dropped, their text
    /// kept. Each number of `sources` is found in turn after the one before it, standing alone, and
    /// made a button for its derivation when it has a trace source or a derivation.
    static func pango(_ markup: String, sources: [TextSource] = []) -> HTML {
        .raw(numbered(pangoHTML(markup), sources))
    }

    /// `html` with each number of `sources`, in order, wrapped in a button when it has a source; in a
    /// sentence a number may also end before a full stop or a colon.
    static func numbered(_ html: String, _ sources: [TextSource], inSentence: Bool = false, inTable: Bool = false) -> String {
        let before = Set<Character>([" ", "(", "=", ":", ">"]).union(inTable ? ["–"] : [])
        let after = Set<Character>([" ", ",", ";", ")", "<", "\n"]).union(inSentence ? [".", ":", "…"] : []).union(inTable ? ["%", "–"] : [])
        var out = "", cursor = html.startIndex
        for s in sources where !s.text.isEmpty {
            var from = cursor
            while let r = html.range(of: s.text, range: from..<html.endIndex) {
                let okBefore = r.lowerBound == html.startIndex || before.contains(html[html.index(before: r.lowerBound)])
                let okAfter = r.upperBound == html.endIndex || after.contains(html[r.upperBound])
                if okBefore && okAfter {
                    out += html[cursor..<r.lowerBound]
                    if let source = s.source {
                        out += HTML.element("span", FigureSVG.target(source, value: s.value, text: s.text), [.text(s.text)]).rendered
                    } else if let d = s.derived {
                        out += HTML.element("span", DerivedHTML.target(d, text: s.text), [.text(s.text)]).rendered
                    } else {
                        out += html[r]
                    }
                    cursor = r.upperBound
                    break
                }
                from = html.index(after: r.lowerBound)
            }
        }
        return out + html[cursor...]
    }

    static func pangoHTML(_ markup: String) -> String {
        let map = ["b": "strong", "i": "em", "tt": "code"]
        var out = ""
        var rest = Substring(markup)
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let tag = rest[rest.index(after: open)..<close]
            let closing = tag.hasPrefix("/")
            let name = String(tag.dropFirst(closing ? 1 : 0).prefix { $0.isLetter })
            if let html = map[name] { out += closing ? "</\(html)>" : "<\(html)>" }
            rest = rest[rest.index(after: close)...]
        }
        out += rest.replacingOccurrences(of: "<", with: "&lt;")
        return out
    }
}
