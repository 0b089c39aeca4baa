import Foundation

/// What the terminal is: its width, whether it takes escape codes, and single keys read without
/// Enter (raw mode), with the settings put back however the program ends.
public enum TerminalDevice {
    /// The narrowest and widest widths used, in columns.
    public static let widths = 60...200

    /// The width to lay lines out in: the terminal's own (`TIOCGWINSZ`), else `COLUMNS`, else 80,
    /// clamped to 60…200 (narrower than the article's maps need; wider than reads well).
    /// - Parameters:
    ///   - terminalColumns: the columns the terminal reports, or nil when it is not a terminal.
    ///   - environment: `COLUMNS` is read from it.
    public static func width(terminalColumns: Int?, environment: [String: String]) -> Int {
        let chosen = terminalColumns.flatMap { $0 > 0 ? $0 : nil }
            ?? environment["COLUMNS"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0 > 0 ? $0 : nil }
            ?? 80
        return min(max(chosen, widths.lowerBound), widths.upperBound)
    }

    /// The width and height standard output's terminal reports, or nil when it is not a terminal.
    public static func size() -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// The width for this run (see `width(terminalColumns:environment:)`).
    public static func currentWidth() -> Int {
        width(terminalColumns: size()?.columns, environment: ProcessInfo.processInfo.environment)
    }

    /// Whether escape codes (colour, clearing a line) may be written: only to a terminal, and
    /// never when `TERM` is `dumb` or unset.
    public static func acceptsEscapes(isTerminal: Bool, environment: [String: String]) -> Bool {
        guard isTerminal, let term = environment["TERM"], !term.isEmpty else { return false }
        return term != "dumb"
    }

    /// Reads single keys from standard input, which must be a terminal: echo and line editing
    /// are turned off while it lives, and `restore()` (also run by the interrupt handler) puts the
    /// settings back. Ctrl-C still sends SIGINT.
    public final class RawKeys: @unchecked Sendable {
        private var saved = termios()
        private var active = false
        private let lock = NSLock()

        /// Switches standard input to single keys; nil when it is not a terminal.
        public init?() {
            guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &saved) == 0 else { return nil }
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
            guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return nil }
            active = true
        }

        deinit { restore() }

        /// Puts the terminal back as it was. Safe to call more than once, from any thread.
        public func restore() {
            lock.lock(); defer { lock.unlock() }
            guard active else { return }
            var settings = saved
            tcsetattr(STDIN_FILENO, TCSANOW, &settings)
            active = false
        }

        /// The next key as a session answer: Enter, space or `n` give "" (next), `b` "b",
        /// `q` "q", any other key itself; nil at end of input (Ctrl-D).
        public func readKey() -> String? {
            var byte: UInt8 = 0
            while true {
                let n = read(STDIN_FILENO, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                guard n == 1, byte != 4 else { return nil }
                break
            }
            return Self.answer(for: byte)
        }

        /// The session answer for one key (see `readKey`).
        public static func answer(for byte: UInt8) -> String {
            switch byte {
            case 0x0A, 0x0D, 0x20, UInt8(ascii: "n"): return ""
            default: return String(decoding: [byte], as: UTF8.self).lowercased()
            }
        }
    }
}
