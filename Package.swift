// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cnn-explain",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cnn-explain", targets: ["cnn-explain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // The engine: tensors, layers, losses, SGD, training, the tracer, and the one definition of
        // each piece of math the figures show (pool windows, conv derivations). No file I/O, no Cairo,
        // no number formatting.
        .target(name: "CNNCore", dependencies: ["CNNKernels"]),
        // The engine's matrix-product kernels in C: AVX2/FMA where the processor has it, portable C elsewhere.
        .target(name: "CNNKernels"),
        // Files a user writes by hand (model, weights, input, target) and trace files.
        .target(name: "CNNFiles", dependencies: [
            "CNNCore", "CNNBundled", .product(name: "Yams", package: "Yams"), .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // PNG decoding for input images, through Cairo: 8-bit pixels out, nothing else. Keeps Cairo
        // out of the file formats themselves.
        .target(name: "CNNPNG", dependencies: ["CCairo"]),
        // The shipped lessons folder, built into the program from lessons/** at build time.
        .target(name: "CNNBundled", plugins: ["EmbedFiles"]),
        // Build tool: turns a folder's files into Swift source (lessons/ for CNNBundled, web/ for CNNHTML).
        .executableTarget(name: "embed-files"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["embed-files"]),
        // Synthetic data sets: generated X/O images (and other lessons' data). No file I/O.
        .target(name: "CNNData", dependencies: ["CNNCore", "CNNFigures"]),
        // Figures, lesson sections and documents as plain values, and number formatting. Depends on nothing:
        // every drawer (Cairo, terminal, later HTML) reads these.
        .target(name: "CNNFigures"),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CPango", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev"])]),
        // PNG rows filtered and deflated: ISA-L's igzip for the deflate, zlib for the chunks' CRC-32.
        .systemLibrary(name: "CPNGDeflate", pkgConfig: "libisal", providers: [.apt(["libisal-dev", "zlib1g-dev"])]),
        // The Cairo drawer: figures and documents to PDF, PNG and SVG. The only code that knows Cairo exists.
        .target(name: "CNNRender", dependencies: ["CNNFigures", "CNNPNG", "CCairo", "CPango", "CPNGDeflate"]),
        // The terminal drawer: figures and lesson sections as text, and the paused session. No Cairo.
        .target(name: "CNNTerminal", dependencies: ["CNNFigures"]),
        // The network's inputs (grids, JSON, CSV, .npy, PNG through CNNPNG) and the `trace` command's job.
        .target(name: "CNNInputs", dependencies: ["CNNCore", "CNNFiles", "CNNPNG"]),
        // Trace analysis: explain, diff, trace → figure values. No Cairo.
        .target(name: "CNNAnalysis", dependencies: ["CNNCore", "CNNFiles", "CNNFigures"]),
        // Training runs, the training-data folder, the training report as values, the lessons'
        // experiments (audio, shuffle), and the engine benchmarks. No Cairo.
        .target(name: "CNNTraining", dependencies: ["CNNCore", "CNNData", "CNNFiles", "CNNInputs", "CNNFigures", "CNNAnalysis"]),
        // Lesson files, the runner, the `{{…}}` templates, lesson figures; writes lessons and reports
        // through the drawers. Orchestrates the modules above.
        .target(name: "CNNLessons", dependencies: [
            "CNNCore", "CNNData", "CNNFiles", "CNNInputs", "CNNFigures", "CNNRender", "CNNTerminal", "CNNAnalysis", "CNNTraining", "CNNHTML",
            .product(name: "Yams", package: "Yams"),
        ]),
        // The HTML drawer: figures, lesson sections and a trace's explorer as one self-contained page
        // (inline SVG, CSS and script). No Cairo; the page's script and style are embedded at build time.
        .target(name: "CNNHTML", dependencies: ["CNNFigures", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                plugins: ["EmbedFiles"]),
        // The teacher's kit: what-if comparisons, worksheets with answer keys, marking, slides.
        .target(name: "CNNTeaching", dependencies: [
            "CNNCore", "CNNData", "CNNFiles", "CNNInputs", "CNNFigures", "CNNRender", "CNNAnalysis",
            .product(name: "Yams", package: "Yams"),
        ]),
        // The command-line interface: argument parsing only.
        .executableTarget(name: "cnn-explain", dependencies: [
            "CNNCore", "CNNData", "CNNFiles", "CNNInputs", "CNNFigures", "CNNRender", "CNNTerminal", "CNNAnalysis", "CNNTraining", "CNNLessons", "CNNTeaching", "CNNHTML",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Shared by the test targets only: fixture paths and the one reader of the article's numbers.
        .target(name: "TestSupport", dependencies: ["CNNCore", "CNNFigures", "CNNAnalysis"], path: "Tests/TestSupport"),
        // Tests only: counts heap allocations (wraps glibc's malloc), to show a training step makes none.
        .target(name: "AllocationCounter", dependencies: ["CNNKernels"], path: "Tests/AllocationCounter"),
        .testTarget(name: "CNNCoreTests", dependencies: ["TestSupport", "CNNCore", "CNNFiles", "CNNFigures", "AllocationCounter", "CNNKernels", "CNNTraining"],
                    path: "Tests/CNNCoreTests"),
        .testTarget(name: "CNNDataTests", dependencies: ["TestSupport", "CNNCore", "CNNData"], path: "Tests/CNNDataTests"),
        .testTarget(name: "CNNFilesTests", dependencies: ["TestSupport", "CNNInputs", "CNNCore", "CNNFiles", "CNNFigures", "CNNAnalysis"], path: "Tests/CNNFilesTests"),
        .testTarget(name: "CNNRenderTests", dependencies: ["TestSupport", "CNNCore", "CNNFigures", "CNNRender"], path: "Tests/CNNRenderTests"),
        .testTarget(name: "CNNLessonsTests", dependencies: ["TestSupport", "CNNInputs", "CNNCore", "CNNData", "CNNFiles", "CNNFigures", "CNNRender", "CNNTerminal", "CNNAnalysis", "CNNTraining", "CNNLessons", "CNNHTML"], path: "Tests/CNNLessonsTests"),
        .testTarget(name: "CNNHTMLTests", dependencies: ["TestSupport", "CNNInputs", "CNNCore", "CNNFiles", "CNNFigures", "CNNAnalysis", "CNNHTML", "CNNLessons"], path: "Tests/CNNHTMLTests"),
        .testTarget(name: "CNNTeachingTests", dependencies: ["TestSupport", "CNNInputs", "CNNCore", "CNNFiles", "CNNFigures", "CNNAnalysis", "CNNTeaching"], path: "Tests/CNNTeachingTests"),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "CNNInputs", "cnn-explain", "CNNCore", "CNNFiles", "CNNFigures", "CNNAnalysis", "CNNTerminal", "CNNLessons"], path: "Tests/CLITests"),
    ],
    swiftLanguageModes: [.v6]
)
