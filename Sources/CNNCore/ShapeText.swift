/// Shapes and indices as text, one way each.
public enum ShapeText {
    /// A shape as files and messages write it: `[3, 7, 7]`.
    public static func list(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    /// An index as queries write it: `[0,1,1]` (no spaces, so it copies into `explain`).
    public static func index(_ index: [Int]) -> String { "[" + index.map(String.init).joined(separator: ",") + "]" }

    /// A shape as a reader writes it: `9×9` for one channel, `3@7×7` for several, `12` for a vector,
    /// `2×3×4×5` otherwise.
    public static func figure(_ shape: [Int]) -> String {
        switch shape.count {
        case 3: return shape[0] == 1 ? "\(shape[1])×\(shape[2])" : "\(shape[0])@\(shape[1])×\(shape[2])"
        default: return shape.map(String.init).joined(separator: "×")
        }
    }

    /// A shape in words, for captions: `3 maps of 7×7` for several channels, else as `figure`.
    public static func words(_ shape: [Int]) -> String {
        shape.count == 3 && shape[0] != 1 ? "\(shape[0]) maps of \(shape[1])×\(shape[2])" : figure(shape)
    }

    /// What `figure`'s `C@H×W` means, said once where it first shows: `3@7×7: 3 maps of 7×7`;
    /// `nil` for a shape written without `@`.
    public static func legend(_ shape: [Int]) -> String? {
        shape.count == 3 && shape[0] != 1 ? "\(figure(shape)): \(words(shape))" : nil
    }
}
