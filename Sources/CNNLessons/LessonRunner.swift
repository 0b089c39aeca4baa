import CNNInputs
import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import CNNRender
import CNNTraining
import Foundation

/// A lesson worked out: every input traced, every step's text filled in and its figures built.
public struct LessonRun: Sendable {
    public var lesson: Lesson
    /// The lesson's network.
    public var network: Network
    /// One trace per lesson input, by input name.
    public var traces: [String: Trace]
    /// The traces after a learning step that figures show numbers of, by the name lessons give
    /// them (`X@0.1`: the X image after one step of size 0.1 on itself).
    public var steppedTraces: [String: Trace] = [:]
    public var sections: [LessonSection]
    /// What the lesson's experiment found, when it runs one.
    public var experiment: ExperimentOutcome?
}

/// Works out a lesson: loads its model and inputs, traces each input, and builds every step.
public enum LessonRunner {
    /// - Throws: `LessonError` (with the line of the step at fault) or `FileError` for a model,
    ///   weights or input file.
    /// - Parameters:
    ///   - scale: how much the lesson's experiment trains (`.quick` for tests).
    ///   - progress: called with a line now and then while the experiment trains (the CLI prints it on stderr).
    ///   - onSection: called with each section as soon as it is made, in order (its files can be
    ///     drawn while the next ones are made: `LessonWriting.add`).
    public static func run(_ lesson: Lesson, scale: LessonExperiments.Scale = .lesson,
                           progress: @escaping @Sendable (String) -> Void = { _ in },
                           onSection: (LessonSection) -> Void = { _ in }) throws -> LessonRun {
        let experiment = try lesson.experiment.map { name in
            guard let outcome = try LessonExperiments.run(name, seed: lesson.seed, scale: scale, draw: rasterize, progress: progress) else {
                throw LessonError(file: lesson.file, "unknown experiment '\(name)' (known: \(LessonExperiments.names.joined(separator: ", ")))")
            }
            return outcome
        }
        let network: Network
        if let model = lesson.model {
            network = try loadNetwork(model: model, weights: lesson.weights, seed: lesson.seed, initialization: .random)
        } else if let trained = experiment?.network {
            network = trained
        } else {
            throw LessonError(file: lesson.file, "the lesson has no 'model', and its experiment has no network to show")
        }
        var traces: [String: Trace] = [:]
        var networks: [String: Network] = [:]
        if let experiment, let trace = experiment.trace, let net = experiment.network {
            traces[experiment.name] = trace
            networks[experiment.name] = net
        }
        for input in lesson.inputs {
            var net = network
            if input.randomInit {
                // The network before training: every parameter drawn from the lesson's seed.
                let modelPath = input.model ?? lesson.model ?? lesson.file
                let spec = input.model == nil ? network.model : try ModelFile.load(modelPath)
                net = try buildNetwork(model: spec, parameters: [:], weightsFile: modelPath, seed: lesson.seed, initialization: .random)
            } else if let modelPath = input.model {
                let spec = try ModelFile.load(modelPath)
                if let w = input.weights {
                    net = try loadNetwork(model: modelPath, weights: w, seed: lesson.seed, initialization: .random)
                } else {
                    // Take the parameters the two models share by name from the lesson's network.
                    var shared: [String: Tensor] = [:]
                    for p in network.parameters where spec.layers.contains(where: { p.name.hasPrefix($0.name + ".") }) {
                        shared[p.name] = p.tensor
                    }
                    net = try buildNetwork(model: spec, parameters: shared, weightsFile: lesson.weights ?? lesson.model ?? lesson.file, seed: lesson.seed,
                                       initialization: .random)
                }
            }
            let x = try InputFile.load(input.file, expecting: net.shapes[0])
            let target = try input.target.map { s throws(FileError) in try parseTarget(s, classes: net.model.classNames) }
            traces[input.name] = net.trace(input: x, target: target)
            networks[input.name] = net
        }
        let reference = try lesson.reference.map { path throws(FileError) in try loadDocument(path) }
        var builder = StepBuilder(lesson: lesson, network: network, traces: traces, networks: networks, reference: reference,
                                  experiment: experiment)
        var sections: [LessonSection] = []
        for (i, step) in lesson.steps.enumerated() {
            sections.append(try builder.section(step, number: i + 1))
            onSection(sections[i])
        }
        var run = LessonRun(lesson: lesson, network: network, traces: traces, sections: sections, experiment: experiment)
        for (i, section) in sections.enumerated() {
            for s in section.traceSources where traces[s.trace] == nil && run.steppedTraces[s.trace] == nil {
                run.steppedTraces[s.trace] = try builder.trace(s.trace, lesson.steps[i])
            }
        }
        return run
    }
}

/// Builds sections from steps, reading every number from the traces.
struct StepBuilder {
    let lesson: Lesson
    let network: Network
    let traces: [String: Trace]
    let networks: [String: Network]
    let reference: JSONValue?
    let experiment: ExperimentOutcome?
    var style: NumberStyle { lesson.numbers }

    func fail(_ step: LessonStep, _ message: String) -> LessonError {
        LessonError(file: lesson.file, line: step.line, message)
    }

    mutating func section(_ step: LessonStep, number: Int) throws -> LessonSection {
        let (text, quoted) = try fillTemplatesQuoting(step.text, step: step)
        let numbered = text.components(separatedBy: "\n\n")
            .map { $0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ") }
            .filter { !$0.isEmpty }
        // Each quoted trace element left a mark before its number: deal them out to their paragraphs.
        var next = 0
        let paragraphSources = numbered.map { p in
            let n = p.filter { $0 == Self.quoteMark }.count
            defer { next += n }
            return Array(quoted[next..<min(quoted.count, next + n)])
        }
        let marked = numbered.map { $0.replacingOccurrences(of: String(Self.quoteMark), with: "") }
        // `{{taught:ID}}` left "\u{E000}ID\u{E001}step N": on screen "step N", on paper "page P, step N".
        let paragraphs = marked.map { Self.taughtPlaces($0) { _ in "" } }
        let paperParagraphs = marked.map { Self.taughtPlaces($0) { "page {{page:\($0)}}, " } }
        var figures: [LessonFigure] = []
        for item in step.show {
            for var f in try figureList(item, step: step) {
                f.name = String(format: "%02d-%@-%@", number, step.id, f.name)
                var n = 2
                let base = f.name
                while figures.contains(where: { $0.name == f.name }) { f.name = "\(base)-\(n)"; n += 1 }
                figures.append(f)
            }
        }
        return LessonSection(number: number, heading: step.heading, id: step.id, paragraphs: paragraphs, figures: figures,
                             paperParagraphs: paperParagraphs, paragraphSources: paragraphSources)
    }

    /// `text` with each "\u{E000}ID\u{E001}" mark of `{{taught:ID}}` replaced by `place(ID)`.
    static func taughtPlaces(_ text: String, _ place: (String) -> String) -> String {
        var out = "", rest = Substring(text)
        while let open = rest.firstIndex(of: "\u{E000}"), let close = rest[open...].firstIndex(of: "\u{E001}") {
            out += rest[..<open]
            out += place(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    // MARK: Reading the traces

    /// The trace of an input, or for `NAME@LR` the trace of NAME after one SGD step of size LR.
    func trace(_ input: String, _ step: LessonStep) throws -> Trace {
        if let t = traces[input] { return t }
        if let (name, stepper, lr) = parseStepped(input), traces[name] != nil, stepper.map({ traces[$0] != nil }) ?? true {
            return try steppedTrace(name, by: stepper, lr: lr, step)
        }
        throw fail(step, "no input named '\(input)'")
    }

    func record(_ input: String, _ layer: String, _ role: TraceRole, _ step: LessonStep) throws -> TraceRecord {
        let t = try trace(input, step)
        guard t.model.layers.contains(where: { $0.name == layer }) || layer == "loss" else {
            throw fail(step, "the model has no layer '\(layer)' (its layers: \(t.model.layers.map(\.name).joined(separator: ", ")))")
        }
        guard let r = t.record(layer, role) else {
            let note = role.pass == .backward ? "; gradients need a 'target' for input '\(input)'" : ""
            throw fail(step, "\(layer) has no '\(role)' array in the trace of '\(input)'\(note)")
        }
        return r
    }

    func layerSpec(_ input: String, _ layer: String, _ step: LessonStep) throws -> LayerSpec {
        let t = try trace(input, step)
        guard let l = t.model.layers.first(where: { $0.name == layer }) else {
            throw fail(step, "the model has no layer '\(layer)' (its layers: \(t.model.layers.map(\.name).joined(separator: ", ")))")
        }
        return l
    }

    /// Channel `c` of a `[C, H, W]` record as a grid.
    func channel(_ r: TraceRecord, _ c: Int, _ step: LessonStep) throws -> Grid {
        do { return try TraceFigures.channel(r, c) } catch { throw fail(step, error.message) }
    }

    func channels(_ r: TraceRecord, _ step: LessonStep) throws -> [Grid] {
        try (0..<(r.shape.first ?? 0)).map { try channel(r, $0, step) }
    }

    /// The features of a conv layer: `weight[o, 0]` for each filter, named as the lesson's
    /// `feature_names` says (else the article's names for its hand-made features, or "feature N").
    /// The names belong to the lesson's network: an input with a model of its own keeps its own.
    func features(_ input: String, _ layer: String, _ step: LessonStep) throws -> [NamedGrid] {
        let w = try record(input, layer, .weight, step)
        guard var feats = TraceFigures.features(weight: w) else { throw fail(step, "'\(layer)' is not a conv layer") }
        let base = parseStepped(input)?.input ?? input
        if let names = lesson.featureNames[layer], lesson.inputs.first(where: { $0.name == base })?.model == nil {
            guard names.count == feats.count else {
                throw fail(step, "feature_names.\(layer) gives \(names.count) names, but \(layer) has \(feats.count) features")
            }
            for i in feats.indices { feats[i].name = names[i] }
        }
        return feats
    }


    // MARK: Figures

    /// Maps in rows that fit a page (see `TraceFigures.layerFigure`), in the lesson's number style,
    /// each labelled with its row and column numbers, named "map 1", "map 2", … when no feature made it.
    /// `mapSources`: where each map's numbers come from, for the HTML page.
    func layerFigure(features: [NamedGrid], maps: [Grid], title: String, scale: Double? = nil, mapSources: [[TraceSource?]] = []) -> Figure {
        TraceFigures.layerFigure(features: features, maps: maps, title: title, style: style, scale: scale, labelled: true,
                                 mapNames: maps.indices.map { "map \($0 + 1)" }, mapSources: mapSources)
    }


    func inputTarget(_ name: String) -> Int? {
        guard let input = lesson.inputs.first(where: { $0.name == name }), let t = input.target,
              let net = networks[name] else { return nil }
        return try? parseTarget(t, classes: net.model.classNames)
    }

    /// The input record of the first layer: the image itself.
    func firstInput(_ input: String, _ step: LessonStep) throws -> TraceRecord {
        let t = try trace(input, step)
        guard let first = t.records.first, first.role == .input else { throw fail(step, "the trace of '\(input)' is empty") }
        return first
    }

    func anyInput(_ step: LessonStep) throws -> String {
        guard let first = lesson.inputs.first else { throw fail(step, "the lesson has no inputs") }
        return first.name
    }

    // MARK: Templates

    /// Replaces each `{{…}}` in `text`:
    /// - `{{INPUT:LAYER.ROLE[i,j,k]}}`: a number from the trace of INPUT (`{{X:conv1.output[0,1,1]}}`);
    /// - `{{INPUT:loss}}`: the loss;
    /// - `{{INPUT:LAYER.ROLE.sum}}`, `.max`, `.min`, `.count`, `.nonzero`, `.negative`: over a whole array;
    /// - `{{INPUT:LAYER.ROLE.nonzero_cells}}`: where a `[C, H, W]` array is not 0, in words, map by map;
    /// - `{{INPUT:LAYER.blocked}}`: the cells of a ReLU layer whose forward input was negative and whose
    ///   incoming gradient is not 0: the gradients ReLU stops;
    /// - `{{INPUT@LR:…}}`: the same, traced after one SGD step `w ← w − LR·g` on INPUT (`{{X@0.1:loss}}`);
    /// - `{{differ:A,B}}`: how many pixels of images A and B differ;
    /// - `{{step:ID}}`: the number of the step with that id (where a term is taught);
    /// - `{{ref:a.b.c}}`: a value of the lesson's reference file, as written there (array items by index: `ref:votes.values.0`);
    /// - terms joined by ` + ` or ` − `: their sum (`{{ref:a + ref:b}}`); a term may be a plain number,
    ///   and two terms may be divided (`{{7 / 9|round4}}`);
    /// - `{{show:update.lr}}` (also `show:after_step.lr`, `show:error_curve.from`, `.to`): a number field of
    ///   the step's own `show` item, written as in the lesson file;
    /// - a suffix `|full`, `|round` or `|truncate` (2 decimals, or e.g. `|round4`) changes how the number is written.
    /// Whole numbers (counts) print without decimals.
    func fillTemplates(_ text: String, step: LessonStep) throws -> String {
        try fillTemplatesQuoting(text, step: step).0.replacingOccurrences(of: String(Self.quoteMark), with: "")
    }

    /// `fillTemplates`, with `quoteMark` before each number that is one trace element (an element
    /// or the loss), and those numbers in order (their text and element), for the page to make them buttons.
    func fillTemplatesQuoting(_ text: String, step: LessonStep) throws -> (String, [TextSource]) {
        var out = "", quoted: [TextSource] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw fail(step, "a '{{' has no closing '}}'") }
            let body = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let written = try evaluate(body, step: step)
            if let (source, value) = elementSource(body, step: step) {
                out.append(Self.quoteMark)
                quoted.append(TextSource(written, source, value: value))
            } else if let derived = try derivedNumber(body, step: step) {
                out.append(Self.quoteMark)
                quoted.append(TextSource(written, derived: derived))
            }
            out += written
            rest = rest[close.upperBound...]
        }
        return (out + rest, quoted)
    }

    /// Marks, in filled-in text, where a quoted trace element's number starts (a private-use character).
    static let quoteMark: Character = "\u{E002}"

    /// The trace element `{{INPUT:LAYER.ROLE[i,j,k]}}` (with or without a `|format`) quotes, and its value;
    /// nil for anything else (sums, counts, references, experiments).
    func elementSource(_ body: String, step: LessonStep) -> (TraceSource, Double)? {
        let expr = body.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        // The loss is the trace's record loss.output[0].
        if expr.hasSuffix(":loss"), !expr.contains(" "), let input = expr.split(separator: ":").first.map(String.init),
           input != experiment?.name || traces[input] != nil, let loss = try? trace(input, step).loss {
            return (TraceSource(trace: input, key: "loss.output", index: 0), loss)
        }
        // A record's largest or smallest value is its first element with that value.
        if !expr.contains(" "), expr.hasSuffix(".max") || expr.hasSuffix(".min"), let colon = expr.firstIndex(of: ":") {
            let input = String(expr[..<colon]), parts = expr[expr.index(after: colon)...].split(separator: ".").map(String.init)
            guard parts.count == 3, input != experiment?.name || traces[input] != nil, let role = TraceRole(rawValue: parts[1]),
                  let r = try? record(input, parts[0], role, step),
                  let v = parts[2] == "max" ? r.data.max() : r.data.min(), let k = r.data.firstIndex(of: v) else { return nil }
            return (TraceSource(trace: input, key: "\(parts[0]).\(parts[1])", index: k), v)
        }
        guard !expr.contains(" "), let colon = expr.firstIndex(of: ":"), let bracket = expr.firstIndex(of: "["), expr.hasSuffix("]") else { return nil }
        let input = String(expr[..<colon]), name = expr[expr.index(after: colon)..<bracket]
        guard !["ref", "step", "field", "differ", "taught"].contains(input), input != experiment?.name || traces[input] != nil else { return nil }
        let parts = name.split(separator: ".").map(String.init)
        guard parts.count == 2, let role = TraceRole(rawValue: parts[1]),
              let value = try? value(input: input, path: String(expr[expr.index(after: colon)...]), body: body, step: step),
              let r = try? record(input, parts[0], role, step) else { return nil }
        let index = expr[expr.index(after: bracket)..<expr.index(before: expr.endIndex)].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard index.count == r.shape.count else { return nil }
        let offset = zip(index, r.shape).reduce(0) { $0 * $1.1 + $1.0 }
        return (TraceSource(trace: input, key: "\(parts[0]).\(parts[1])", index: offset), value)
    }

    func evaluate(_ body: String, step: LessonStep) throws -> String {
        var expr = body
        var numberStyle = style
        if let bar = body.lastIndex(of: "|") {
            expr = String(body[..<bar]).trimmingCharacters(in: .whitespaces)
            let format = body[body.index(after: bar)...].trimmingCharacters(in: .whitespaces)
            guard let named = NumberStyle(name: format) else {
                throw fail(step, "{{\(body)}}: unknown format '\(format)' (use full, round, truncate, or e.g. round4)")
            }
            numberStyle = named
        }
        // A sentence the experiment worded from its results is copied as it is.
        if let e = experiment, expr.hasPrefix(e.name + ":"), let text = e.texts[String(expr.dropFirst(e.name.count + 1))] { return text }
        // Where a word is taught: the step, and on paper its page (filled in by the PDF writer).
        if expr.hasPrefix("taught:") {
            let id = String(expr.dropFirst(7))
            guard let i = lesson.steps.firstIndex(where: { $0.id == id }) else {
                throw fail(step, "{{\(body)}}: no step has the id '\(id)' (ids: \(lesson.steps.map(\.id).joined(separator: ", ")))")
            }
            return "\u{E000}\(id)\u{E001}step \(i + 1)"
        }
        // Where an array is not 0, in words: "row 1, column 5 of the diagonal ↘ map, …".
        if expr.hasSuffix(".nonzero_cells"), let colon = expr.firstIndex(of: ":") {
            let parts = expr[expr.index(after: colon)...].split(separator: ".").map(String.init)
            guard parts.count == 3, let role = TraceRole(rawValue: parts[1]) else { throw fail(step, "{{\(body)}}: write INPUT:LAYER.ROLE.nonzero_cells") }
            return try nonzeroCells(String(expr[..<colon]), parts[0], role, step)
        }
        // A single reference to text is copied as it is.
        if expr.hasPrefix("ref:"), case .string(let text)? = referenceValue(String(expr.dropFirst(4))) { return text }
        // Otherwise: terms joined by " + " and " − " (spaces around the sign).
        let tokens = expr.split(separator: " ").map(String.init)
        guard tokens.count % 2 == 1 else { throw fail(step, "{{\(body)}}: write terms joined by ' + ' or ' − '") }
        var total = try numeric(tokens[0], body: body, step: step)
        var i = 1
        while i < tokens.count {
            let term = try numeric(tokens[i + 1], body: body, step: step)
            switch tokens[i] {
            case "+": total += term
            case "-", "−": total -= term
            case "/": total /= term
            default: throw fail(step, "{{\(body)}}: '\(tokens[i])' is not +, − or /")
            }
            i += 2
        }
        // A value quoted from the reference keeps its own digits unless a format is asked for.
        let quoted = tokens.count == 1 && (expr.hasPrefix("ref:") || expr.hasPrefix("show:")) && numberStyle == style
        let counts = [".count", ".nonzero", ".negative", ".blocked"]
        let isCount = tokens.enumerated().allSatisfy { t in t.offset % 2 == 1 || t.element.hasPrefix("differ:") || t.element.hasPrefix("step:") || t.element.hasPrefix("field:") || counts.contains { t.element.hasSuffix($0) } }
        if isCount { return formatCount(total, numberStyle) }
        // An experiment's whole numbers (counts, sizes) print without decimals unless a format is asked for.
        let fromExperiment = experiment.map { e in tokens.enumerated().allSatisfy { $0.offset % 2 == 1 || $0.element.hasPrefix(e.name + ":") } } ?? false
        if fromExperiment && numberStyle == style && total == total.rounded() && abs(total) < 1e15 { return formatCount(total, numberStyle) }
        return formatNumber(total, quoted ? .full : numberStyle)
    }

    func referenceValue(_ path: String) -> JSONValue? {
        var node: JSONValue? = reference
        for key in path.split(separator: ".") {
            if let n = Int(key), case .array(let items)? = node {
                node = n >= 0 && n < items.count ? items[n] : nil
            } else {
                node = node?[String(key)]
            }
        }
        return node
    }

    /// One term: `ref:path`, `differ:A,B`, `step:ID`, `INPUT:loss`, `INPUT:LAYER.ROLE[i,j]`, or a plain number.
    func numeric(_ term: String, body: String, step: LessonStep) throws -> Double {
        if let v = Double(term) { return v }
        guard let colon = term.firstIndex(of: ":") else {
            throw fail(step, "{{\(body)}}: write INPUT:LAYER.ROLE[index], INPUT:loss, differ:A,B or ref:path")
        }
        let head = String(term[..<colon]), tail = String(term[term.index(after: colon)...])
        switch head {
        case "ref":
            guard reference != nil else { throw fail(step, "{{\(body)}}: the lesson has no 'reference' file") }
            guard case .number(let v)? = referenceValue(tail) else { throw fail(step, "{{\(body)}}: the reference has no number at '\(tail)'") }
            return v
        case "step":
            guard let i = lesson.steps.firstIndex(where: { $0.id == tail }) else {
                throw fail(step, "{{\(body)}}: no step has the id '\(tail)' (ids: \(lesson.steps.map(\.id).joined(separator: ", ")))")
            }
            return Double(i + 1)
        case "field":
            return try fieldRows(tail, body: body, step: step)
        case "show":
            return try showField(tail, body: body, step: step)
        case "differ":
            let names = tail.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard names.count == 2 else { throw fail(step, "{{\(body)}}: write differ:A,B") }
            let a = try firstInput(names[0], step).data, b = try firstInput(names[1], step).data
            guard a.count == b.count else { throw fail(step, "{{\(body)}}: the images differ in size") }
            return Double(zip(a, b).filter { $0 != $1 }.count)
        case let name where name == experiment?.name && traces[name] == nil || name == experiment?.name && experiment?.values[tail] != nil:
            guard let v = experiment?.values[tail] else {
                let keys = (experiment?.values.keys.sorted() ?? []).joined(separator: ", ")
                throw fail(step, "{{\(body)}}: the \(name) experiment has no value '\(tail)' (it has: \(keys))")
            }
            return v
        default:
            if tail == "loss" {
                guard let l = try trace(head, step).loss else { throw fail(step, "{{\(body)}}: input '\(head)' has no target, so no loss") }
                return l
            }
            return try value(input: head, path: tail, body: body, step: step)
        }
    }

    /// `LAYER.ROLE[i,j]` or `LAYER.ROLE.sum|max|min|count`.
    func value(input: String, path: String, body: String, step: LessonStep) throws -> Double {
        var name = path
        var index: [Int]?
        if let bracket = path.firstIndex(of: "["), path.hasSuffix("]") {
            name = String(path[..<bracket])
            let inner = path[path.index(after: bracket)..<path.index(before: path.endIndex)]
            var idx: [Int] = []
            for part in inner.split(separator: ",") {
                guard let v = Int(part.trimmingCharacters(in: .whitespaces)) else { throw fail(step, "{{\(body)}}: '\(inner)' is not an index") }
                idx.append(v)
            }
            index = idx
        }
        let parts = name.split(separator: ".").map(String.init)
        if parts.count == 2 && parts[1] == "blocked" && index == nil {
            return Double(try reluBlocked(input, parts[0], step).count)
        }
        guard parts.count == 2 || parts.count == 3 else { throw fail(step, "{{\(body)}}: write LAYER.ROLE[index]") }
        guard let role = TraceRole(rawValue: parts[1]) else {
            throw fail(step, "{{\(body)}}: '\(parts[1])' is not a role; the roles are \(TraceRole.names)")
        }
        let r = try record(input, parts[0], role, step)
        if parts.count == 3 {
            switch parts[2] {
            case "sum": return r.data.reduce(0, +)
            case "max": return r.data.max() ?? 0
            case "min": return r.data.min() ?? 0
            case "count": return Double(r.data.count)
            case "nonzero": return Double(r.data.filter { $0 != 0 }.count)
            case "negative": return Double(r.data.filter { $0 < 0 }.count)
            default: throw fail(step, "{{\(body)}}: '\(parts[2])' is not sum, max, min, count, nonzero or negative")
            }
        }
        guard let index else { throw fail(step, "{{\(body)}}: give an index, e.g. \(name)[0,1,1]") }
        guard index.count == r.shape.count, zip(index, r.shape).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
            throw fail(step, "{{\(body)}}: index \(index) is outside the shape \(r.shape)")
        }
        var offset = 0
        for (i, n) in zip(index, r.shape) { offset = offset * n + i }
        return r.data[offset]
    }
}

extension StepBuilder {
    /// The cells of a `[C, H, W]` array that are not 0, in words, map by map, rows and columns from 1:
    /// "row 1, column 5 and row 5, column 1 of the diagonal ↘ map; row 3, column 3 of the cross ✕ map".
    func nonzeroCells(_ input: String, _ layer: String, _ role: TraceRole, _ step: LessonStep) throws -> String {
        let r = try record(input, layer, role, step)
        guard r.shape.count == 3 else { throw fail(step, "\(layer).\(role).nonzero_cells needs maps [C, H, W], not \(ShapeText.list(r.shape))") }
        let h = r.shape[1], w = r.shape[2]
        var groups: [String] = []
        for c in 0..<r.shape[0] {
            let cells = (0..<(h * w)).filter { r.data[c * h * w + $0] != 0 }.map { "row \($0 / w + 1), column \($0 % w + 1)" }
            guard !cells.isEmpty else { continue }
            let list = cells.count == 1 ? cells[0] : cells.dropLast().joined(separator: ", ") + " and " + (cells.last ?? "")
            groups.append("\(list) of \(try mapWords(input, layer, c, step))")
        }
        return groups.isEmpty ? "none" : groups.joined(separator: "; ")
    }
}
