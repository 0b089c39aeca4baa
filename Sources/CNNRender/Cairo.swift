// The only file that owns Cairo pointers. Every other drawing file talks to
// `CairoContext`; nothing here is Sendable, so Cairo objects stay inside one task.

import CCairo
import CNNFigures
import Foundation

/// An error raised while rendering or writing a figure.
public enum RenderError: Error, CustomStringConvertible, Equatable {
    /// Cairo reported a non-success status; `operation` says what we were doing.
    case cairo(operation: String, status: String)
    /// The finished bytes could not be written to `path`.
    case write(path: String, reason: String)
    /// The figure or document description cannot be drawn (e.g. a grid with the wrong number of values).
    case invalidFigure(String)

    public var description: String {
        switch self {
        case let .cairo(operation, status): return "Cairo failed while \(operation): \(status)"
        case let .write(path, reason): return "could not write \(path): \(reason)"
        case let .invalidFigure(reason): return "invalid figure: \(reason)"
        }
    }
}

/// Turns a Cairo status into a thrown `RenderError`.
func checkCairo(_ status: cairo_status_t, _ operation: String) throws {
    guard status != CAIRO_STATUS_SUCCESS else { return }
    let text = cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
    throw RenderError.cairo(operation: operation, status: text)
}

/// Collects the bytes a Cairo stream surface writes.
final class ByteSink {
    var bytes: [UInt8] = []
}

/// The `cairo_write_func_t` that appends to a `ByteSink` passed as the closure pointer.
let appendToSink: cairo_write_func_t = { closure, data, length in
    guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
    if let data, length > 0 {
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    }
    return CAIRO_STATUS_SUCCESS
}

/// Owns one `cairo_surface_t`; destroys it on deinit.
final class CairoSurface {
    let pointer: OpaquePointer
    /// Keeps the byte sink of a stream surface alive as long as the surface.
    let sink: ByteSink?

    /// The pixel memory an image surface draws into, given back when the surface is destroyed.
    private let pixels: PixelMemory?

    /// Takes ownership of `pointer` (a surface Cairo just created) and checks its status.
    init(owning pointer: OpaquePointer?, sink: ByteSink? = nil, pixels: PixelMemory? = nil, creating what: String) throws {
        guard let pointer else {
            pixels?.giveBack()
            throw RenderError.cairo(operation: "creating \(what)", status: "no surface returned")
        }
        self.pointer = pointer
        self.sink = sink
        self.pixels = pixels
        try checkCairo(cairo_surface_status(pointer), "creating \(what)")
    }

    deinit {
        cairo_surface_destroy(pointer)
        pixels?.giveBack()
    }

    /// An ARGB image surface of `width`×`height` pixels.
    static func image(width: Int, height: Int) throws -> CairoSurface {
        try CairoSurface(owning: cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)),
                         creating: "a \(width)×\(height) image surface")
    }

    /// An ARGB image surface of `width`×`height` pixels drawn into `memory` (this thread's, kept
    /// from one figure to the next), whose pixels are left as they were: the caller paints every
    /// pixel before anything else. Sizes Cairo refuses get Cairo's own error, as `image` gives it.
    static func image(width: Int, height: Int, memory: PixelMemory) throws -> CairoSurface {
        let stride = Int(cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, Int32(clamping: width)))
        guard stride > 0, width <= 32767, height > 0, height <= 32767,
              let pixels = memory.borrow(bytes: stride * height) else { return try image(width: width, height: height) }
        let surface = try CairoSurface(owning: cairo_image_surface_create_for_data(pixels, CAIRO_FORMAT_ARGB32, Int32(width),
                                                                                    Int32(height), Int32(stride)),
                                       pixels: memory, creating: "a \(width)×\(height) image surface")
        return surface
    }

    /// An unbounded recording surface, used to measure a drawing without output.
    static func recording() throws -> CairoSurface {
        try CairoSurface(owning: cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nil),
                         creating: "a recording surface")
    }

    /// A surface made by `create`, which is given the closure pointer of a new in-memory byte sink.
    private static func streaming(_ what: String, _ create: (UnsafeMutableRawPointer) -> OpaquePointer?) throws -> CairoSurface {
        let sink = ByteSink()
        return try CairoSurface(owning: create(Unmanaged.passUnretained(sink).toOpaque()), sink: sink, creating: what)
    }

    /// A PDF surface writing into memory; the bytes are complete after `finish()`.
    static func pdf(width: Double, height: Double) throws -> CairoSurface {
        let surface = try streaming("a PDF surface") { cairo_pdf_surface_create_for_stream(appendToSink, $0, width, height) }
        cairo_pdf_surface_restrict_to_version(surface.pointer, CAIRO_PDF_VERSION_1_5)
        let date = pdfDate()
        cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_CREATE_DATE, date)
        cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_MOD_DATE, date)
        cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_CREATOR, "cnn-explain")
        try surface.check("setting PDF metadata")
        return surface
    }

    /// An SVG surface writing into memory; the bytes are complete after `finish()`.
    static func svg(width: Double, height: Double) throws -> CairoSurface {
        let surface = try streaming("an SVG surface") { cairo_svg_surface_create_for_stream(appendToSink, $0, width, height) }
        cairo_svg_surface_restrict_to_version(surface.pointer, CAIRO_SVG_VERSION_1_1)
        cairo_svg_surface_set_document_unit(surface.pointer, CAIRO_SVG_UNIT_PT)
        return surface
    }

    func check(_ operation: String) throws {
        try checkCairo(cairo_surface_status(pointer), operation)
    }

    /// Finishes the surface (a PDF/SVG is complete only now) and checks the status afterwards.
    func finish() throws {
        cairo_surface_finish(pointer)
        try check("finishing the surface")
    }

    /// Encodes an image surface as PNG bytes (`PNGEncoder`: igzip, the same bytes for the same pixels).
    func pngBytes() throws -> [UInt8] {
        cairo_surface_flush(pointer)
        try check("drawing the image")
        guard let data = cairo_image_surface_get_data(pointer) else {
            throw RenderError.cairo(operation: "encoding PNG", status: "the surface has no pixels")
        }
        return try PNGEncoder.encode(UnsafePointer(data), width: Int(cairo_image_surface_get_width(pointer)),
                                     height: Int(cairo_image_surface_get_height(pointer)),
                                     stride: Int(cairo_image_surface_get_stride(pointer)))
    }

    /// Cairo's own PNG writer (libpng): the reference the tests decode `pngBytes()` against.
    func cairoPNGBytes() throws -> [UInt8] {
        cairo_surface_flush(pointer)
        let sink = ByteSink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(pointer, appendToSink, Unmanaged.passUnretained(sink).toOpaque())
        }
        try checkCairo(status, "encoding PNG")
        return sink.bytes
    }

    /// Adds a PDF bookmark. Returns its id, usable as `parent` for nested entries.
    func addOutline(parent: Int32, title: String, page: Int, y: Double) throws -> Int32 {
        let attributes = "page=\(page) pos=[0 \(formatPlain(y))]"
        let id = cairo_pdf_surface_add_outline(pointer, parent, title, attributes, cairo_pdf_outline_flags_t(rawValue: 0))
        try check("adding the outline entry \(title)")
        return id
    }

    /// Sets a PDF metadata string (title, author, …).
    func setPDFMetadata(_ key: cairo_pdf_metadata_t, _ value: String) throws {
        cairo_pdf_surface_set_metadata(pointer, key, value)
        try check("setting PDF metadata")
    }
}

/// The fixed creation date for PDFs: `SOURCE_DATE_EPOCH` if set, else 2016-01-01 (the article's year),
/// so the same document always gives the same bytes.
func pdfDate() -> String {
    let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int($0) } ?? 1_451_606_400
    var time = time_t(epoch)
    var parts = tm()
    gmtime_r(&time, &parts)
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
                  Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                  Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
}

/// A plain ASCII number for Cairo attribute strings (no locale, no minus sign).
func formatPlain(_ x: Double) -> String { String(format: "%.2f", x) }

/// Owns one `cairo_t`; keeps its surface alive; destroys it on deinit.
final class CairoContext {
    let pointer: OpaquePointer
    let surface: CairoSurface

    init(surface: CairoSurface) throws {
        guard let pointer = cairo_create(surface.pointer) else {
            throw RenderError.cairo(operation: "creating a drawing context", status: "no context returned")
        }
        self.pointer = pointer
        self.surface = surface
        try check("creating a drawing context")
        // Fixed font options so text measures the same on every surface (measure pass = draw pass).
        if let options = cairo_font_options_create() {
            cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
            cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
            cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
            cairo_set_font_options(pointer, options)
            cairo_font_options_destroy(options)
        }
    }

    deinit { cairo_destroy(pointer) }

    func check(_ operation: String) throws {
        try checkCairo(cairo_status(pointer), operation)
    }
}

/// Pixel memory for image surfaces, one block per thread, kept and reused from one figure to the
/// next. A new block of several megabytes comes from the kernel as zeroed pages, faulted in one by
/// one, for every figure; the figures paint every pixel white first, so the zeroing is wasted.
/// Lent to one surface at a time: while it is lent, `borrow` gives nil and a plain surface is made.
final class PixelMemory {
    private var block: UnsafeMutableRawPointer?
    private var capacity = 0
    private var lent = false

    /// This thread's pixel memory.
    static var current: PixelMemory {
        let key = "cnn-explain.PixelMemory"
        let dictionary = Thread.current.threadDictionary
        if let memory = dictionary[key] as? PixelMemory { return memory }
        let memory = PixelMemory()
        dictionary[key] = memory
        return memory
    }

    /// At least `bytes` bytes (16-byte aligned, contents undefined) until `giveBack`; nil when lent.
    func borrow(bytes: Int) -> UnsafeMutableRawPointer? {
        guard !lent, bytes > 0 else { return nil }
        if bytes > capacity {
            block?.deallocate()
            block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            capacity = bytes
        }
        lent = true
        return block
    }

    func giveBack() { lent = false }

    deinit { block?.deallocate() }
}
