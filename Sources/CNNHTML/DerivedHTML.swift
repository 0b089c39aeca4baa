import CNNFigures
import Foundation

/// A figure's worked-out number (`DerivedNumber`) as the page's script reads it, in the button's
/// `data-drv` attribute: `{"name", "op", "operands": [{"name", "v", "text", "src"}], "v", "src", "why", "shown"}`,
/// `op` one of `product`, `sum`, `difference`, `quotient`, `sizeSum`, `mean`, `min`, `max`, `softmaxShare`, `given`
/// (`index` for a softmax share), `src` a trace element as `{"trace", "key", "k"}`.
enum DerivedHTML {
    struct Source: Encodable { var trace: String; var key: String; var k: Int }
    struct Operand: Encodable { var name: String; var v: Double; var text: String; var src: Source? }
    struct Number: Encodable {
        var name: String; var op: String; var index: Int?; var why: String?
        var operands: [Operand]; var v: Double; var src: Source?; var shown: String?
    }

    static func source(_ s: TraceSource?) -> Source? { s.map { Source(trace: $0.trace, key: $0.key, k: $0.index) } }

    static func json(_ d: DerivedNumber, shown: String? = nil) -> String {
        var op = "", index: Int?, why: String?
        switch d.operation {
        case .product: op = "product"
        case .sum: op = "sum"
        case .difference: op = "difference"
        case .quotient: op = "quotient"
        case .sizeSum: op = "sizeSum"
        case .mean: op = "mean"
        case .lowest: op = "min"
        case .highest: op = "max"
        case .softmaxShare(let i): op = "softmaxShare"; index = i
        case .given(let w): op = "given"; why = w
        }
        let number = Number(name: d.name, op: op, index: index, why: why,
                            operands: d.operands.map { Operand(name: $0.name, v: $0.value, text: $0.text, src: source($0.source)) },
                            v: d.value, src: source(d.source), shown: shown)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(number)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The attributes that make a worked-out number a button for its derivation; `shown` is how the
    /// figure writes its value when the button's `text` is the operation (`5 / 9` of `= 0.5556`).
    static func target(_ d: DerivedNumber, text: String, shown: String? = nil) -> [(String, String)] {
        [("class", "drv"), ("role", "button"), ("tabindex", "-1"), ("aria-label", "\(text): show how it is worked out"),
         ("data-drv", json(d, shown: shown))]
    }
}
