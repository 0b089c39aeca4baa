// A number a figure shows as worked out from other numbers (a product, a sum, a difference, a
// softmax share), described by the code that builds the figure from the engine's values, so the
// HTML page can make it a button whose panel shows the operation and its operands. Cairo and the
// terminal ignore it.

/// One operand of a `DerivedNumber`: what it is called in the figure (e.g. "patch", "right"),
/// the value used and how the figure writes it, and the trace element it is, when it is one.
public struct DerivedOperand: Sendable, Hashable {
    public var name: String
    public var value: Double
    public var text: String
    public var source: TraceSource?

    public init(_ name: String, _ value: Double, text: String, source: TraceSource? = nil) {
        self.name = name; self.value = value; self.text = text; self.source = source
    }
}

/// A number worked out in a figure: `name` (e.g. "product", "error") `= operation(operands)`.
/// `value` is the number as the figure builder computed it (from the engine's values); `source`
/// is the trace element it equals, if any (e.g. `conv1.output[0,0,4]` for `sum / 9`).
///
/// - `product`: `a₀ · a₁ · …`; `sum`: `a₀ + a₁ + …`; `difference`: `a₀ − a₁`;
///   `quotient`: `a₀ / a₁ (+ a₂)` (a sum over a divisor, plus a bias when there are three);
///   `sizeSum`: `|a₀| + |a₁| + …`; `softmaxShare(i)`: `exp(aᵢ) / Σⱼ exp(aⱼ)`;
///   `mean`: `(a₀ + a₁ + …) / n`; `lowest`, `highest`: `min(a₀, a₁, …)`, `max(a₀, a₁, …)` (an
///   experiment's runs); `given(why)`: no operands, a number the lesson gives (e.g. the right
///   answer) or an experiment counted (`why` says what was counted, and over what).
public struct DerivedNumber: Sendable, Hashable {
    public enum Operation: Sendable, Hashable {
        case product, sum, difference, quotient, sizeSum, mean, lowest, highest
        case softmaxShare(Int)
        case given(String)
    }

    public var name: String
    public var operation: Operation
    public var operands: [DerivedOperand]
    public var value: Double
    public var source: TraceSource?

    public init(_ name: String, _ operation: Operation, _ operands: [DerivedOperand], value: Double, source: TraceSource? = nil) {
        self.name = name; self.operation = operation; self.operands = operands; self.value = value; self.source = source
    }
}
