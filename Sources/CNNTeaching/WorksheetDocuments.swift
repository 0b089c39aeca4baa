import CNNFigures

extension Worksheet {
    var levelWords: String {
        ["", "convolution, ReLU and pooling", "convolution, ReLU, pooling, the votes and the error",
         "convolution, ReLU, pooling, the votes, the error, one gradient and one update"][level]
    }

    /// The student's copy: every part's instructions and figures, blanks empty, with room for working.
    public func studentDocument() -> ReportDocument {
        var doc = ReportDocument(title: "Worksheet xo · sheet \(seed) · level \(level)", margin: 48)
        doc.addSection("How a CNN sees an X or an O: worksheet, level \(level)")
        doc.addParagraph("Name: ______________________      Sheet \(seed), level \(level): \(levelWords).")
        doc.addParagraph("Write each answer in the box with its label. Give numbers to 2 decimals (0.77 or 0.78 are both fine). "
                         + "Questions marked <b>p</b> ask you to predict before you compute: guess first, then check.")
        // Each part is one figure (heading, instructions, figures), so a page never splits a
        // question from its picture; the working box may go to the next page.
        for part in parts {
            let heading = Figure.text(TextBlock(markup: "<b>" + TextBlock.escape(part.title) + "</b>", width: 490, fontSize: 15))
            let text = part.text.map { Figure.text(TextBlock(markup: $0, width: 490, fontSize: 11)) }
            doc.addFigure(.column([heading] + text + part.studentFigures, spacing: 12))
            if part.questions.contains(where: { $0.scored }) { doc.addFigure(workingBox) }
        }
        return doc
    }

    private var workingBox: Figure {
        .worksheetGrid(WorksheetGridFigure(cells: [[.blank("working")]], cellWidth: 480, cellHeight: 84, fontSize: 12))
    }

    /// The key: the same figures with the answers filled in, then every answer with its derivation
    /// (from `explain`) and the numbers the likely mistakes would give.
    public func keyDocument() -> ReportDocument {
        var doc = ReportDocument(title: "Answers · worksheet xo · sheet \(seed) · level \(level)", margin: 48)
        doc.addSection("Answers: sheet \(seed), level \(level)")
        doc.addParagraph("The picture is \(TextBlock.escape(picture)). Every answer is a number the network computed (its place in the trace "
                         + "is given), and every derivation is the one <tt>cnn-explain explain</tt> prints for it. "
                         + "An answer within \(formatNumber(answerTolerance, .rounded(2))) counts as right (2-decimal truncation and rounding both pass). "
                         + "The sheet counts rows, columns, features and weights from 1; the working below counts them from 0, as the trace does.")
        for part in parts {
            doc.addSection(part.title, level: 2, newPage: false)
            for f in part.keyFigures { doc.addFigure(f) }
            for q in part.questions { addAnswer(q, to: &doc) }
        }
        return doc
    }

    private func addAnswer(_ q: WorksheetQuestion, to doc: inout ReportDocument) {
        let note = q.scored ? "" : " (a prediction, not scored)"
        doc.addParagraph("<b>\(q.id)</b>  \(TextBlock.escape(q.prompt)): <b>\(TextBlock.escape(q.answer.text))</b>\(note)")
        if !q.mistakes.isEmpty {
            let list = q.mistakes.map { "\(formatCount($0.value, .standard)) if \(TextBlock.escape($0.kind.explanation))" }
            doc.addParagraph("<i>Likely mistakes:</i> " + list.joined(separator: "; "))
        }
        if q.scored, !q.derivation.isEmpty {
            doc.addFigure(.text(TextBlock(markup: TextBlock.escape(q.derivation), width: 490, fontSize: 8, monospaced: true)))
        }
    }
}
