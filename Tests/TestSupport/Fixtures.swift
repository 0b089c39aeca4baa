import CNNCore
import CNNFigures
import Foundation

// Shared by every test target: where the fixtures are, and the one reader of the article's
// reference numbers (`Tests/Fixtures/xo_article.json`), so no test retypes them.

/// Paths of the package and its test fixtures.
public enum Fixtures {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// `Tests/Fixtures`.
    public static let folder = packageRoot.appendingPathComponent("Tests/Fixtures")
    /// The shipped lessons folder, `lessons/`.
    public static let lessons = packageRoot.appendingPathComponent("lessons")

    /// A file under `Tests/Fixtures`.
    public static func url(_ relative: String) -> URL { folder.appendingPathComponent(relative) }

    /// A fresh, empty temporary folder named `PREFIX-UUID`.
    public static func temporaryFolder(_ prefix: String = "cnn-explain-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A fixture that is missing a value, or holds one of the wrong kind.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The article's reference numbers: images, features, sums, pooled maps, votes.
///
///     let a = try ArticleFixture()
///     let x = try a.image("X")                       // 9×9 Grid of ±1
///     let sums = try a.rows("X_conv_sums_over_9", "cross")
// Sendable: `json` is an immutable value parsed once (NSNumber, NSString, arrays and dictionaries).
public struct ArticleFixture: @unchecked Sendable {
    public let json: [String: Any]

    public init() throws {
        let data = try Data(contentsOf: Fixtures.url("xo_article.json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("xo_article.json is not a JSON object")
        }
        self.json = json
    }

    /// The value at a path of object keys.
    public func node(_ path: [String]) throws -> Any {
        var node: Any = json
        for key in path {
            guard let next = (node as? [String: Any])?[key] else { throw FixtureError("xo_article.json has no \(path.joined(separator: "."))") }
            node = next
        }
        return node
    }

    /// A grid at `path` as rows of numbers.
    public func rows(_ path: String...) throws -> [[Double]] {
        guard let rows = try node(path) as? [[NSNumber]] else { throw FixtureError("\(path.joined(separator: ".")) is not a grid") }
        return rows.map { $0.map(\.doubleValue) }
    }

    /// A grid at `path`.
    public func grid(_ path: String...) throws -> Grid {
        guard let rows = try node(path) as? [[NSNumber]] else { throw FixtureError("\(path.joined(separator: ".")) is not a grid") }
        return Grid(rows.map { $0.map(\.doubleValue) })
    }

    /// A list of numbers at `path`.
    public func numbers(_ path: String...) throws -> [Double] {
        guard let list = try node(path) as? [NSNumber] else { throw FixtureError("\(path.joined(separator: ".")) is not a list of numbers") }
        return list.map(\.doubleValue)
    }

    /// A list of integers at `path`.
    public func ints(_ path: String...) throws -> [Int] {
        guard let list = try node(path) as? [Int] else { throw FixtureError("\(path.joined(separator: ".")) is not a list of integers") }
        return list
    }

    /// The features' names in the order of the conv weight.
    public var featureOrder: [String] { json["feature_order"] as? [String] ?? [] }

    public func image(_ name: String) throws -> Grid { try grid("images", name) }
    public func feature(_ name: String) throws -> Grid { try grid("features", name) }

    /// An image as the network's input, `[1, H, W]`.
    public func imageTensor(_ name: String) throws -> Tensor {
        let g = try image(name)
        return Tensor(shape: [1, g.rows, g.cols], data: g.values)
    }

    /// The article's features as a conv weight `[3, 1, 3, 3]`.
    public func featureWeights() throws -> Tensor {
        let feats = try featureOrder.map(feature)
        return Tensor(shape: [feats.count, 1, 3, 3], data: feats.flatMap(\.values))
    }
}
