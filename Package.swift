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
        // The engine: tensors, layers, losses, training, the tracer. No file I/O, no Cairo.
        .target(name: "CNNCore", dependencies: ["CNNKernels"]),
        // The engine's matrix-product kernels in C: AVX2/FMA where the processor has it, portable C elsewhere.
        .target(name: "CNNKernels"),
        // Files a user writes by hand (model, weights, input, target) and trace files.
        .target(name: "CNNFiles", dependencies: [
            "CNNCore", .product(name: "Yams", package: "Yams"), .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Synthetic data sets: generated X/O images (and other lessons' data). No file I/O.
        .target(name: "CNNData", dependencies: ["CNNCore"]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CPango", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev"])]),
        // Figures as value types, and the only code that knows Cairo exists.
        .target(name: "CNNRender", dependencies: ["CNNCore", "CCairo", "CPango"]),
        // Lesson files, the runner, the terminal presenter, the report builder.
        .target(name: "CNNLessons", dependencies: ["CNNCore", "CNNData", "CNNFiles", "CNNRender", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "cnn-explain", dependencies: [
            "CNNCore", "CNNData", "CNNFiles", "CNNRender", "CNNLessons",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "CNNCoreTests", dependencies: ["CNNCore", "CNNFiles"], path: "Tests/CNNCoreTests"),
        .testTarget(name: "CNNDataTests", dependencies: ["CNNCore", "CNNData"], path: "Tests/CNNDataTests"),
        .testTarget(name: "CNNFilesTests", dependencies: ["CNNCore", "CNNFiles"], path: "Tests/CNNFilesTests"),
        .testTarget(name: "CNNRenderTests", dependencies: ["CNNCore", "CNNRender"], path: "Tests/CNNRenderTests"),
        .testTarget(name: "CNNLessonsTests", dependencies: ["CNNCore", "CNNFiles", "CNNRender", "CNNLessons"], path: "Tests/CNNLessonsTests"),
        .testTarget(name: "CLITests", dependencies: ["cnn-explain", "CNNCore", "CNNFiles"], path: "Tests/CLITests"),
    ],
    swiftLanguageModes: [.v6]
)
