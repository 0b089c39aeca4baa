import CNNLessons
import Foundation
import TestSupport
import Testing

/// Headless Chromium, when installed: `/usr/bin/chromium` (Debian's package) or `CHROMIUM`.
enum Browser {
    static let path: String? = {
        let candidates = [ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether the browser tests run: always in CI (where a missing browser is a failure), and
    /// elsewhere only when the browser is installed.
    static var shouldRun: Bool { path != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    /// Runs Chromium headless on `arguments`; returns its standard output and its log (stderr).
    static func run(_ arguments: [String]) throws -> (stdout: String, log: String, seconds: Double) {
        let browser = try #require(path, "chromium is not installed (apt-get install chromium); CI must install it")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"] + arguments
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try out.close()
        try err.close()
        return (String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                String(decoding: try Data(contentsOf: errURL), as: UTF8.self), seconds)
    }

    /// The log lines that show a console message (other than the self-test's own line) or an
    /// attempt to reach the network (a failed load, or a request the page's CSP refused).
    static func problems(inLog log: String) -> [Substring] {
        log.split(separator: "\n").filter { line in
            (line.contains("CONSOLE") || line.contains("net::ERR") || line.contains("Refused to")) && !line.contains("\"selftest: ")
        }
    }

    /// Opens `page#selftest` and returns (passed, failed) from the line the page writes into
    /// `#selftest`, after checking the log shows no attempt to reach the network and no error.
    static func selftest(_ page: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (passed: Int, failed: Int, dom: String) {
        let r = try run(["--virtual-time-budget=20000", "--dump-dom", "file://\(page)#selftest"])
        for line in problems(inLog: r.log) {
            Issue.record("browser log: \(line)", sourceLocation: sourceLocation)
        }
        let pattern = #/<p id="selftest" role="status">selftest: (\d+) passed, (\d+) failed</p>/#
        let match = try #require(r.stdout.firstMatch(of: pattern), "no selftest line in the page: \(r.stdout.prefix(400))",
                                 sourceLocation: sourceLocation)
        return (Int(match.1) ?? -1, Int(match.2) ?? -1, r.stdout)
    }
}

/// The HTML pages, written by the binary and checked in a real browser: the page's own self-test
/// clicks every number, plays every window to its end, flips a pixel and compares with the engine.
@Suite(.serialized, .enabled(if: Browser.shouldRun, "skipped: chromium is not installed and CI is not set (apt-get install chromium)"))
struct HTMLPageCLITests {
    /// No address that would load anything: no src, no remote href, no url(), no @import.
    func expectSelfContained(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for needle in [" src=", "href=\"http", "url(http", "@import", "//fonts.", "<link"] {
            #expect(!html.contains(needle), "the page refers to '\(needle)'", sourceLocation: sourceLocation)
        }
    }

    @Test func lessonPagePassesItsSelfTest() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["lesson", "xo", "--no-pause", "--format", "html", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let page = dir.appendingPathComponent("xo.html").path
        #expect(r.stdout.contains("xo.html"))
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: page)[.size] as? Int)
        #expect(size < 1_500_000, "xo.html is \(size) bytes")
        expectSelfContained(html)
        // Same lesson, same bytes (each run hashes sets in its own order).
        let again = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: again) }
        #expect(try run(["lesson", "xo", "--no-pause", "--format", "html", "--out", again.path]).status == 0)
        #expect(try Data(contentsOf: again.appendingPathComponent("xo.html")) == Data(contentsOf: URL(fileURLWithPath: page)))
        // Every step of the lesson is on the page.
        #expect(html.contains("id=\"step-convolution\"") && html.contains("id=\"step-learning-step\""))
        let t = try Browser.selftest(page)
        // The X trace has 25 records; every one of its 1000-odd numbers is one check.
        #expect(t.failed == 0, "\(t.dom.firstMatch(of: #/<pre id="selftest-failures">[^<]*/#).map { String($0.0) } ?? "")")
        #expect(t.passed > 1000)
        // The players' numbers are clicked at every position: 7000-odd checks in all.
        #expect(t.passed > 7000)
        // The numbers inside the lesson's figures are buttons too, each checked by the self-test.
        #expect(html.components(separatedBy: "class=\"src\"").count - 1 > 500)
        // So are the numbers the figures work out (products, errors, y − t, terms, lr·g): 44 on the xo page.
        #expect(html.components(separatedBy: "class=\"drv\"").count - 1 > 40)
        #expect(t.dom.contains("agree with the engine’s trace to 1e-12"))
        // A number the lesson's text quotes from a trace ({{X:conv1.output[0,1,1]}}) is a button for that element.
        #expect(html.contains(#"the match is <span class="src" role="button" tabindex="-1" aria-label="1.00" data-trace="X" data-key="conv1.output" data-k="8""#))
    }

    /// The experiment lessons' pages (audio: a trained CNN on a spectrogram, its training curves,
    /// confusion table and control experiment; shuffle: the results of many trainings), written
    /// from their quick experiments as the other lesson tests run them. Every number in their
    /// figures is a button: a trace element, or a worked-out number (an accuracy, a loss, a count)
    /// whose panel says how it was computed.
    @Test(arguments: ["audio", "shuffle"])
    func experimentLessonPagePassesItsSelfTest(name: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lesson = try Lesson.load(Fixtures.packageRoot.appendingPathComponent("lessons/\(name).yaml").path)
        let lessonRun = try LessonRunner.run(lesson, scale: .quick)
        let page = try LessonPage.write(lessonRun, to: dir)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        expectSelfContained(html)
        // The worked-out numbers are buttons: audio's softmax shares, confusion counts and the control
        // table's means, lowest and highest (44); shuffle's accuracy table (24) and customer values.
        #expect(html.components(separatedBy: "class=\"drv\"").count - 1 >= 44, "\(name): too few worked-out numbers are buttons")
        let t = try Browser.selftest(page)
        print("\(name).html selftest: \(t.passed) passed, \(t.failed) failed")
        #expect(t.failed == 0 && t.passed > 0, "\(name): \(t.passed) passed, \(t.failed) failed: \(t.dom.firstMatch(of: #/<pre id="selftest-failures">[^<]*/#).map { String($0.0) } ?? "")")
    }

    @Test func tracePagesPassTheirSelfTest() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The article's network, and one with padding, biases, two input channels, a second conv,
        // a hidden dense layer and cross-entropy.
        for name in ["xo_x", "mixed"] {
            let r = try run(["render", "Tests/Fixtures/golden/\(name).trace.json", "--out", dir.path, "--format", "html"])
            #expect(r.status == 0, "\(r.stderr)")
            let page = dir.appendingPathComponent("\(name).html").path
            expectSelfContained(try String(contentsOfFile: page, encoding: .utf8))
            let t = try Browser.selftest(page)
            #expect(t.failed == 0 && t.passed > 900, "\(name): \(t.passed) passed, \(t.failed) failed")
        }
    }

    /// A trace the engine writes from `Tests/Fixtures/html/layers.json`: a conv with dilation 2 and
    /// padding [1, 2] (top and left differ), a kernel-2 conv with "same" padding (one more zero after
    /// than before), train-mode batchnorm and dropout (the recorded mask), average pooling with
    /// partial windows divided by their cells inside the input, eval-mode batchnorm and dropout. The
    /// page's script recomputes every layer (its load check and the what-if flip agree with the
    /// engine), its players outline the cells the dilated kernel touches, and hovering a conv output
    /// outlines exactly those cells.
    @Test func pageOfEveryLayerKindPassesItsSelfTest() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("layers.trace.json").path
        let made = try run(["trace", "--model", "Tests/Fixtures/html/layers.json", "--input", "Tests/Fixtures/html/layers_input.json",
                            "--init", "random", "--seed", "5", "--target", "b", "--out", trace])
        #expect(made.status == 0, "\(made.stderr)")
        let r = try run(["render", trace, "--out", dir.path, "--format", "html"])
        #expect(r.status == 0, "\(r.stderr)")
        let t = try Browser.selftest(dir.appendingPathComponent("layers.html").path)
        #expect(t.failed == 0 && t.passed > 1500, "\(t.passed) passed, \(t.failed) failed: \(t.dom.firstMatch(of: #/<pre id="selftest-failures">[^<]*/#).map { String($0.0) } ?? "")")
        // Every layer was recomputed: 9 layers' outputs, 475 numbers.
        #expect(t.dom.contains("This page recomputed all 475 numbers of the forward pass"))
        // The dilated conv's player says what it touches.
        #expect(t.dom.contains("dilation 2: it touches every second cell"))
    }

    /// The network check can fail: a page that asks for a picture on the web shows up in the log.
    @Test func networkAttemptShowsInTheLog() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = try write("""
            <!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src 'none'">
            <p id="selftest">selftest: 0 passed, 0 failed</p><img src="https://example.com/a.png" alt="">
            """, "fetching.html", in: dir)
        let r = try Browser.run(["--virtual-time-budget=2000", "--dump-dom", "file://\(page)"])
        #expect(!Browser.problems(inLog: r.log).isEmpty, "\(r.log)")
    }

    /// A trace whose recorded number was changed by hand: the page must notice.
    @Test func selfTestFailsOnAnEditedTrace() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOf: packageRoot.appendingPathComponent(goldenTrace), encoding: .utf8)
        let original = "\"shape\": [3, 7, 7], \"data\": [0.7777777777777778,"
        #expect(text.contains(original))
        text = text.replacingOccurrences(of: original, with: "\"shape\": [3, 7, 7], \"data\": [0.7,")
        let trace = try write(text, "edited.trace.json", in: dir)
        let r = try run(["render", trace, "--out", dir.path, "--format", "html"])
        #expect(r.status == 0, "\(r.stderr)")
        let t = try Browser.selftest(dir.appendingPathComponent("edited.html").path)
        #expect(t.failed > 0)
        #expect(t.dom.contains("differ from the trace by more than 1e-12"))
    }

    /// A figure number that names the wrong trace element: the page must notice.
    @Test func selfTestFailsOnAWrongFigureSource() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["lesson", "xo", "--no-pause", "--format", "html", "--out", dir.path]).status == 0)
        let page = dir.appendingPathComponent("xo.html")
        var html = try String(contentsOf: page, encoding: .utf8)
        // conv1.output[0,0,1] is −0.11; element 2 is 0.11.
        let right = "data-key=\"conv1.output\" data-k=\"1\""
        let range = try #require(html.range(of: right))
        html.replaceSubrange(range, with: "data-key=\"conv1.output\" data-k=\"2\"")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let t = try Browser.selftest(page.path)
        #expect(t.failed == 1, "\(t.passed) passed, \(t.failed) failed")
        #expect(t.dom.contains("figure number X conv1.output[2]"))
    }

    /// A worked-out number written with a wrong digit fails the self-test (its recomputation differs
    /// from what is shown), and a worked-out number that is not a button is listed as plain.
    @Test func selfTestFailsOnAWrongOrPlainDerivedNumber() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["lesson", "xo", "--no-pause", "--format", "html", "--out", dir.path]).status == 0)
        let page = dir.appendingPathComponent("xo.html")
        let original = try String(contentsOf: page, encoding: .utf8)
        // The error table's error of the O class is −0.55: written −0.56, it no longer is right − actual.
        var html = original
        let error = try #require(html.firstMatch(of: #/<span class="drv"[^>]*&quot;name&quot;:&quot;error&quot;[^>]*>−0\.55</span>/#)?.range)
        html.replaceSubrange(error, with: html[error].replacingOccurrences(of: ">−0.55<", with: ">−0.56<"))
        try html.write(to: page, atomically: true, encoding: .utf8)
        var t = try Browser.selftest(page.path)
        #expect(t.failed == 1 && t.dom.contains("derived number error \"−0.56\""), "\(t.passed) passed, \(t.failed) failed")
        // The same number as plain text: the self-test lists it.
        html = original
        let plain = try #require(html.firstMatch(of: #/<span class="drv"[^>]*&quot;name&quot;:&quot;error&quot;[^>]*>−0\.55</span>/#)?.range)
        html.replaceSubrange(plain, with: "−0.55")
        try html.write(to: page, atomically: true, encoding: .utf8)
        t = try Browser.selftest(page.path)
        #expect(t.failed == 1 && t.dom.contains(#/plain number in figure fig-\d+-errors-errors: "−0\.55"/#), "\(t.passed) passed, \(t.failed) failed")
    }

    /// The numbers the lesson's sentences write are buttons too: the difference the error step works
    /// (1 − 0.92 = 0.08) opens right − actual, a slide's value says it is quoted, the learning rate names
    /// its lesson field; written as plain text, a sentence's decimal is listed by the self-test.
    @Test func selfTestFailsOnAPlainSentenceNumber() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["lesson", "xo", "--no-pause", "--format", "html", "--out", dir.path]).status == 0)
        let page = dir.appendingPathComponent("xo.html")
        let original = try String(contentsOf: page, encoding: .utf8)
        let errors = try #require(original.range(of: "id=\"step-errors\""))
        let end = try #require(original.range(of: "id=\"step-learning\""))
        let section = original[errors.lowerBound..<end.lowerBound]
        #expect(section.contains(#/&quot;op&quot;:&quot;difference&quot;[^>]*>0\.08</span>/#))
        #expect(section.contains(#/quoted from the article's slide, p\.71-76, not computed[^>]*>0\.57</span>/#))
        #expect(original.contains(#/the field update\.lr of the step \\&quot;learning-step\\&quot;[^>]*>0\.1</span>/#))
        let slide = try #require(original[errors.lowerBound...].firstMatch(of: #/<span class="drv"[^>]*slide value[^>]*>0\.92</span>/#)?.range)
        var html = original
        html.replaceSubrange(slide, with: "0.92")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let t = try Browser.selftest(page.path)
        #expect(t.failed == 1 && t.dom.contains("plain number in the text of step-errors: \"0.92\""), "\(t.passed) passed, \(t.failed) failed")
    }

    /// The players' numbers are buttons too: a divisor written as plain text in the conv player's
    /// sum line is listed as a plain number, and a product written wrongly fails its recomputation.
    @Test func selfTestFailsOnAPlainOrWrongPlayerNumber() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["lesson", "xo", "--no-pause", "--format", "html", "--out", dir.path]).status == 0)
        let page = dir.appendingPathComponent("xo.html")
        let original = try String(contentsOf: page, encoding: .utf8)
        // The page's script writes the divisor as a button; written as plain text it must be caught.
        let divisor = "divisorNumber(S, L, L.divisor, 'what ' + L.name + ' divides every sum by (C\\u00b7kh\\u00b7kw when it normalizes, else 1)')"
        #expect(original.components(separatedBy: divisor).count == 2, "the conv player's divisor button is in the script")
        try original.replacingOccurrences(of: divisor, with: "fmtCount(L.divisor, D)").write(to: page, atomically: true, encoding: .utf8)
        var t = try Browser.selftest(page.path)
        #expect(t.failed == 1 && t.dom.contains("plain number in player conv1: \"9\""), "\(t.passed) passed, \(t.failed) failed")
        // A product shown as the weight alone (w instead of w·x) no longer equals weight × pixel.
        let product = "const pText = fmtCount(t.p, D)"
        #expect(original.components(separatedBy: product).count == 2, "the conv player's product is in the script")
        try original.replacingOccurrences(of: product, with: "const pText = fmtCount(t.w, D)").write(to: page, atomically: true, encoding: .utf8)
        t = try Browser.selftest(page.path)
        #expect(t.failed > 0 && t.dom.contains("conv1 player at 0: product weight × pixel = "), "\(t.passed) passed, \(t.failed) failed")
    }

    /// The players slide on their own, unless the reader prefers reduced motion: then they start paused.
    @Test func reducedMotionStartsPaused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["render", goldenTrace, "--out", dir.path, "--format", "html"]).status == 0)
        let page = "file://\(dir.path)/xo_x.html"
        // A second of virtual time lets the page unpack its data and build the players.
        let moving = try Browser.run(["--virtual-time-budget=1000", "--dump-dom", page]).stdout
        let still = try Browser.run(["--force-prefers-reduced-motion", "--virtual-time-budget=1000", "--dump-dom", page]).stdout
        // conv1, pool1 and pool2 each have a player.
        #expect(moving.components(separatedBy: "aria-label=\"Pause\"").count - 1 == 3)
        #expect(still.components(separatedBy: "aria-label=\"Play\"").count - 1 == 3)
        #expect(!still.contains("aria-label=\"Pause\""))
    }

    /// Headless Chromium draws the xo page to a PNG. How long it takes is measured by hand
    /// (docs/html.md), never asserted here: the machine is shared and timings are noisy.
    @Test func screenshotIsWritten() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["lesson", "xo", "--no-pause", "--format", "html", "--out", dir.path]).status == 0)
        let shot = dir.appendingPathComponent("shot.png").path
        _ = try Browser.run(["--window-size=1280,800", "--screenshot=\(shot)", "file://\(dir.path)/xo.html"])
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot")
    }
}
