import ArgumentParser
import CNNCore
import CNNFiles
import CNNInputs
import CNNRender
import CNNTraining

/// One or more values of an option, given as `--format pdf --format png` or as the comma form
/// `--format pdf,png`. Declare the option as `[ValueList<Value>]` and read `values`.
struct ValueList<Value: ExpressibleByArgument>: ExpressibleByArgument {
    var values: [Value]

    init(_ values: Value...) { self.values = values }

    /// The comma-separated values, each read as `Value` reads it; nil when any is not a value.
    init?(argument: String) {
        var values: [Value] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Value(argument: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            values.append(value)
        }
        self.values = values
    }

    static var allValueStrings: [String] { Value.allValueStrings }
    static var defaultCompletionKind: CompletionKind { Value.defaultCompletionKind }
    var defaultValueDescription: String { values.map(\.defaultValueDescription).joined(separator: ",") }
}

extension Array {
    /// Every value of a repeated, comma-separated option, in the order given, each once.
    func flattened<Value: Hashable>() -> [Value] where Element == ValueList<Value> {
        var seen = Set<Value>()
        return flatMap(\.values).filter { seen.insert($0).inserted }
    }
}

/// The built-in example that `data`, `worksheet` and `slides` draw: only the article's X and O
/// for now.
enum Example: String, CaseIterable, ExpressibleByArgument {
    case xo
}

/// A file format that `lesson` and `render` write: one of the Cairo drawer's formats, or an
/// HTML page. Read without regard to case (`SVG` is `svg`).
enum FileFormat: String, CaseIterable, ExpressibleByArgument {
    case pdf, png, svg, html

    init?(argument: String) { self.init(rawValue: argument.lowercased()) }

    /// The drawer's format; nil for `html`, which the HTML drawer writes.
    var drawn: OutputFormat? { OutputFormat(rawValue: rawValue) }
}

extension WeightsInit: ExpressibleByArgument {}
extension PixelMapping: ExpressibleByArgument {}
extension TrainingMethod: ExpressibleByArgument {}
extension BenchWorkload: ExpressibleByArgument {}
extension TrainingDataFolder.Format: ExpressibleByArgument {}
