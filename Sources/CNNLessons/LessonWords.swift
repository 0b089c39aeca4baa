import CNNCore
import CNNFigures

// Layers, maps and inputs in words, for figure titles and captions: "the first convolution",
// "the diagonal ↘ map", "the X image". The code's names (conv1, pool1[0]) appear only in brackets
// in captions, where a reader may look them up in a trace.

extension StepBuilder {
    /// A layer in words, from its kind and its place among the model's layers of that kind:
    /// "the first convolution", "the second pooling", "ReLU", "the fully connected layer".
    func layerWords(_ input: String, _ layer: String, _ step: LessonStep) throws -> String {
        let layers = try trace(input, step).model.layers
        guard let spec = layers.first(where: { $0.name == layer }) else { throw fail(step, "the model has no layer '\(layer)'") }
        let kind = Self.kindWords(spec.kind)
        let same = layers.filter { Self.kindWords($0.kind) == kind }
        let place = same.firstIndex(where: { $0.name == layer }) ?? 0
        if case .relu = spec.kind, same.count == 1 { return "ReLU" }
        if same.count == 1, case .dense = spec.kind { return "the fully connected layer" }
        return "the \(Self.ordinal(place)) \(kind)"
    }

    /// What a layer kind does, in a word or two.
    static func kindWords(_ kind: LayerKind) -> String {
        switch kind {
        case .conv: return "convolution"
        case .relu: return "ReLU"
        case .maxpool: return "pooling"
        case .avgpool: return "average pooling"
        case .globalAvgpool: return "global average pooling"
        case .dense: return "fully connected layer"
        case .leakyRelu: return "leaky ReLU"
        case .batchnorm: return "batch normalization"
        case .dropout: return "dropout"
        case .flatten: return "flattening"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .softmax: return "softmax"
        case .logSoftmax: return "log-softmax"
        }
    }

    /// "first", "second", … "tenth", then "11th", "12th", … (`index` from 0).
    static func ordinal(_ index: Int) -> String {
        let words = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
        return index >= 0 && index < words.count ? words[index] : "\(index + 1)th"
    }

    /// The name of channel `c` of a layer's output: the feature it belongs to when a convolution
    /// made it and no fully connected layer came since ("diagonal ↘"), else "map N" (from 1).
    func channelFeature(_ input: String, _ layer: String, _ c: Int, _ step: LessonStep) throws -> String? {
        let layers = try trace(input, step).model.layers
        guard let at = layers.firstIndex(where: { $0.name == layer }),
              let convAt = layers[...at].lastIndex(where: { if case .conv = $0.kind { return true } else { return false } }),
              !layers[convAt...at].contains(where: { if case .dense = $0.kind { return true } else { return false } }),
              let fs = try? features(input, layers[convAt].name, step), c >= 0, c < fs.count else { return nil }
        return fs[c].name
    }

    /// "the diagonal ↘ map", or "map 2" when no feature made it.
    func mapWords(_ input: String, _ layer: String, _ c: Int, _ step: LessonStep) throws -> String {
        try channelFeature(input, layer, c, step).map { "the \($0) map" } ?? "map \(c + 1)"
    }

    /// A feature in words: "feature diagonal ↘", and "feature 2" (not "feature feature 2") for a
    /// feature named by its number.
    static func featureWords(_ name: String) -> String {
        name.hasPrefix("feature ") ? name : "feature \(name)"
    }

    /// An input in words: its `title` in the lesson file ("the deformed X"), else "the X image"
    /// (an underscore in the lesson's name reads as a space).
    func imageWords(_ input: String) -> String {
        if let title = lesson.inputs.first(where: { $0.name == input })?.title { return title }
        return "the \(input.replacingOccurrences(of: "_", with: " ")) image"
    }

    /// An input in words without its leading "the", for titles such as "…, X image".
    func imageShortWords(_ input: String) -> String {
        let words = imageWords(input)
        return words.hasPrefix("the ") ? String(words.dropFirst(4)) : words
    }
}

extension StepBuilder {
    /// The title of one map of a layer's array in words: "the map of feature diagonal ↘ for the X
    /// image" (a convolution's output), "the diagonal ↘ map after the first pooling, X image", or
    /// for gradients "the gradient arriving at the first pooling, the diagonal ↘ map, X image".
    func mapTitle(_ input: String, _ layer: String, _ role: TraceRole, _ c: Int, _ step: LessonStep) throws -> String {
        let words = try layerWords(input, layer, step), map = try mapWords(input, layer, c, step)
        let image = imageShortWords(input)
        let spec = try layerSpec(input, layer, step)
        switch role {
        case .output:
            if case .conv = spec.kind, let feature = try channelFeature(input, layer, c, step) {
                return "the map of \(Self.featureWords(feature)) for \(imageWords(input))"
            }
            return "\(map) after \(words), \(image)"
        case .input: return "\(map) going into \(words), \(image)"
        case .gradOutput: return "the gradient arriving at \(words), \(map), \(image)"
        case .gradInput: return "the gradient \(words) passes back, \(map), \(image)"
        default: return "\(role.rawValue.replacingOccurrences(of: "_", with: " ")) of \(words), \(map), \(image)"
        }
    }
}

/// `text` with its first letter capitalized, for a caption that starts with a title.
func capitalized(_ text: String) -> String {
    guard let first = text.first else { return text }
    return first.uppercased() + text.dropFirst()
}
