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

    /// Pango markup (`<b>`, `<i>`, `<tt>`, entities) as HTML; other tags are dropped, their text kept.
    static func pango(_ markup: String) -> HTML {
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
        return .raw(out)
    }
}
