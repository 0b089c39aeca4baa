import CNNCore
import CNNData
import CNNFiles
import Foundation
import TestSupport
import Testing
@testable import CNNTraining

/// The training-data folder: what `cnn-explain data` writes and `cnn-explain train --data DIR` reads.
@Suite struct TrainingDataFolderTests {
    let classes = ["X", "O"]

    func images() -> [LabeledImage] {
        [LabeledImage(image: Tensor(shape: [1, 3, 3], data: [1, -1, 1, -1, 1, -1, 1, -1, 1]), label: 0),
         LabeledImage(image: Tensor(shape: [1, 3, 3], data: [-1, 1, -1, 1, -1, 1, -1, 1, -1]), label: 1),
         LabeledImage(image: Tensor(shape: [1, 3, 3], data: [1, 1, 1, -1, -1, -1, 1, 1, 1]), label: 0)]
    }

    func folder() throws -> String { try Fixtures.temporaryFolder("data-folder").path }

    func write(_ text: String, _ name: String, in folder: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent(name))
    }

    @Test(arguments: TrainingDataFolder.Format.allCases)
    func whatIsWrittenReadsBackTheSame(format: TrainingDataFolder.Format) throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let names = try TrainingDataFolder.write(images(), classes: classes, to: dir, format: format)
        #expect(names.count == 3 && names[0].hasPrefix("x-0001") && names[2].hasPrefix("x-0002"))
        let back = try TrainingDataFolder.load(dir, shape: [1, 3, 3], classes: classes)
        #expect(back.map(\.label) == images().map(\.label))
        #expect(back.map(\.image.data) == images().map(\.image.data))
    }

    @Test func withoutLabelsTheFileNamesGiveTheClasses() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("#.#\n.#.\n#.#\n", "x-1.txt", in: dir)
        try write(".#.\n#.#\n.#.\n", "O-2.txt", in: dir)
        try write("ignored", ".hidden.txt", in: dir)
        let back = try TrainingDataFolder.load(dir, shape: [1, 3, 3], classes: classes)
        #expect(back.map(\.label) == [1, 0], "sorted by name: O-2 before x-1; classes match in any case")
    }

    @Test(arguments: [
        ("{\"images\": [{\"file\": \"a.txt\", \"label\": \"Z\"}]}", "images[0].label", "unknown class 'Z'"),
        ("{\"images\": [{\"file\": \"a.txt\", \"label\": 1e300}]}", "images[0].label", "class name or index"),
        ("{\"images\": [{\"label\": 0}]}", "images[0].file", "file name"),
        ("{\"pictures\": []}", "images", "expected a list"),
    ])
    func badLabelsNameTheirField(labels: String, field: String, message: String) throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("#.#\n.#.\n#.#\n", "a.txt", in: dir)
        try write(labels, "labels.json", in: dir)
        #expect(throws: FileError.self) { try TrainingDataFolder.load(dir, shape: [1, 3, 3], classes: classes) }
        do { _ = try TrainingDataFolder.load(dir, shape: [1, 3, 3], classes: classes) } catch {
            #expect(error.field == field && error.message.contains(message), "\(error)")
            #expect(error.file.hasSuffix("labels.json"))
        }
    }

    @Test func emptyMissingAndMisnamedFoldersAreRefused() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do { _ = try TrainingDataFolder.load(dir, shape: [1, 3, 3], classes: classes) } catch {
            #expect(error.message.contains("holds no images"))
        }
        do { _ = try TrainingDataFolder.load(dir + "/none", shape: [1, 3, 3], classes: classes) } catch {
            #expect(error.message.contains("no such folder"))
        }
        try write("#.#\n.#.\n#.#\n", "noclass.txt", in: dir)
        do {
            _ = try TrainingDataFolder.load(dir, shape: [1, 3, 3], classes: classes)
            Issue.record("a file without a class was read")
        } catch {
            #expect(error.message.contains("does not start with a class"))
        }
        // An image of the wrong size names its file.
        try FileManager.default.removeItem(atPath: dir + "/noclass.txt")
        try write("#.\n.#\n", "x-1.txt", in: dir)
        do {
            _ = try TrainingDataFolder.load(dir, shape: [1, 3, 3], classes: classes)
            Issue.record("a 2×2 image was read for a 3×3 model")
        } catch {
            #expect(error.file.hasSuffix("x-1.txt"))
        }
    }
}
