import CNNAnalysis
import CNNCore
import CNNFigures

extension WorksheetBuilder {
    var classNames: [String] { trace.model.classNames }
    var votes: [Double] { record(dense, .output).data }
    var target: Int { trace.target ?? shape.rawValue }

    /// The values going into the last layer and one row of weights per class, as given cells.
    func votesTable() -> Figure {
        let x = record(dense, .input).data, w = record(dense, .weight)
        let n = x.count
        var rows: [[WorksheetGridFigure.Content]] = [[.given("value")] + x.map { .given(formatNumber($0, .standard)) }]
        for k in classNames.indices where (k + 1) * n <= w.data.count {
            rows.append([.given(classNames[k])] + w.data[(k * n)..<((k + 1) * n)].map { .given(formatCount($0, .standard)) })
        }
        return .worksheetGrid(WorksheetGridFigure(cells: rows, cellWidth: 36, cellHeight: 26, fontSize: 9.5,
                                                  title: "the \(n) values from the last pooling (top row), and the weights for \(classNames.joined(separator: " and for "))"))
    }

    func votesPart() -> WorksheetPart {
        let x = record(dense, .input).data, w = record(dense, .weight).data, n = x.count
        let winner = votes.indices.max { votes[$0] < votes[$1] } ?? 0
        var q = [prediction("4p", "Predict before you compute: which vote will win, \(classNames.joined(separator: " or "))?",
                            answer: classNames[winner], derivation: "the votes are " + voteText())]
        for k in classNames.indices where (k + 1) * n <= w.count {
            let row = Array(w[(k * n)..<((k + 1) * n)])
            let added = zip(row, x).map { $0 + $1 }.reduce(0, +)
            let query = "\(dense).output[\(k)]"
            q.append(question("4" + ["a", "b", "c", "d"][min(k, 3)], .votes,
                              "the vote for \(classNames[k]): each value times its \(classNames[k]) weight, all added up",
                              answer: votes[k], source: query, derivation: derivation(query),
                              mistakes: [(.signFlipped, -votes[k]), (.addedInsteadOfMultiplied, added)]))
        }
        let text = ["After pooling twice, the picture is down to \(n) numbers. Each vote is a weighted sum: "
            + "multiply every value by its weight and add the products (a weight of 0 means the value does not count). "
            + "Answer 4p first."]
        return WorksheetPart(title: "4. Votes", text: text, student: [votesTable(), answerBoxes(q)], questions: q)
    }

    func voteText() -> String {
        zip(classNames, votes).map { "\($0) \(formatNumber($1, .standard))" }.joined(separator: ", ")
    }

    func errorPart() -> WorksheetPart {
        let loss = trace.loss ?? .nan
        let squares = votes.indices.map { k in (votes[k] - (k == target ? 1 : 0)) * (votes[k] - (k == target ? 1 : 0)) }
        let rights = classNames.indices.map { "\(classNames[$0]) = \($0 == target ? 1 : 0)" }.joined(separator: ", ")
        let q = [question("5a", .error, "the error: ((vote \(classNames[0]) − right \(classNames[0]))² + (vote \(classNames[1]) − right \(classNames[1]))²) ÷ \(votes.count)",
                          answer: loss, source: "loss", derivation: derivation("loss"),
                          mistakes: [(.noDivision, squares.reduce(0, +)), (.signFlipped, -loss)])]
        let text = ["The picture is \(picture), so the right answers are \(rights). "
            + "The error measures how far the votes are from the right answers: square each difference, add, and divide by \(votes.count). "
            + "Use your votes from 4a and 4b."]
        return WorksheetPart(title: "5. The error", text: text, student: [answerBoxes(q)], questions: q)
    }

    mutating func updatePart(stepped: Trace, learningRate lr: Double) -> WorksheetPart {
        let x = record(dense, .input).data, w = record(dense, .weight).data, n = x.count
        let k = target
        let choices = (0..<n).filter { x[$0] != 0 && w[k * n + $0] != 0 }
        let i = pick(choices) ?? pick(Array((0..<n).filter { x[$0] != 0 })) ?? 0
        let g = value(dense, .gradOutput, [k]), gw = value(dense, .gradWeight, [k, i]), w0 = w[k * n + i]
        let newWeight = stepped.record(dense, .weight).map { $0.data[k * n + i] } ?? .nan
        let name = classNames[k]
        let voteAfter = stepped.record(dense, .output)?.data[k] ?? .nan
        let q = [
            question("6a", .gradient, "how fast the error grows with the vote for \(name): vote \(name) − right \(name) (that is 2 × (vote − right) ÷ 2)",
                     answer: g, source: "\(dense).grad_output[\(k)]", derivation: derivation("\(dense).grad_output[\(k)]"),
                     mistakes: [(.noDivision, 2 * g), (.signFlipped, -g)]),
            question("6b", .gradient, "the gradient of weight \(i + 1) of \(name): your 6a × value \(i + 1)",
                     answer: gw, source: "\(dense).grad_weight[\(k),\(i)]", derivation: derivation("\(dense).grad_weight[\(k),\(i)]"),
                     mistakes: [(.signFlipped, -gw), (.addedInsteadOfMultiplied, g + x[i])]),
            prediction("6p", "Predict: after the update, will the vote for \(name) go up or down?",
                       answer: voteAfter > votes[k] ? "up" : "down",
                       derivation: "after one learning step on every weight, the vote for \(name) is \(formatNumber(voteAfter, .standard))"),
            question("6c", .update, "the new weight: \(formatCount(w0, .standard)) − \(formatNumber(lr, .full)) × your 6b",
                     answer: newWeight, source: "after one step: \(dense).weight[\(k),\(i)]",
                     derivation: "new weight = weight − learning rate × gradient = \(formatCount(w0, .standard)) − \(formatNumber(lr, .full)) × \(formatNumber(gw, .standard)) = \(formatNumber(newWeight, .standard))"
                        + " (the engine's SGD step)\n" + derivation("\(dense).grad_weight[\(k),\(i)]"),
                     mistakes: [(.forgotLearningRate, w0 - gw), (.signFlipped, w0 + lr * gw)]),
        ]
        let text = ["Learning moves each weight a little against its gradient. The weight is weight \(i + 1) of \(name) "
            + "(value \(i + 1) is \(formatNumber(x[i], .standard)), its weight is \(formatCount(w0, .standard))); the learning rate is \(formatNumber(lr, .full))."]
        return WorksheetPart(title: "6. One gradient and one update", text: text, student: [answerBoxes(q)], questions: q)
    }
}
