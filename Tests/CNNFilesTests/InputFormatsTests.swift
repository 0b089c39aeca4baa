import CNNInputs
import CNNAnalysis
import CNNCore
import Foundation
import Testing
@testable import CNNFiles

/// Inputs as PNG (gray, RGB, RGBA; both pixel mappings; 1, 3 or 4 channels), `.npy` and CSV: the
/// fixtures of Tests/Fixtures/inputs/, made by make_inputs.py, against the values it recorded.
@Suite struct InputFormatsTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/inputs")

    func path(_ name: String) -> String { Self.folder.appendingPathComponent(name).path }

    /// Nested numbers from expected.json (read with the project's own JSON reader) as a flat list and a shape.
    func expected(_ group: String, _ file: String) throws -> (shape: [Int], data: [Double]) {
        let doc = try loadDocument(path("expected.json"))
        let t = try tensorFromNested(try #require(doc[group]?[file]), field: file, file: "expected.json")
        return (t.shape, t.data)
    }

    /// The pixels a reader must see, as [H][W][r, g, b, a] bytes.
    func pixels(_ file: String) throws -> (h: Int, w: Int, rgba: [Double]) {
        let e = try expected("png", file)
        return (e.shape[0], e.shape[1], e.data)
    }

    @Test(arguments: ["gray.png", "rgb.png", "rgba.png"], PixelMapping.allCases)
    func pngInEveryChannelCount(file: String, mapping: PixelMapping) throws {
        let (h, w, rgba) = try pixels(file)
        func value(_ p: Double) -> Double { mapping == .article ? 2 * p / 255 - 1 : p / 255 }
        for channels in [1, 3, 4] {
            let t = try InputFile.load(path(file), expecting: [channels, h, w], pixels: mapping)
            for y in 0..<h {
                for x in 0..<w {
                    let px = Array(rgba[((y * w + x) * 4)..<((y * w + x) * 4 + 4)])
                    let want: [Double] = channels == 1
                        ? [file == "gray.png" ? value(px[0]) : value((299 * px[0] + 587 * px[1] + 114 * px[2]) / 1000)]
                        : px.prefix(channels).map(value)
                    for c in 0..<channels { #expect(t[c, y, x] == want[c], "\(file) c\(c) y\(y) x\(x)") }
                }
            }
        }
    }

    /// The mappings' ends and the luma weights, on pixels make_inputs.py set on purpose.
    @Test func mappingEndsAndLuma() throws {
        let article = try InputFile.load(path("gray.png"), expecting: [1, 4, 5])
        #expect(article[0, 0, 0] == -1 && article[0, 0, 1] == 1)          // black −1, white +1
        let unit = try InputFile.load(path("gray.png"), expecting: [1, 4, 5], pixels: .torchvision)
        #expect(unit[0, 0, 0] == 0 && unit[0, 0, 1] == 1 && unit[0, 0, 2] == 128.0 / 255)
        let red = try InputFile.load(path("rgb.png"), expecting: [1, 4, 5], pixels: .torchvision)
        #expect(isClose(red[0, 0, 0], 0.299, rtol: 1e-15, atol: 0))          // pure red: L = 0.299·255
        let rgba = try InputFile.load(path("rgba.png"), expecting: [4, 4, 5], pixels: .torchvision)
        #expect([rgba[0, 2, 2], rgba[1, 2, 2], rgba[2, 2, 2], rgba[3, 2, 2]] == [1, 0, 1, 128.0 / 255])
        #expect(rgba[3, 1, 1] == 0)
    }

    @Test func pngErrorsNameTheExpectedShape() throws {
        let size = fileError { try InputFile.load(path("gray.png"), expecting: [1, 28, 28]) }
        #expect(size?.message == "the PNG is 5×4 pixels (width×height), but the model's input is [1, 28, 28] ([C, H, W]), 28×28")
        let channels = fileError { try InputFile.load(path("gray.png"), expecting: [2, 4, 5]) }
        #expect(channels?.message.contains("a PNG gives [1, H, W] (gray), [3, H, W] (RGB) or [4, H, W] (RGBA)") == true)
        let deep = fileError { try InputFile.load(path("gray16.png"), expecting: [1, 4, 5]) }
        #expect(deep?.message == "a 16-bit PNG is not read; save it with 8 bits per channel")
        var cut = try readFileBytes(path("rgb.png"))
        cut.removeLast(30)
        #expect(fileError { try InputFile.parse(cut, file: "cut.png", expecting: [3, 4, 5]) }?.message.contains("Cairo could not decode") == true)
    }

    @Test(arguments: ["x_f64.npy", "x_f32.npy", "x_batch.npy", "x_be.npy", "x.csv", "x2.csv"])
    func arrayFilesReadExactly(file: String) throws {
        let e = try expected("arrays", file)
        let t = try InputFile.load(path(file), expecting: e.shape)
        #expect(t.shape == e.shape && t.data == e.data)
    }

    @Test func uint8NpyGoesThroughTheMapping() throws {
        let e = try expected("arrays", "x_u8.npy")
        for m in PixelMapping.allCases {
            let t = try InputFile.load(path("x_u8.npy"), expecting: [3, 4, 5], pixels: m)
            #expect(t.data == e.data.map { m == .article ? 2 * $0 / 255 - 1 : $0 / 255 })
        }
    }

    @Test func refusedArraysGetOneClearLine() throws {
        let fortran = fileError { try InputFile.load(path("x_fortran.npy"), expecting: [2, 4, 5]) }
        #expect(fortran?.message.contains("Fortran (column-major) order") == true)
        let ints = fileError { try InputFile.load(path("x_i64.npy"), expecting: [1, 4, 5]) }
        #expect(ints?.message.contains("element type int64 is not read as an input; save float64, float32 or uint8") == true)
        let shape = fileError { try InputFile.load(path("x_f64.npy"), expecting: [1, 9, 9]) }
        #expect(shape?.description == "\(path("x_f64.npy")): the image is [1, 4, 5] ([C, H, W]) but the model's input is [1, 9, 9]")
        let hwc = fileError { try InputFile.load(path("x_u8.npy"), expecting: [5, 3, 4]) }
        #expect(hwc?.message.hasSuffix("it looks like [H, W, C] (an image library's order): save x.transpose(2, 0, 1)") == true, "\(hwc?.message ?? "")")
        let ragged = fileError { try InputFile.parse(Array("1,2,3\n4,5\n".utf8), file: "r.csv", expecting: [1, 2, 3]) }
        #expect(ragged?.description == "r.csv: row 2: ragged: 2 values where the first row has 3")
        let word = fileError { try InputFile.parse(Array("1,2\n3,x\n".utf8), file: "w.csv", expecting: [1, 2, 2]) }
        #expect(word?.description == "w.csv: row 2: column 2: 'x' is not a finite number")
        let nan = fileError { try InputFile.parse(Array("1,nan\n".utf8), file: "n.csv", expecting: [1, 1, 2]) }
        #expect(nan?.field == "row 1")
        let channels = fileError { try InputFile.parse(Array("1,2\n3,4\n\n5,6\n".utf8), file: "c.csv", expecting: [2, 2, 2]) }
        #expect(channels?.description == "c.csv: channel 2: 1 rows where the first channel has 2")
    }
}
