import CNNFigures
/// A rectangle of terminal text: lines that may hold escape codes, and the display width of
/// the widest one. Panels are put side by side (`beside`) or one under another (`stacked`).
struct Panel: Sendable {
    var lines: [String]
    var width: Int

    init(_ lines: [String]) {
        self.lines = lines
        self.width = lines.map(displayWidth).max() ?? 0
    }

    static let empty = Panel([])

    var height: Int { lines.count }

    /// `title` (bold) above the panel, if there is one.
    func titled(_ title: String?, palette: Palette) -> Panel {
        guard let title, !title.isEmpty else { return self }
        return Panel([palette.paint(title, .bold)] + lines)
    }

    /// Panels side by side, tops aligned, `gap` columns apart.
    static func beside(_ panels: [Panel], gap: Int = 3) -> Panel {
        let panels = panels.filter { $0.height > 0 }
        guard let height = panels.map(\.height).max() else { return .empty }
        let spacer = String(repeating: " ", count: gap)
        var lines: [String] = []
        for r in 0..<height {
            var line = ""
            for (k, p) in panels.enumerated() {
                let cell = r < p.lines.count ? p.lines[r] : ""
                let isLast = k == panels.count - 1
                line += isLast ? cell : padRight(cell, p.width) + spacer
            }
            lines.append(trimTrailingSpaces(line))
        }
        return Panel(lines)
    }

    /// Panels one under another, `gap` blank lines apart.
    static func stacked(_ panels: [Panel], gap: Int = 1) -> Panel {
        var lines: [String] = []
        for p in panels where p.height > 0 {
            if !lines.isEmpty { lines += Array(repeating: "", count: gap) }
            lines += p.lines
        }
        return Panel(lines)
    }

    /// Panels side by side as long as they fit in `width` columns, then on the next rows:
    /// as many per row as fit, rows one under another.
    static func flow(_ panels: [Panel], width: Int, gap: Int = 3) -> Panel {
        var rows: [[Panel]] = []
        var current: [Panel] = []
        var used = 0
        for p in panels where p.height > 0 {
            let needed = current.isEmpty ? p.width : used + gap + p.width
            if !current.isEmpty && needed > width {
                rows.append(current)
                current = [p]
                used = p.width
            } else {
                current.append(p)
                used = needed
            }
        }
        if !current.isEmpty { rows.append(current) }
        return stacked(rows.map { beside($0, gap: gap) })
    }
}

/// `line` without trailing spaces after its last visible character (escape codes kept).
func trimTrailingSpaces(_ line: String) -> String {
    var scalars = Array(line.unicodeScalars)
    while let last = scalars.last, last == " " { scalars.removeLast() }
    return String(String.UnicodeScalarView(scalars))
}
