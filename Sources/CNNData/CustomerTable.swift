import CNNCore
import Foundation

/// A made-up table of shop customers, the article's example of data a CNN is the wrong tool
/// for: one row per customer, one column per measurement, and no order among the columns
/// (age could as well come after income).
///
/// Each value is drawn as `mean + spread·n` with `n` a standard normal sample, kept at or above
/// the column's `lowest`, and rounded to its `decimals`. A network reads each row standardized,
///
///     z_j = (value_j − mean_j) / spread_j,
///
/// and the label comes from a seeded linear rule on three columns (see `Rule`):
///
///     label = 1 ("stays") when Σ_j weight_j · z_j > 0, else 0 ("leaves").
public struct CustomerTable: Sendable, Equatable {
    /// One column: what it measures and how its values are drawn.
    public struct Column: Sendable, Equatable {
        public var name: String
        /// What a value counts, e.g. "years".
        public var unit: String
        public var mean: Double
        /// The standard deviation of the normal draw, before clamping and rounding.
        public var spread: Double
        public var lowest: Double
        public var decimals: Int
    }

    /// The seven columns, in the order the table is stored.
    public static let columns: [Column] = [
        Column(name: "age", unit: "years", mean: 45, spread: 14, lowest: 18, decimals: 0),
        Column(name: "income", unit: "thousand € a year", mean: 40, spread: 15, lowest: 8, decimals: 0),
        Column(name: "visits", unit: "visits a month", mean: 4, spread: 2, lowest: 0, decimals: 0),
        Column(name: "tenure", unit: "years as a customer", mean: 6, spread: 4, lowest: 0, decimals: 1),
        Column(name: "basket", unit: "€ a visit", mean: 50, spread: 20, lowest: 5, decimals: 0),
        Column(name: "distance", unit: "km to the shop", mean: 10, spread: 6, lowest: 0.5, decimals: 1),
        Column(name: "returns", unit: "items sent back a year", mean: 2, spread: 1.5, lowest: 0, decimals: 0),
    ]

    /// The class names, in label order.
    public static let classes = ["leaves", "stays"]

    /// The label rule: one weight per column (zero for the columns it ignores), each a multiple of 0.1.
    ///
    ///     score = Σ_j weights[j] · z_j,   label = score > 0 ? 1 : 0
    public struct Rule: Sendable, Equatable {
        public var weights: [Double]

        /// Three columns picked from the seed, each with a weight of 0.5 to 1.5 either way.
        public init(seed: UInt64) {
            var rng = SeededGenerator(seed: seed, stream: "customers.rule")
            var picked: [Int] = []
            while picked.count < 3 {
                let j = rng.below(CustomerTable.columns.count)
                if !picked.contains(j) { picked.append(j) }
            }
            weights = [Double](repeating: 0, count: CustomerTable.columns.count)
            for j in picked {
                let size = (rng.uniform(0.5, 1.5) * 10).rounded() / 10
                weights[j] = rng.below(2) == 0 ? size : -size
            }
        }

        public init(weights: [Double]) { self.weights = weights }

        /// `Σ_j weights[j] · z[j]`.
        public func score(_ z: [Double]) -> Double {
            zip(weights, z).reduce(0) { $0 + $1.0 * $1.1 }
        }

        /// 1 when `score(z) > 0`, else 0.
        public func label(_ z: [Double]) -> Int { score(z) > 0 ? 1 : 0 }
    }

    public var rule: Rule
    /// One row of raw values per customer, in `columns` order.
    public var rows: [[Double]]
    public var labels: [Int]

    /// `count` customers drawn from the named stream of `seed`, labelled by `rule`.
    public init(count: Int, seed: UInt64, stream: String, rule: Rule) {
        var rng = SeededGenerator(seed: seed, stream: "customers." + stream)
        self.rule = rule
        rows = (0..<count).map { _ in
            Self.columns.map { c in
                let scale = pow(10, Double(c.decimals))
                return (max(c.lowest, c.mean + c.spread * rng.normal()) * scale).rounded() / scale
            }
        }
        labels = rows.map { rule.label(Self.standardized($0)) }
    }

    /// A row as a network reads it: `z_j = (value_j − mean_j) / spread_j`.
    public static func standardized(_ row: [Double]) -> [Double] {
        zip(row, columns).map { ($0 - $1.mean) / $1.spread }
    }
}
