import CNNFigures

/// The lesson's sentences about the results, worded from the numbers: a comparison says "in
/// every run" only when the ranges of the runs do not overlap.
extension ShuffleResult {
    typealias Dataset = ShuffleExperiment.Dataset
    typealias Arrangement = ShuffleExperiment.Arrangement
    typealias Architecture = ShuffleExperiment.Architecture

    static func pct(_ x: Double) -> String { formatNumber(100 * x, .rounded(1)) + "%" }

    /// How the runs of `a` sit against those of `b`: +1 when every run of `a` beat every run of
    /// `b` (a's lowest above b's highest), −1 the other way round, 0 when the ranges overlap.
    static func separation(_ a: Run, _ b: Run) -> Int {
        a.lowest > b.highest ? 1 : a.highest < b.lowest ? -1 : 0
    }

    /// `"On the digits as drawn, the CNN did better than the dense network in every run: …"`.
    func versus(_ dataset: Dataset, _ arrangement: Arrangement) -> String {
        guard let cnn = run(dataset, arrangement, .cnn), let dense = run(dataset, arrangement, .dense) else { return "" }
        let place = Self.phrase(dataset, arrangement)
        switch Self.separation(cnn, dense) {
        case 1:
            return "\(place), the CNN did better than the dense network in every run: its lowest, \(Self.pct(cnn.lowest)), "
                + "is above the dense network's highest, \(Self.pct(dense.highest))."
        case -1:
            return "\(place), the CNN did worse than the dense network in every run: its highest, \(Self.pct(cnn.highest)), "
                + "is below the dense network's lowest, \(Self.pct(dense.lowest))."
        default:
            return "\(place), the runs do not tell the two networks apart: the CNN ranged over "
                + "\(Self.pct(cnn.lowest))–\(Self.pct(cnn.highest)), the dense network over "
                + "\(Self.pct(dense.lowest))–\(Self.pct(dense.highest))."
        }
    }

    /// `"Shuffling moved the CNN from 98.0% to 55.1% …"` or that it stayed within its runs' spread.
    func change(_ dataset: Dataset, _ architecture: Architecture) -> String {
        guard let before = run(dataset, .original, architecture), let after = run(dataset, .shuffled, architecture) else { return "" }
        let name = architecture == .cnn ? "the CNN" : "the dense network"
        let means = "\(Self.pct(before.accuracy)) before, \(Self.pct(after.accuracy)) after (means)"
        switch Self.separation(before, after) {
        case 0:
            return "Shuffling left \(name) within the spread of its runs: \(means); its runs ranged over "
                + "\(Self.pct(before.lowest))–\(Self.pct(before.highest)) before and \(Self.pct(after.lowest))–\(Self.pct(after.highest)) after."
        case 1:
            return "Shuffling lowered \(name) beyond the spread of its runs: \(means); its best run after, "
                + "\(Self.pct(after.highest)), is below its worst run before, \(Self.pct(before.lowest))."
        default:
            return "Shuffling raised \(name) beyond the spread of its runs: \(means); its worst run after, "
                + "\(Self.pct(after.lowest)), is above its best run before, \(Self.pct(before.highest))."
        }
    }

    static func phrase(_ dataset: Dataset, _ arrangement: Arrangement) -> String {
        switch (dataset, arrangement) {
        case (.digits, .original): return "On the digits as drawn"
        case (.digits, .shuffled): return "On the shuffled digits"
        case (.customers, .original): return "On the customer table as made"
        case (.customers, .shuffled): return "On the customer table with its columns shuffled"
        }
    }

    /// Whether the results came out as the rule of thumb predicts, part by part.
    var predictions: [(holds: Bool, text: String)] {
        func sep(_ d: Dataset, _ a: Arrangement) -> Int {
            guard let c = run(d, a, .cnn), let n = run(d, a, .dense) else { return 0 }
            return Self.separation(c, n)
        }
        func moved(_ d: Dataset, _ m: Architecture) -> Int {
            guard let b = run(d, .original, m), let a = run(d, .shuffled, m) else { return 0 }
            return Self.separation(b, a)
        }
        return [
            (sep(.digits, .original) == 1, "the CNN beat the dense network on the digits as drawn"),
            (sep(.digits, .shuffled) != 1, "it lost that edge once the pixels were shuffled"),
            (moved(.digits, .dense) == 0, "shuffling moved the dense network on the digits by no more than the spread of its runs"),
            (sep(.customers, .original) != 1 && sep(.customers, .shuffled) != 1, "the CNN had no edge on the customer table"),
            (moved(.customers, .cnn) == 0 && moved(.customers, .dense) == 0, "shuffling the table's columns moved neither network beyond the spread of its runs"),
        ]
    }

    /// The conclusion: which of the rule's predictions these runs bear out.
    var verdict: String {
        let p = predictions
        let held = p.filter(\.holds).map(\.text), failed = p.filter { !$0.holds }.map(\.text)
        if failed.isEmpty {
            return "Every prediction of the rule of thumb came out in these runs: " + Self.list(held) + "."
        }
        if held.isEmpty { return "None of the rule's predictions came out in these runs: it predicted that " + Self.list(failed) + "." }
        return "These runs bear the rule out only in part. As predicted, " + Self.list(held)
            + ". Not as predicted: the rule says that " + Self.list(failed) + ", and these runs do not show it."
    }

    static func list(_ items: [String]) -> String {
        items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
    }

    /// Every sentence, by the key a lesson quotes it with (`{{shuffle:claim.digits.original}}`).
    public var claims: [String: String] {
        var c: [String: String] = ["claim.verdict": verdict]
        for d in Dataset.allCases {
            for a in Arrangement.allCases { c["claim.\(d.rawValue).\(a.rawValue)"] = versus(d, a) }
            c["claim.\(d.rawValue).cnn"] = change(d, .cnn)
            c["claim.\(d.rawValue).dense"] = change(d, .dense)
        }
        return c
    }
}
