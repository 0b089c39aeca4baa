import CNNFigures

/// The derivations of an experiment's table cell `mean% (lowest–highest)` over repeated
/// trainings, for the HTML page: each is worked out from the runs' held-out accuracies.
enum RunStatistics {
    /// The mean, lowest and highest of `accuracies` (0…1), in percent as the cell writes them
    /// (rounded to one decimal), each a `DerivedNumber` whose operands are the runs' accuracies.
    ///
    ///     mean = (a₁ + … + aₙ) / n,   lowest = min(a₁, …, aₙ),   highest = max(a₁, …, aₙ)
    static func sources(_ accuracies: [Double], of what: String) -> [TextSource] {
        let percents = accuracies.map { 100 * $0 }
        let operands = percents.enumerated().map { j, p in DerivedOperand("run \(j + 1)", p, text: formatNumber(p, .rounded(2)) + "%") }
        func number(_ name: String, _ op: DerivedNumber.Operation, _ value: Double) -> TextSource {
            TextSource(formatNumber(value, .rounded(1)),
                       derived: DerivedNumber("\(name) held-out accuracy in % of \(percents.count) runs (\(what))", op, operands, value: value))
        }
        // As the cell computes it: 100 · (the mean of the fractions).
        let mean = 100 * (accuracies.reduce(0, +) / Double(max(1, accuracies.count)))
        return [number("mean", .mean, mean), number("lowest", .lowest, percents.min() ?? .nan), number("highest", .highest, percents.max() ?? .nan)]
    }
}
