// Drawing primitives on top of `CairoContext`: colours, rectangles, lines, arrows,
// hatching, toy text for short labels and Pango for paragraphs.

import CCairo
import CNNFigures
import CPango
import Foundation

/// An sRGB colour with components in 0…1.
struct RGB: Equatable {
    var r: Double, g: Double, b: Double
    init(_ r: Double, _ g: Double, _ b: Double) { self.r = r; self.g = g; self.b = b }
    init(hex: UInt32) {
        self.init(Double((hex >> 16) & 0xFF) / 255, Double((hex >> 8) & 0xFF) / 255, Double(hex & 0xFF) / 255)
    }
    static let white = RGB(1, 1, 1)
    static let black = RGB(0, 0, 0)

    /// Relative luminance (WCAG), used to pick black or white text.
    var luminance: Double {
        func lin(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }
    func mix(_ other: RGB, _ t: Double) -> RGB {
        RGB(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }
}

/// The colours every figure shares.
enum Palette {
    /// Positive end of the diverging scale: blue #2166AC (luminance 0.13, dark).
    static let positive = RGB(hex: 0x2166AC)
    /// Negative end: orange #E08214 (luminance 0.32, lighter), and negatives are hatched too.
    static let negative = RGB(hex: 0xE08214)
    /// Hatch lines on negative cells.
    static let negativeHatch = RGB(hex: 0x8C4A00)
    /// Highlight on pixel images: amber inside a black rim, visible on white and on black.
    static let highlight = RGB(hex: 0xFFC20A)
    static let ink = RGB(hex: 0x1A1A1A)
    static let muted = RGB(hex: 0x555555)
    static let pixelGridLine = RGB(hex: 0x808080)
    static let mapGridLine = RGB(hex: 0xB0B0B0)

    /// Diverging colour: white at 0, `positive` at +scale, `negative` at −scale (clamped), linear in sRGB.
    static func diverging(_ value: Double, scale: Double) -> RGB {
        guard value.isFinite, scale > 0 else { return RGB(hex: 0xDDDDDD) }
        let t = max(-1, min(1, value / scale))
        return t >= 0 ? RGB.white.mix(positive, t) : RGB.white.mix(negative, -t)
    }

    /// Pixel gray: +scale white, −scale black (clamped), the article's convention.
    static func pixel(_ value: Double, scale: Double = 1) -> RGB {
        guard value.isFinite, scale > 0 else { return RGB(hex: 0xDDDDDD) }
        let g = (max(-1, min(1, value / scale)) + 1) / 2
        return RGB(g, g, g)
    }

    /// Black or white, whichever reads better on `background`.
    static func text(on background: RGB) -> RGB { background.luminance < 0.3 ? .white : ink }
}

/// A text weight/family choice for toy text and Pango.
struct FontStyle {
    var size: Double
    var bold: Bool = false
    var mono: Bool = false
    var family: String { mono ? "DejaVu Sans Mono" : "DejaVu Sans" }
}

/// Horizontal alignment of a label relative to its x.
enum Align { case left, center, right }

/// Pango measures in 1/1024 of a unit (`PANGO_SCALE`, a macro Swift does not import).
private let pangoScale = 1024.0

/// Draws primitives on one context. Not Sendable: lives inside one task.
final class Painter {
    let context: CairoContext
    var cr: OpaquePointer { context.pointer }

    init(context: CairoContext) { self.context = context }

    // MARK: state

    func save() { cairo_save(cr) }
    func restore() { cairo_restore(cr) }
    func translate(_ x: Double, _ y: Double) { cairo_translate(cr, x, y) }
    func scale(_ s: Double) { cairo_scale(cr, s, s) }
    func setColor(_ c: RGB, alpha: Double = 1) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha) }
    func setDash(_ dashes: [Double]) {
        dashes.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
    }

    // MARK: shapes

    func fillRect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ color: RGB, alpha: Double = 1) {
        setColor(color, alpha: alpha)
        cairo_rectangle(cr, x, y, w, h)
        cairo_fill(cr)
    }

    func strokeRect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ color: RGB, width: Double, dash: [Double] = []) {
        save()
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER)
        setDash(dash)
        cairo_rectangle(cr, x, y, w, h)
        cairo_stroke(cr)
        restore()
    }

    func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: RGB, width: Double,
              dash: [Double] = [], alpha: Double = 1, roundCap: Bool = false) {
        save()
        setColor(color, alpha: alpha)
        cairo_set_line_width(cr, width)
        cairo_set_line_cap(cr, roundCap ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
        setDash(dash)
        cairo_move_to(cr, x1, y1)
        cairo_line_to(cr, x2, y2)
        cairo_stroke(cr)
        restore()
    }

    /// A straight arrow with a filled head at (x2, y2).
    func arrow(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: RGB, width: Double = 1.5,
               head: Double = 8, alpha: Double = 1) {
        let angle = atan2(y2 - y1, x2 - x1)
        let bx = x2 - cos(angle) * head, by = y2 - sin(angle) * head
        line(x1, y1, bx, by, color, width: width, alpha: alpha)
        save()
        setColor(color, alpha: alpha)
        arrowHead(tipX: x2, tipY: y2, baseX: bx, baseY: by, angle: angle, length: head)
        restore()
    }

    func circle(_ cx: Double, _ cy: Double, _ r: Double, fill: RGB?, stroke: RGB?, width: Double = 1.5) {
        save()
        cairo_new_path(cr)
        cairo_arc(cr, cx, cy, r, 0, 2 * Double.pi)
        if let fill { setColor(fill); cairo_fill_preserve(cr) }
        if let stroke { setColor(stroke); cairo_set_line_width(cr, width); cairo_stroke_preserve(cr) }
        cairo_new_path(cr)
        restore()
    }

    /// Diagonal hatching inside a rectangle (marks negative cells without relying on colour).
    func hatch(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ color: RGB, spacing: Double = 5,
               width: Double = 0.7, alpha: Double = 0.55) {
        save()
        cairo_rectangle(cr, x, y, w, h)
        cairo_clip(cr)
        setColor(color, alpha: alpha)
        cairo_set_line_width(cr, width)
        var d = -h
        while d < w {
            cairo_move_to(cr, x + d, y + h)
            cairo_line_to(cr, x + d + h, y)
            d += spacing
        }
        cairo_stroke(cr)
        restore()
    }

    /// A marker used by line plots: 0 circle, 1 square, 2 triangle, 3 diamond.
    func marker(_ kind: Int, _ cx: Double, _ cy: Double, _ r: Double, _ color: RGB) {
        save()
        setColor(color)
        cairo_new_path(cr)
        switch kind % 4 {
        case 0: cairo_arc(cr, cx, cy, r, 0, 2 * Double.pi)
        case 1: cairo_rectangle(cr, cx - r, cy - r, 2 * r, 2 * r)
        case 2:
            cairo_move_to(cr, cx, cy - r * 1.2); cairo_line_to(cr, cx + r * 1.1, cy + r * 0.8)
            cairo_line_to(cr, cx - r * 1.1, cy + r * 0.8); cairo_close_path(cr)
        default:
            cairo_move_to(cr, cx, cy - r * 1.3); cairo_line_to(cr, cx + r, cy)
            cairo_line_to(cr, cx, cy + r * 1.3); cairo_line_to(cr, cx - r, cy); cairo_close_path(cr)
        }
        cairo_fill(cr)
        restore()
    }

    // MARK: toy text (short labels and numbers)

    private func selectFont(_ font: FontStyle) {
        cairo_select_font_face(cr, font.family, CAIRO_FONT_SLANT_NORMAL,
                               font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, font.size)
    }

    /// Advance width of `text` in `font`.
    func textWidth(_ text: String, _ font: FontStyle) -> Double {
        selectFont(font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// Writes `text` with its baseline at `y`.
    func text(_ text: String, x: Double, y: Double, _ font: FontStyle, color: RGB = Palette.ink, align: Align = .left) {
        let w = textWidth(text, font)
        let left: Double
        switch align {
        case .left: left = x
        case .center: left = x - w / 2
        case .right: left = x - w
        }
        setColor(color)
        cairo_move_to(cr, left, y)
        cairo_show_text(cr, text)
        cairo_new_path(cr)
    }

    /// Writes `text` centred on (cx, cy), shrinking the font until it fits in `maxWidth`.
    /// Vertical centring uses the font's ascent and descent, so digits line up across cells.
    func textCentered(_ text: String, cx: Double, cy: Double, _ font: FontStyle, maxWidth: Double,
                      color: RGB = Palette.ink) {
        var f = font
        selectFont(f)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        if extents.width > maxWidth, extents.width > 0 {
            f.size = font.size * maxWidth / extents.width
            selectFont(f)
            cairo_text_extents(cr, text, &extents)
        }
        var fontExtents = cairo_font_extents_t()
        cairo_font_extents(cr, &fontExtents)
        // DejaVu's ascent includes accent room; 0.72 of the size is close to the digit height.
        let capHeight = f.size * 0.72
        setColor(color)
        cairo_move_to(cr, cx - (extents.x_bearing + extents.width / 2), cy + capHeight / 2)
        cairo_show_text(cr, text)
        cairo_new_path(cr)
    }

    /// Writes `text` rotated −90° (reading bottom to top), centred on (cx, cy).
    func verticalText(_ text: String, cx: Double, cy: Double, _ font: FontStyle, color: RGB = Palette.ink) {
        save()
        translate(cx, cy)
        cairo_rotate(cr, -Double.pi / 2)
        self.text(text, x: 0, y: font.size * 0.36, font, color: color, align: .center)
        restore()
    }

    // MARK: Pango paragraphs

    /// Makes a Pango layout for `markup` wrapped at `width`; the caller must `g_object_unref` it.
    private func layout(_ markup: String, width: Double, _ font: FontStyle, align: Align = .left) -> OpaquePointer? {
        guard let layout = pango_cairo_create_layout(cr) else { return nil }
        if let options = cairo_font_options_create() {
            cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
            cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
            pango_cairo_context_set_font_options(pango_layout_get_context(layout), options)
            cairo_font_options_destroy(options)
            pango_layout_context_changed(layout)
        }
        if let description = pango_font_description_new() {
            pango_font_description_set_family(description, font.family)
            pango_font_description_set_weight(description, font.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
            pango_font_description_set_absolute_size(description, font.size * pangoScale)
            pango_layout_set_font_description(layout, description)
            pango_font_description_free(description)
        }
        pango_layout_set_width(layout, Int32(width * pangoScale))
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        switch align {
        case .left: pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT)
        case .center: pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER)
        case .right: pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT)
        }
        pango_layout_set_spacing(layout, Int32(font.size * 0.25 * pangoScale))
        // Invalid markup would make Pango log and draw nothing; show it as plain text instead.
        var error: UnsafeMutablePointer<GError>?
        if pango_parse_markup(markup, -1, 0, nil, nil, nil, &error) != 0 {
            pango_layout_set_markup(layout, markup, -1)
        } else {
            if let error { g_error_free(error) }
            pango_layout_set_text(layout, markup, -1)
        }
        return layout
    }

    /// Size of a wrapped paragraph (width is the widest line, not the wrap width).
    func measureParagraph(_ markup: String, width: Double, _ font: FontStyle) -> (width: Double, height: Double) {
        guard let shaped = shapeParagraph(markup, width: width, font) else { return (0, 0) }
        return (shaped.width, shaped.height)
    }

    /// `markup` wrapped at `width` in `font` and shaped by Pango once: measured now, drawn by
    /// `show` as often as asked (each draw gives the bytes a fresh `paragraph` call gives, as
    /// long as the drawing context has the transformation this painter's has now).
    func shapeParagraph(_ markup: String, width: Double, _ font: FontStyle, align: Align = .left) -> ShapedParagraph? {
        guard let layout = layout(markup, width: width, font, align: align) else { return nil }
        return ShapedParagraph(layout)
    }

    /// Draws a shaped paragraph with its top-left at (x, y); returns its height.
    @discardableResult
    func show(_ shaped: ShapedParagraph, x: Double, y: Double, color: RGB = Palette.ink) -> Double {
        save()
        setColor(color)
        cairo_move_to(cr, x, y)
        pango_cairo_show_layout(cr, shaped.layout)
        cairo_new_path(cr)
        restore()
        return shaped.height
    }

    /// Draws a wrapped paragraph with its top-left at (x, y); returns its height.
    @discardableResult
    func paragraph(_ markup: String, x: Double, y: Double, width: Double, _ font: FontStyle,
                   color: RGB = Palette.ink, align: Align = .left) -> Double {
        guard let shaped = shapeParagraph(markup, width: width, font, align: align) else { return 0 }
        return show(shaped, x: x, y: y, color: color)
    }
}

/// A Pango layout, shaped and measured (its lines are laid out once, on creation); released
/// with the last reference. Not Sendable: it belongs to the thread that made it.
final class ShapedParagraph {
    let layout: OpaquePointer
    /// Pango's logical size in points: the widest line, and the height of all the lines.
    let width: Double, height: Double

    /// Takes ownership of `layout`.
    init(_ layout: OpaquePointer) {
        self.layout = layout
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_size(layout, &w, &h)
        width = Double(w) / pangoScale
        height = Double(h) / pangoScale
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(layout)) }
}

extension Painter {
    /// Restricts drawing to a rectangle until the next `restore()`.
    func clip(_ x: Double, _ y: Double, _ w: Double, _ h: Double) {
        cairo_rectangle(cr, x, y, w, h)
        cairo_clip(cr)
    }
}

extension Painter {
    /// A curved arrow from (x1, y1) to (x2, y2) that bows up to `apexY`, with a filled head at the end.
    func curvedArrow(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, apexY: Double, _ color: RGB,
                     width: Double = 1.5, head: Double = 9) {
        let c1x = x1, c1y = apexY, c2x = x2, c2y = apexY
        let angle = atan2(y2 - c2y, x2 - c2x)
        let bx = x2 - cos(angle) * head, by = y2 - sin(angle) * head
        save()
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, x1, y1)
        cairo_curve_to(cr, c1x, c1y, c2x, c2y, bx, by)
        cairo_stroke(cr)
        arrowHead(tipX: x2, tipY: y2, baseX: bx, baseY: by, angle: angle, length: head)
        restore()
    }

    /// A filled arrowhead: a triangle from the tip back to a base `length` long at `angle`,
    /// 0.9·`length` wide, in the current colour.
    private func arrowHead(tipX: Double, tipY: Double, baseX: Double, baseY: Double, angle: Double, length: Double) {
        cairo_move_to(cr, tipX, tipY)
        cairo_line_to(cr, baseX + sin(angle) * length * 0.45, baseY - cos(angle) * length * 0.45)
        cairo_line_to(cr, baseX - sin(angle) * length * 0.45, baseY + cos(angle) * length * 0.45)
        cairo_close_path(cr)
        cairo_fill(cr)
    }
}
