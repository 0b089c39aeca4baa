import CNNFigures
import Testing
@testable import CNNLessons

/// The lesson's light markup turned into Pango markup (`LessonReport.markup`), and the escaping
/// of plain text (`TextBlock.escape`), which both work on UTF-8 bytes.
@Suite struct MarkupTests {
    @Test func emphasisAndStrongBecomeTags() {
        #expect(LessonReport.markup("a **strong** and *soft* word") == "a <b>strong</b> and <i>soft</i> word")
        #expect(LessonReport.markup("**bold *both* bold**") == "<b>bold <i>both</i> bold</b>")
    }

    @Test func unclosedTagsAreClosedAtTheEnd() {
        #expect(LessonReport.markup("**open") == "<b>open</b>")
        #expect(LessonReport.markup("*open") == "<i>open</i>")
        #expect(LessonReport.markup("ends with *") == "ends with <i></i>")
    }

    @Test func markupCharactersAreEscapedAndOtherTextKept() {
        #expect(TextBlock.escape("1 < 2 & 3 > 2") == "1 &lt; 2 &amp; 3 &gt; 2")
        #expect(TextBlock.escape("−0.55 × ∑ é") == "−0.55 × ∑ é")
        #expect(TextBlock.escape("") == "")
        #expect(LessonReport.markup("*é* − <b> & **ü**") == "<i>é</i> − &lt;b&gt; &amp; <b>ü</b>")
    }
}
