import ArgumentParser
import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import CNNHTML
import CNNCore
import CNNLessons
import CNNRender
import Foundation

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Draw every layer of a trace, forward and backward, as picture files.",
        discussion: """
        Writes one figure (or a few) per layer and pass into OUT, named in reading order: the \
        pipeline, the input, each layer's features and maps, the pooling windows and the votes, \
        then the gradients from the votes back to the first layer.

        Example, the article's X:

          cnn-explain trace --model lessons/models/xo.json \\
              --weights lessons/models/xo.weights.json \\
              --input lessons/inputs/x.txt --target X --out x.trace.json
          cnn-explain render x.trace.json --out x-figures --truncate

        gives x-figures/01-pipeline.png, 02-forward-conv1-input.png, …, \
        16-backward-conv1-grad-weight.png. Numbers have 2 decimals, rounded (--truncate cuts them \
        as the slides do); gradients get more decimals when they are small.

        With --format html it writes one page instead, OUT/NAME.html (x.html for x.trace.json), \
        where every number of the trace opens its derivation:

          cnn-explain render x.trace.json --out x-page --format html
        """
    )

    @Argument(help: "A trace written by 'cnn-explain trace'.", completion: .file(extensions: ["json"]))
    var trace: String

    @Option(help: "The folder to write the figures into (created if needed).", completion: .directory)
    var out: String

    @Option(help: "The file format; html writes one interactive page.")
    var format: FileFormat = .png

    @Option(help: "Pixels per point for PNG (2 is sharp on slides).")
    var scale: Double = 2

    @OptionGroup var numbers: NumberOptions

    @OptionGroup var budget: BudgetOptions

    func validate() throws {
        guard scale > 0 && scale <= 8 else { throw ValidationError("--scale must be between 0 and 8") }
    }

    func run() throws {
        try reportingErrors {
            // The model alone first, so a huge trace is refused before its records are read.
            let cost = { (c: ModelCost) in c.render(scale: scale) }
            if let model = TraceFile.peekModel(trace) { try checkBudget(model, file: trace, limits: budget.limits, estimate: cost) }
            let t = try TraceFile.load(trace)
            try checkBudget(t.model, file: trace, limits: budget.limits, estimate: cost)
            guard let fileFormat = format.drawn else { return try writePage(t) }
            let figures: [(name: String, figure: Figure)]
            do {
                figures = try TraceFigures.figures(for: t, style: numbers.style)
            } catch {
                throw FileError(file: trace, "\(error)")
            }
            let folder = URL(fileURLWithPath: out)
            do {
                try createFolders(folder.path)
            } catch {
                throw RenderError.write(path: out, reason: "the folder cannot be created")
            }
            for (name, figure) in figures {
                let file = "\(name).\(fileFormat.fileExtension)"
                do {
                    try writeAtomically(data: Data(renderData(figure, format: fileFormat, scale: scale)), to: folder.appendingPathComponent(file).path)
                } catch RenderError.invalidFigure(let why) {
                    throw RenderError.invalidFigure("\(file): \(why)")
                }
                try say("wrote \((out as NSString).appendingPathComponent(file))")
            }
            try say("\(figures.count) figures from \(trace)")
        }
    }
}

extension RenderCommand {
    /// Writes OUT/NAME.html, NAME being the trace file's name without `.trace.json` or `.json`.
    func writePage(_ t: Trace) throws {
        var name = (trace as NSString).lastPathComponent
        for suffix in [".trace.json", ".json"] where name.hasSuffix(suffix) { name = String(name.dropLast(suffix.count)); break }
        let explorer = try Explorer.build(from: t, name: name, style: numbers.style)
        let page = HTMLPage(title: "The trace \(name), number by number", subtitle: "Written by cnn-explain render \(trace) --format html",
                            explorer: explorer)
        try createFolders(out)
        let path = (out as NSString).appendingPathComponent("\(name).html")
        try writeAtomically(data: Data(try page.html().utf8), to: path)
        try say("wrote \(path)")
    }
}
