import CNNCore
import CNNFigures
import CNNFiles
import CNNTraining
import Foundation
import Yams

/// A lesson: a title, the files it uses, and a sequence of steps. Read from YAML (see docs/lessons.md).
public struct Lesson: Sendable {
    /// The lesson file's path as given.
    public var file: String
    /// The lesson's short name: the file name without `.yaml` (e.g. `xo`).
    public var name: String
    public var title: String
    /// One line for `cnn-explain lessons`.
    public var summary: String
    /// An optional subtitle for the title page.
    public var subtitle: String?
    /// Paths resolved against the lesson file's folder. A lesson that runs an `experiment` may
    /// leave the model out and use the experiment's trained network.
    public var model: String?
    public var weights: String?
    /// Seed for parameters the weights file does not give.
    public var seed: UInt64
    /// How numbers are shown (default: the article's truncation to 2 decimals).
    public var numbers: NumberStyle
    /// The inputs the steps refer to by name, in file order.
    public var inputs: [LessonInput]
    /// An optional JSON file whose values the text may quote with `{{ref:path.to.value}}`.
    public var reference: String?
    /// An experiment to run once (`audio`, `shuffle`; see `LessonExperiments`).
    public var experiment: String?
    public var steps: [LessonStep]
    /// Names of a conv layer's features, by layer (`conv1: ["diagonal ↘", …]`), one per filter;
    /// titles and captions call the feature and its map by them. Layers not named here get
    /// "feature 1", "feature 2", … (or the article's names for its three hand-made features).
    public var featureNames: [String: [String]] = [:]
}

/// A named input of a lesson.
public struct LessonInput: Sendable {
    public var name: String
    /// The input file (resolved path).
    public var file: String
    /// The right answer (a class name or index); with one, the input is traced backward too.
    public var target: String?
    /// Another model for this input (resolved path); its parameters come from `weights`, or else
    /// from the lesson's network by name.
    public var model: String?
    public var weights: String?
    /// `init: random`: every parameter is drawn from the lesson's seed, as a network is before
    /// training (`cnn-explain trace --init random`); neither `weights` nor the lesson's are read.
    public var randomInit = false
    /// What titles and captions call the input ("the deformed X"); without one, "the NAME image".
    public var title: String?
}

/// One step of a lesson: a heading, narrative text and what to show.
public struct LessonStep: Sendable {
    public var heading: String
    /// A short name used in figure file names, e.g. `convolution`.
    public var id: String
    /// Paragraphs separated by blank lines; `*emphasis*`, `**strong**`, `{{…}}` values.
    public var text: String
    public var show: [ShowItem]
    /// Where the step starts in the lesson file (1-based).
    public var line: Int
}

/// What a step shows. Each refers to inputs by name and layers by their model names.
public enum ShowItem: Sendable, Equatable {
    /// An input image.
    case image(input: String)
    /// Two images side by side, with the pixels that differ marked.
    case compare(String, String)
    /// A conv layer's features (its weights), of the lesson's network or of `input`'s; a feature
    /// over several channels is drawn as one small grid per channel.
    case features(layer: String, input: String?)
    /// One convolution step: `feature` of `layer` laid on `input` at output position (row, col).
    case convolution(input: String, layer: String, feature: Int, row: Int, col: Int)
    /// One channel of an array of a layer (`role`: output, input, grad_output, grad_input).
    case map(input: String, layer: String, role: TraceRole, channel: Int)
    /// All channels of a layer's output, each under its feature when the layer is a conv.
    case maps(input: String, layer: String)
    /// A ReLU layer's input and output for one channel.
    case relu(input: String, layer: String, channel: Int)
    /// A max-pooling layer's windows and winners for one channel.
    case pooling(input: String, layer: String, channel: Int)
    /// A flip-book of a sliding window: a conv layer's feature `channel` (its output channel)
    /// moving over the input, or a max-pooling layer's window over its input channel `channel`,
    /// in frames in which the output map fills cell by cell.
    case flipBook(input: String, layer: String, channel: Int)
    /// The model's layers with their shapes: the lesson's network, or `input`'s.
    case pipeline(input: String?)
    /// The input pixels one output cell of a layer sees (`ReceptiveField` in CNNCore), outlined on the image.
    case receptiveField(input: String, layer: String, row: Int, col: Int)
    /// Stacked fully connected layers as votes, one figure per layer: the values vote for the
    /// hidden units, whose outputs (after the activation that follows) vote for the classes.
    case denseStack(input: String, layers: [String])
    /// A dense layer's inputs with lines to its outputs, thickness following the weights.
    case votes(input: String, layer: String)
    /// A dense layer's outputs as bars, for several inputs.
    case voteBars(inputs: [String], layer: String)
    /// Right answer, actual answer and their difference for every class, for several inputs.
    case errorTable(inputs: [String])
    /// How a max-pooling layer routes the gradient back, for one channel.
    case poolRouting(input: String, layer: String, channel: Int, numbers: NumberStyle?)
    /// The error at the network's outputs: each vote, its right answer, and `∂L/∂y`
    /// (`2(y − t)/K` for mse, `softmax(y) − t` for cross-entropy).
    case lossGradient(input: String, numbers: NumberStyle?)
    /// A gradient array of a layer as coloured maps (`role`: grad_weight, grad_output,
    /// grad_input, grad_bias); a conv layer's `grad_weight` is one map per feature.
    case gradient(input: String, layer: String, role: TraceRole, numbers: NumberStyle?)
    /// A dense layer's backward pass as a table: `∂L/∂w[k, i] = g_k · x_i` and
    /// `∂L/∂x_i = Σ_k w[k, i] · g_k`.
    case denseGradient(input: String, layer: String, numbers: NumberStyle?)
    /// A ReLU layer's backward pass for one channel: its forward input (negatives marked),
    /// the gradient arriving, and the gradient passed on (0 where the input was not positive).
    /// With no `channel`, the runner takes the channel where ReLU blocks the most gradients
    /// (a negative input with a gradient arriving).
    case reluGradient(input: String, layer: String, channel: Int?, numbers: NumberStyle?)
    /// The chain-rule terms of one conv weight's gradient, `index` = `[o, c, a, b]`:
    /// `∂L/∂w[o,c,a,b] = (1/n) Σ_(i,j) ∂L/∂out[o,i,j] · in[c, i+a, j+b]`.
    case weightGradientTerms(input: String, layer: String, index: [Int], numbers: NumberStyle?)
    /// One SGD step `w′ = w − lr·g` on a copy of the network with the input's gradients: the
    /// `count` weights of each parameter with the largest |g|, and the votes and loss before and
    /// after (a second forward pass with the new weights).
    /// `weights` (e.g. `out.weight[1,1]`) are listed first, so the table shows the ones the text works through.
    case update(input: String, lr: Double, count: Int, weights: [String], numbers: NumberStyle?)
    /// What one SGD step on `by` does to another input: its votes and loss before and after the
    /// step (a forward pass of the engine with the weights the step on `by` gave).
    case afterStep(input: String, by: String, lr: Double, numbers: NumberStyle?)
    /// The loss after one SGD step `w′ = w − lr·g` for every `lr` from 0 to `upTo` (each a second
    /// forward pass of the engine), with the steps of the learning rates `marked` drawn as points.
    case stepSizes(input: String, marked: [Double], upTo: Double, numbers: NumberStyle?)
    /// The article's nudging of one weight of `layer` (`index` in its weight's shape): the loss of
    /// the input with that weight set to `points` values evenly from `from` to `to` (the slides'
    /// U), the point now with the traced gradient as the tangent's slope, and the slope from two
    /// nudges `w ± nudge` beside it. Every loss is a forward pass of the engine.
    case errorCurve(input: String, layer: String, index: [Int], from: Double, to: Double, points: Int, nudge: Double,
                    numbers: NumberStyle?)
    /// A figure drawn by the lesson's experiment, by name (e.g. `audio-sounds`).
    case experiment(figure: String)

    /// The show kinds a lesson file may use.
    public static let kinds = ["image", "compare", "features", "convolution", "map", "maps", "relu", "pooling",
                               "flip_book", "pipeline", "receptive_field", "dense_stack", "votes", "vote_bars", "error_table", "pool_routing",
                               "loss_gradient", "gradient", "dense_gradient", "relu_gradient", "weight_gradient_terms", "update", "after_step", "step_sizes",
                               "error_curve", "experiment"]
}

/// A problem in a lesson file, with its line and column when known.
public struct LessonError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    init(file: String, at mark: Mark?, _ message: String) {
        self.init(file: file, line: mark?.line, column: mark?.column, message)
    }

    /// `FILE:LINE:COLUMN: MESSAGE` on one line.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): " + message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

extension Lesson {
    /// Reads and checks a lesson file: its YAML, every field, every step kind, and that every
    /// file it names exists.
    /// - Throws: `LessonError` with the line and column of the fault.
    public static func load(_ path: String) throws(LessonError) -> Lesson {
        let bytes: [UInt8]
        do { bytes = try readFileBytes(path) } catch { throw LessonError(file: path, error.message) }
        if let message = overlongToken(bytes) { throw LessonError(file: path, message) }
        guard var text = String(validating: bytes, as: UTF8.self) else { throw LessonError(file: path, "not UTF-8 text") }
        // A byte order mark (EF BB BF), as some editors write, is not part of the lesson.
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw LessonError(file: path, "the file is empty") }
            root = node
        } catch let e as LessonError {
            throw e
        } catch let e as YamlError {
            throw yamlError(e, file: path)
        } catch {
            throw LessonError(file: path, "not valid YAML: \(error)")
        }
        guard yamlNodesFit(root, textBytes: bytes.count) else {
            throw LessonError(file: path, "YAML aliases (*name) are not supported (this one repeats parts of the file more than its size allows)")
        }
        var reader = NodeReader(file: path, folder: URL(fileURLWithPath: path).deletingLastPathComponent())
        return try reader.lesson(root)
    }

    private static func yamlError(_ e: YamlError, file: String) -> LessonError {
        switch e {
        case let .scanner(context, problem, mark, _):
            return LessonError(file: file, at: mark, "YAML syntax error: \(problem)\(context.map { " \($0.text)" } ?? "")")
        case let .parser(context, problem, mark, _):
            return LessonError(file: file, at: mark, "YAML syntax error: \(problem)\(context.map { " \($0.text)" } ?? "")")
        case let .composer(context, problem, mark, _):
            return LessonError(file: file, at: mark, "YAML error: \(problem)\(context.map { " \($0.text)" } ?? "")")
        default:
            return LessonError(file: file, "not valid YAML: \(e)")
        }
    }
}

/// Reads lesson fields from YAML nodes, keeping their marks for error messages.
struct NodeReader {
    let file: String
    let folder: URL

    func fail(_ node: Node?, _ message: String) -> LessonError {
        LessonError(file: file, at: node?.mark, message)
    }

    func mapping(_ node: Node, _ what: String, allowed: Set<String>) throws(LessonError) -> [String: Node] {
        guard let map = node.mapping else { throw fail(node, "\(what) must be a mapping of fields") }
        var result: [String: Node] = [:]
        for (k, v) in map {
            guard let key = k.string else { throw fail(k, "\(what): field names must be text") }
            guard allowed.contains(key) else {
                throw fail(k, "\(what): unknown field '\(key)' (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            result[key] = v
        }
        return result
    }

    func string(_ node: Node?, _ what: String) throws(LessonError) -> String {
        guard let node, let s = node.scalar?.string else { throw fail(node, "\(what) must be text") }
        return s
    }

    func int(_ node: Node?, _ what: String, min: Int = 0) throws(LessonError) -> Int {
        guard let node, let s = node.scalar?.string, let v = Int(s), v >= min, v <= 1_000_000 else {
            throw fail(node, "\(what) must be a whole number ≥ \(min)")
        }
        return v
    }

    /// A path relative to the lesson's folder, which must exist.
    func existingFile(_ node: Node?, _ what: String) throws(LessonError) -> String {
        let s = try string(node, what)
        let path = s.hasPrefix("/") ? s : folder.appendingPathComponent(s).standardizedFileURL.path
        guard LessonLibrary.fileExists(path) else { throw fail(node, "\(what): no such file '\(s)' (looked for \(path))") }
        // A FIFO or a device would block or never end when read: refuse it now, not later.
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFDIR {
            throw fail(node, "\(what): '\(s)' is not a regular file (a FIFO, a device or a socket)")
        }
        return path
    }

    mutating func lesson(_ root: Node) throws(LessonError) -> Lesson {
        let top = try mapping(root, "the lesson", allowed: ["title", "subtitle", "summary", "model", "weights", "seed", "numbers", "inputs", "reference", "experiment", "steps", "feature_names"])
        guard let titleNode = top["title"] else { throw fail(root, "a lesson needs a 'title'") }
        let experiment = try top["experiment"].map { n throws(LessonError) in try string(n, "experiment") }
        if let experiment, !LessonExperiments.names.contains(experiment) {
            throw fail(top["experiment"], "unknown experiment '\(experiment)' (known: \(LessonExperiments.names.joined(separator: ", ")))")
        }
        let modelNode = top["model"]
        if modelNode == nil && experiment == nil { throw fail(root, "a lesson needs a 'model' file") }
        guard let stepsNode = top["steps"] else { throw fail(root, "a lesson needs 'steps'") }
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var inputs: [LessonInput] = []
        if let inputsNode = top["inputs"] {
            guard let map = inputsNode.mapping else { throw fail(inputsNode, "'inputs' must map names to files") }
            for (k, v) in map {
                let inputName = try string(k, "an input name")
                if v.scalar != nil {
                    inputs.append(LessonInput(name: inputName, file: try existingFile(v, "inputs.\(inputName)")))
                } else {
                    let f = try mapping(v, "inputs.\(inputName)", allowed: ["file", "target", "model", "weights", "init", "title"])
                    guard f["file"] != nil else { throw fail(v, "inputs.\(inputName) needs a 'file'") }
                    let initNode = f["init"]
                    if let initNode, try string(initNode, "inputs.\(inputName).init") != "random" || f["weights"] != nil {
                        throw fail(initNode, "inputs.\(inputName).init can only be 'random' (every parameter drawn from the seed), and then takes no 'weights'")
                    }
                    var input = LessonInput(
                        name: inputName, file: try existingFile(f["file"], "inputs.\(inputName).file"),
                        target: try f["target"].map { n throws(LessonError) in try string(n, "inputs.\(inputName).target") },
                        model: try f["model"].map { n throws(LessonError) in try existingFile(n, "inputs.\(inputName).model") },
                        weights: try f["weights"].map { n throws(LessonError) in try existingFile(n, "inputs.\(inputName).weights") })
                    input.randomInit = initNode != nil
                    input.title = try f["title"].map { n throws(LessonError) in try string(n, "inputs.\(inputName).title") }
                    inputs.append(input)
                }
            }
        }
        // An experiment with a traced example can be shown like an input, under its own name.
        let known = Set(inputs.map(\.name) + (experiment.map { [$0] } ?? []))
        guard let seq = stepsNode.sequence, !seq.isEmpty else { throw fail(stepsNode, "'steps' must be a list with at least one step") }
        var steps: [LessonStep] = []
        var ids = Set<String>()
        for (i, node) in seq.enumerated() {
            var step = try self.step(node, index: i, inputs: known)
            var id = step.id
            var n = 2
            while !ids.insert(id).inserted { id = "\(step.id)-\(n)"; n += 1 }
            step.id = id
            steps.append(step)
        }
        var style = NumberStyle.truncated(2)
        if let numbersNode = top["numbers"] { style = try numberStyle(numbersNode, "numbers") }
        return Lesson(
            file: file, name: name, title: try string(titleNode, "title"),
            summary: try top["summary"].map { n throws(LessonError) in try string(n, "summary") } ?? "",
            subtitle: try top["subtitle"].map { n throws(LessonError) in try string(n, "subtitle") },
            model: try modelNode.map { n throws(LessonError) in try existingFile(n, "model") },
            weights: try top["weights"].map { n throws(LessonError) in try existingFile(n, "weights") },
            seed: UInt64(try top["seed"].map { n throws(LessonError) in try int(n, "seed") } ?? 0),
            numbers: style, inputs: inputs,
            reference: try top["reference"].map { n throws(LessonError) in try existingFile(n, "reference") },
            experiment: experiment,
            steps: steps, featureNames: try featureNames(top["feature_names"]))
    }

    /// `feature_names: {conv1: ["diagonal ↘", "cross ✕", "diagonal ↗"]}`: a list of names per layer.
    func featureNames(_ node: Node?) throws(LessonError) -> [String: [String]] {
        guard let node else { return [:] }
        guard let map = node.mapping else { throw fail(node, "'feature_names' must map layer names to lists of names") }
        var names: [String: [String]] = [:]
        for (k, v) in map {
            let layer = try string(k, "a layer name in feature_names")
            guard let seq = v.sequence, !seq.isEmpty else { throw fail(v, "feature_names.\(layer) must be a list of names") }
            var list: [String] = []
            for item in seq { list.append(try string(item, "feature_names.\(layer)")) }
            names[layer] = list
        }
        return names
    }

    /// `truncate`, `round`, `full`, or with a number of decimals: `round4`, `truncate3`.
    func numberStyle(_ node: Node, _ what: String) throws(LessonError) -> NumberStyle {
        guard let style = NumberStyle(name: try string(node, what)) else {
            throw fail(node, "\(what) must be 'truncate' (the article's slides), 'round' or 'full', or with decimals, e.g. 'round4'")
        }
        return style
    }

    func step(_ node: Node, index: Int, inputs: Set<String>) throws(LessonError) -> LessonStep {
        let f = try mapping(node, "steps[\(index)]", allowed: ["heading", "id", "text", "show"])
        guard let headingNode = f["heading"] else { throw fail(node, "steps[\(index)] needs a 'heading'") }
        let heading = try string(headingNode, "heading")
        var show: [ShowItem] = []
        if let showNode = f["show"] {
            guard let seq = showNode.sequence else { throw fail(showNode, "'show' must be a list") }
            for item in seq { show.append(try showItem(item, inputs: inputs)) }
        }
        let id = try f["id"].map { n throws(LessonError) in try string(n, "id") } ?? slug(heading)
        // The id names the step's figure files, so it is checked here, before anything is written.
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !id.isEmpty, id.count <= 100, !id.hasPrefix("."), id.allSatisfy({ allowed.contains($0) }) else {
            throw fail(f["id"] ?? headingNode, "steps[\(index)].id: '\(id.prefix(100))' names files, so it needs 1 to 100 letters, digits, '-', '_' or '.' (not first)")
        }
        return LessonStep(heading: heading, id: id, text: try f["text"].map { n throws(LessonError) in try string(n, "text") } ?? "",
                          show: show, line: node.mark?.line ?? 0)
    }

    func showItem(_ node: Node, inputs: Set<String>) throws(LessonError) -> ShowItem {
        let kindList = ShowItem.kinds.joined(separator: ", ")
        if let s = node.scalar?.string {
            guard s == "pipeline" else { throw fail(node, "unknown step kind '\(s)' (known: \(kindList))") }
            return .pipeline(input: nil)
        }
        guard let map = node.mapping, map.count == 1, let (k, v) = map.first.map({ ($0.key, $0.value) }), let kind = k.string else {
            throw fail(node, "each 'show' item is one kind with its settings, e.g. '- image: X' (known kinds: \(kindList))")
        }
        let item = ShowItemReader(reader: self, kind: kind, value: v, inputs: inputs)
        if let shown = try item.forwardItem() { return shown }
        if let shown = try item.backwardItem() { return shown }
        throw fail(k, "unknown step kind '\(kind)' (known: \(kindList))")
    }
}

/// Reads the settings of one `show` item of kind `kind` (its value `v`), with the lesson's input names.
struct ShowItemReader {
    let reader: NodeReader
    let kind: String
    let v: Node
    let inputs: Set<String>

    init(reader: NodeReader, kind: String, value: Node, inputs: Set<String>) {
        self.reader = reader; self.kind = kind; self.v = value; self.inputs = inputs
    }

    func fail(_ node: Node?, _ message: String) -> LessonError { reader.fail(node, message) }
    func string(_ node: Node?, _ what: String) throws(LessonError) -> String { try reader.string(node, what) }
    func int(_ node: Node?, _ what: String, min: Int = 0) throws(LessonError) -> Int { try reader.int(node, what, min: min) }

    func input(_ n: Node?, _ what: String) throws(LessonError) -> String {
        let name = try string(n, what)
        guard inputs.contains(name) else {
            throw fail(n, "\(what): no input named '\(name)' (the lesson's inputs: \(inputs.sorted().joined(separator: ", ")))")
        }
        return name
    }
    func fields(_ allowed: Set<String>, required: [String]) throws(LessonError) -> [String: Node] {
        let f = try reader.mapping(v, kind, allowed: allowed)
        for r in required where f[r] == nil { throw fail(v, "\(kind) needs '\(r)'") }
        return f
    }
    func numbers(_ f: [String: Node]) throws(LessonError) -> NumberStyle? {
        try f["numbers"].map { n throws(LessonError) in try reader.numberStyle(n, "\(kind).numbers") }
    }
    /// A `role` field: one of `allowed`, or `def` when the field is absent.
    func role(_ n: Node?, _ what: String, _ allowed: [TraceRole], default def: TraceRole) throws(LessonError) -> TraceRole {
        guard let n else { return def }
        guard let role = TraceRole(rawValue: try string(n, what)), allowed.contains(role) else {
            let names = allowed.map(\.rawValue)
            throw fail(n, "\(what) must be \(names.dropLast().joined(separator: ", ")) or \(names.last ?? "")")
        }
        return role
    }
    func inputList(_ n: Node?) throws(LessonError) -> [String] {
        guard let n, let seq = n.sequence, !seq.isEmpty else { throw fail(n ?? v, "\(kind): 'inputs' must be a list of input names") }
        var names: [String] = []
        for item in seq { names.append(try input(item, "\(kind).inputs")) }
        return names
    }

    /// A forward-pass kind (image, maps, pooling, votes, …); `nil` for other kinds.
    func forwardItem() throws(LessonError) -> ShowItem? {
        switch kind {
    case "image":
        return .image(input: try input(v, "image"))
    case "compare":
        guard let seq = v.sequence, seq.count == 2 else { throw fail(v, "compare takes two input names, e.g. [X, X_deformed]") }
        return .compare(try input(seq[0], "compare"), try input(seq[1], "compare"))
    case "features":
        if v.scalar != nil { return .features(layer: try string(v, "features"), input: nil) }
        let f = try fields(["layer", "input"], required: ["layer"])
        return .features(layer: try string(f["layer"], "features.layer"),
                         input: try f["input"].map { n throws(LessonError) in try input(n, "features.input") })
    case "convolution":
        let f = try fields(["input", "layer", "feature", "at"], required: ["input", "layer", "at"])
        guard let at = f["at"], let pair = at.sequence, pair.count == 2 else { throw fail(f["at"], "convolution.at must be [row, column]") }
        return .convolution(input: try input(f["input"], "convolution.input"), layer: try string(f["layer"], "convolution.layer"),
                            feature: try f["feature"].map { n throws(LessonError) in try int(n, "convolution.feature") } ?? 0,
                            row: try int(pair[0], "convolution.at row"), col: try int(pair[1], "convolution.at column"))
    case "map":
        let f = try fields(["input", "layer", "role", "channel"], required: ["input", "layer"])
        let role = try role(f["role"], "map.role", [.input, .output, .gradOutput, .gradInput], default: .output)
        return .map(input: try input(f["input"], "map.input"), layer: try string(f["layer"], "map.layer"), role: role,
                    channel: try f["channel"].map { n throws(LessonError) in try int(n, "map.channel") } ?? 0)
    case "maps":
        let f = try fields(["input", "layer"], required: ["input", "layer"])
        return .maps(input: try input(f["input"], "maps.input"), layer: try string(f["layer"], "maps.layer"))
    case "flip_book":
        let f = try fields(["input", "layer", "channel"], required: ["input", "layer"])
        return .flipBook(input: try input(f["input"], "flip_book.input"), layer: try string(f["layer"], "flip_book.layer"),
                         channel: try f["channel"].map { n throws(LessonError) in try int(n, "flip_book.channel") } ?? 0)
    case "relu", "pooling", "pool_routing":
        let f = try fields(kind == "pool_routing" ? ["input", "layer", "channel", "numbers"] : ["input", "layer", "channel"], required: ["input", "layer"])
        let i = try input(f["input"], "\(kind).input"), l = try string(f["layer"], "\(kind).layer")
        let c = try f["channel"].map { n throws(LessonError) in try int(n, "\(kind).channel") } ?? 0
        return kind == "relu" ? .relu(input: i, layer: l, channel: c)
            : kind == "pooling" ? .pooling(input: i, layer: l, channel: c) : .poolRouting(input: i, layer: l, channel: c, numbers: try numbers(f))
    case "pipeline":
        return .pipeline(input: try input(v, "pipeline"))
    case "receptive_field":
        let f = try fields(["input", "layer", "at"], required: ["input", "layer", "at"])
        guard let at = f["at"], let pair = at.sequence, pair.count == 2 else { throw fail(f["at"], "receptive_field.at must be [row, column]") }
        return .receptiveField(input: try input(f["input"], "receptive_field.input"), layer: try string(f["layer"], "receptive_field.layer"),
                               row: try int(pair[0], "receptive_field.at row"), col: try int(pair[1], "receptive_field.at column"))
    case "dense_stack":
        let f = try fields(["input", "layers"], required: ["input", "layers"])
        guard let seq = f["layers"]?.sequence, seq.count >= 2 else { throw fail(f["layers"], "dense_stack.layers must list two or more dense layers") }
        var layers: [String] = []
        for n in seq { layers.append(try string(n, "dense_stack.layers")) }
        return .denseStack(input: try input(f["input"], "dense_stack.input"), layers: layers)
    case "experiment":
        return .experiment(figure: try string(v, "experiment"))
    case "votes":
        let f = try fields(["input", "layer"], required: ["input", "layer"])
        return .votes(input: try input(f["input"], "votes.input"), layer: try string(f["layer"], "votes.layer"))
    case "vote_bars":
        let f = try fields(["inputs", "layer"], required: ["inputs", "layer"])
        return .voteBars(inputs: try inputList(f["inputs"]), layer: try string(f["layer"], "vote_bars.layer"))
    case "error_table":
        let f = try fields(["inputs"], required: ["inputs"])
        return .errorTable(inputs: try inputList(f["inputs"]))
        default: return nil
        }
    }

    /// A positive finite number, e.g. a learning rate.
    func positive(_ node: Node?, _ what: String) throws(LessonError) -> Double {
        guard let text = node?.scalar?.string, let x = Double(text), x > 0, x.isFinite else {
            throw fail(node ?? v, "\(what) must be a positive number, e.g. 0.1")
        }
        return x
    }

    /// A backward-pass kind (gradients, one update); `nil` for other kinds.
    func backwardItem() throws(LessonError) -> ShowItem? {
        switch kind {
    case "loss_gradient":
        if v.scalar != nil { return .lossGradient(input: try input(v, kind), numbers: nil) }
        let f = try fields(["input", "numbers"], required: ["input"])
        return .lossGradient(input: try input(f["input"], "\(kind).input"), numbers: try numbers(f))
    case "gradient":
        let f = try fields(["input", "layer", "role", "numbers"], required: ["input", "layer"])
        let role = try role(f["role"], "gradient.role", [.gradWeight, .gradBias, .gradOutput, .gradInput], default: .gradWeight)
        return .gradient(input: try input(f["input"], "gradient.input"), layer: try string(f["layer"], "gradient.layer"),
                         role: role, numbers: try numbers(f))
    case "dense_gradient":
        let f = try fields(["input", "layer", "numbers"], required: ["input", "layer"])
        return .denseGradient(input: try input(f["input"], "\(kind).input"), layer: try string(f["layer"], "\(kind).layer"),
                              numbers: try numbers(f))
    case "relu_gradient":
        let f = try fields(["input", "layer", "channel", "numbers"], required: ["input", "layer"])
        return .reluGradient(input: try input(f["input"], "\(kind).input"), layer: try string(f["layer"], "\(kind).layer"),
                             channel: try f["channel"].map { n throws(LessonError) in try int(n, "\(kind).channel") },
                             numbers: try numbers(f))
    case "weight_gradient_terms":
        let f = try fields(["input", "layer", "index", "numbers"], required: ["input", "layer", "index"])
        guard let idx = f["index"], let seq = idx.sequence, seq.count == 4 else {
            throw fail(f["index"], "\(kind).index must be [feature, channel, row, column] of a conv weight, e.g. [0, 0, 1, 1]")
        }
        var index: [Int] = []
        for n in seq { index.append(try int(n, "\(kind).index")) }
        return .weightGradientTerms(input: try input(f["input"], "\(kind).input"), layer: try string(f["layer"], "\(kind).layer"),
                                    index: index, numbers: try numbers(f))
    case "update":
        let f = try fields(["input", "lr", "count", "weights", "numbers"], required: ["input", "lr"])
        var named: [String] = []
        if let w = f["weights"] {
            guard let seq = w.sequence else { throw fail(w, "update.weights must be a list, e.g. [\"out.weight[1,1]\"]") }
            for n in seq { named.append(try string(n, "update.weights")) }
        }
        return .update(input: try input(f["input"], "update.input"), lr: try positive(f["lr"], "update.lr"),
                       count: try f["count"].map { n throws(LessonError) in try int(n, "update.count", min: 1) } ?? 3,
                       weights: named, numbers: try numbers(f))
    case "after_step":
        let f = try fields(["input", "by", "lr", "numbers"], required: ["input", "by", "lr"])
        return .afterStep(input: try input(f["input"], "after_step.input"), by: try input(f["by"], "after_step.by"),
                          lr: try positive(f["lr"], "after_step.lr"), numbers: try numbers(f))
    case "step_sizes":
        let f = try fields(["input", "lr", "up_to", "numbers"], required: ["input", "lr", "up_to"])
        guard let seq = f["lr"]?.sequence, !seq.isEmpty else { throw fail(f["lr"] ?? v, "step_sizes.lr must be a list of learning rates, e.g. [0.1, 0.5]") }
        var marked: [Double] = []
        for n in seq { marked.append(try positive(n, "step_sizes.lr")) }
        let upTo = try positive(f["up_to"], "step_sizes.up_to")
        guard marked.allSatisfy({ $0 <= upTo }) else { throw fail(f["up_to"], "step_sizes.up_to must be at least every lr") }
        return .stepSizes(input: try input(f["input"], "step_sizes.input"), marked: marked, upTo: upTo, numbers: try numbers(f))
    case "error_curve":
        return try errorCurveItem()
        default: return nil
        }
    }

    /// `error_curve: {input, layer, index: [1, 1], from: -1.75, to: 1.25, points: 13, nudge: 0.1, numbers}`.
    func errorCurveItem() throws(LessonError) -> ShowItem {
        let f = try fields(["input", "layer", "index", "from", "to", "points", "nudge", "numbers"],
                           required: ["input", "layer", "index", "from", "to"])
        guard let idx = f["index"], let seq = idx.sequence, !seq.isEmpty else {
            throw fail(f["index"], "error_curve.index must list the weight's index, e.g. [1, 1] for out.weight[1,1]")
        }
        var index: [Int] = []
        for n in seq { index.append(try int(n, "error_curve.index")) }
        func number(_ key: String) throws(LessonError) -> Double? {
            guard let node = f[key] else { return nil }
            guard let text = node.scalar?.string, let v = Double(text), v.isFinite else {
                throw fail(node, "error_curve.\(key) must be a number, e.g. 0.1")
            }
            return v
        }
        let from = try number("from") ?? 0, to = try number("to") ?? 0, nudge = try number("nudge") ?? 0.1
        guard from < to else { throw fail(f["to"], "error_curve.to must be larger than error_curve.from") }
        guard nudge > 0 else { throw fail(f["nudge"], "error_curve.nudge must be a positive number, e.g. 0.1") }
        let points = try f["points"].map { n throws(LessonError) in try int(n, "error_curve.points", min: 2) } ?? 13
        guard points <= 201 else { throw fail(f["points"], "error_curve.points must be at most 201") }
        return .errorCurve(input: try input(f["input"], "error_curve.input"), layer: try string(f["layer"], "error_curve.layer"),
                           index: index, from: from, to: to, points: points, nudge: nudge, numbers: try numbers(f))
    }
}
